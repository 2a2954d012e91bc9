import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test, type TestContext } from 'node:test';
import webPush from 'web-push';
import { ToopherConfigError } from '../../src/errors.js';
import { PushNotifier, type PushEvent, type PushNotifierOptions } from '../../src/server/push/notifier.js';
import { parsePushSubscription, parseStoredPushSubscription, PushSubscriptionError } from '../../src/server/push/subscription.js';
import { createVapidKeys, parseVapidKeys, parseVapidSubject, vapidKeysToJson, type VapidKeys } from '../../src/server/push/vapid.js';
import { loadWebPush } from '../../src/server/push/web-push-module.js';
import { close, listen } from '../helpers/listen.js';
import { startPushEndpoint, verifyVapidHeader, type PushEndpoint } from '../helpers/push-endpoint.js';

const SUBJECT = 'mailto:ops@example.com';

async function setup(t: TestContext, options: Partial<PushNotifierOptions> = {}): Promise<{ endpoint: PushEndpoint; notifier: PushNotifier; keys: VapidKeys; events: PushEvent[] }> {
  const endpoint = await startPushEndpoint();
  t.after(() => endpoint.close());
  const keys = await createVapidKeys();
  const events: PushEvent[] = [];
  const notifier = await PushNotifier.create({
    vapidKeys: keys,
    subject: SUBJECT,
    allowInsecureLoopbackEndpoints: true,
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { endpoint, notifier, keys, events };
}

test('a message sent by PushNotifier arrives and decrypts to the exact payload, with a valid VAPID header', async (t) => {
  const { endpoint, notifier, keys } = await setup(t);
  const subscription = endpoint.subscribe(keys.publicKey);
  const payload = '{"type":"request","note":"ünïcödé ✓"}';
  assert.equal(await notifier.send(JSON.stringify(subscription.json), payload, { ttlSeconds: 60, urgency: 'high' }), 'sent');
  assert.deepEqual(endpoint.rejections, []);
  assert.equal(endpoint.messages.length, 1);
  const [message] = endpoint.messages;
  assert.equal(message?.payload, payload);
  assert.equal(message?.subscriptionId, subscription.id);
  assert.equal(message?.ttl, 60);
  assert.equal(message?.urgency, 'high');
  // The helper checked the signature with k, k against the subscription's key, aud and exp.
  assert.equal(message?.claims.aud, endpoint.origin);
  assert.equal(message?.claims.sub, SUBJECT);
});

test('notifyRequest sends the spec payload to every device and reports the gone ones', async (t) => {
  const { endpoint, notifier, keys } = await setup(t, { now: () => 1_000_000 });
  const live = [endpoint.subscribe(keys.publicKey), endpoint.subscribe(keys.publicKey)];
  const expired = endpoint.subscribe(keys.publicKey);
  const unknown = endpoint.subscribe(keys.publicKey);
  endpoint.setBehaviour(expired.id, 'gone');
  endpoint.setBehaviour(unknown.id, 'not-found');
  const targets = [...live, expired, unknown].map((s, i) => ({ deviceId: `device-${i}`, subscription: JSON.stringify(s.json) }));
  const view = { id: 'req-1', requester: 'Acme', actionName: 'Log in', terminalName: 'Laptop', expiresAt: 1_000_000 + 90_500 };

  const result = await notifier.notifyRequest(targets, view);

  assert.deepEqual(result, { sent: ['device-0', 'device-1'], gone: ['device-2', 'device-3'], failed: [] });
  assert.equal(endpoint.messages.length, 2);
  for (const message of endpoint.messages) {
    assert.deepEqual(JSON.parse(message.payload), { type: 'request', requestId: 'req-1', requester: 'Acme', actionName: 'Log in', terminalName: 'Laptop' });
    assert.equal(message.ttl, 91, 'the TTL ends with the request');
    assert.equal(message.urgency, 'high');
  }
  assert.deepEqual(endpoint.messages.map((m) => m.subscriptionId).sort(), live.map((s) => s.id).sort());
});

test('one device whose push service hangs does not hold back the others', async (t) => {
  const { endpoint, notifier, keys } = await setup(t, { timeoutMs: 120_000 });
  const stuck = endpoint.subscribe(keys.publicKey);
  const fine = endpoint.subscribe(keys.publicKey);
  endpoint.setBehaviour(stuck.id, 'hang');
  const view = { id: 'req-2', requester: 'Acme', actionName: 'Log in', terminalName: 'Laptop' };
  const batch = notifier.notifyRequest([stuck, fine].map((s) => ({ deviceId: s.id, subscription: JSON.stringify(s.json) })), view);
  const deadline = Date.now() + 10_000;
  while (endpoint.messages.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(endpoint.messages[0]?.subscriptionId, fine.id, 'delivered while the other request still hangs');
  await endpoint.close(); // drops the hanging connection
  assert.deepEqual(await batch, { sent: [fine.id], gone: [], failed: [stuck.id] });
});

test('a 410 answer is "gone", so the caller removes the subscription', async (t) => {
  const { endpoint, notifier, keys, events } = await setup(t);
  const subscription = endpoint.subscribe(keys.publicKey);
  endpoint.setBehaviour(subscription.id, 'gone');
  assert.equal(await notifier.send(JSON.stringify(subscription.json), 'x'), 'gone');
  assert.deepEqual(events, [{ event: 'push.gone', endpointOrigin: endpoint.origin, status: 410 }]);
});

test('a push service that never answers gives "failed" once the deadline passes', async (t) => {
  const { endpoint, notifier, keys, events } = await setup(t, { timeoutMs: 200 });
  const subscription = endpoint.subscribe(keys.publicKey);
  endpoint.setBehaviour(subscription.id, 'hang');
  assert.equal(await notifier.send(JSON.stringify(subscription.json), 'x'), 'failed');
  assert.equal(endpoint.requestCount, 1);
  assert.deepEqual(events, [{ event: 'push.failed', endpointOrigin: endpoint.origin, reason: 'timeout' }]);
});

test('messages signed with another VAPID key are refused by the push service and reported as failed', async (t) => {
  const { endpoint, notifier } = await setup(t);
  const subscription = endpoint.subscribe((await createVapidKeys()).publicKey);
  assert.equal(await notifier.send(JSON.stringify(subscription.json), 'x'), 'failed');
  assert.deepEqual(endpoint.rejections, ['k is not the applicationServerKey of the subscription']);
  assert.equal(endpoint.messages.length, 0);
});

test('a refused connection, a 500 and a redirect are "failed", never a rejection', async (t) => {
  const { notifier, keys, endpoint, events } = await setup(t);
  const keysJson = endpoint.subscribe(keys.publicKey).json.keys;
  const closedServer = createServer();
  const closedOrigin = await listen(closedServer);
  await close(closedServer);
  assert.equal(await notifier.send(JSON.stringify({ endpoint: `${closedOrigin}/push/x`, keys: keysJson }), 'x'), 'failed');
  assert.deepEqual(events.at(-1), { event: 'push.failed', endpointOrigin: closedOrigin, reason: 'network', errorCode: 'ECONNREFUSED' });

  const answering = createServer((req, res) => {
    if (req.url === '/redirect') res.writeHead(307, { location: `${endpoint.origin}/push/x` }).end();
    else res.writeHead(500).end('oops');
  });
  const origin = await listen(answering);
  t.after(() => close(answering));
  assert.equal(await notifier.send(JSON.stringify({ endpoint: `${origin}/error`, keys: keysJson }), 'x'), 'failed');
  assert.deepEqual(events.at(-1), { event: 'push.failed', endpointOrigin: origin, status: 500, reason: 'status' });
  assert.equal(await notifier.send(JSON.stringify({ endpoint: `${origin}/redirect`, keys: keysJson }), 'x'), 'failed');
  assert.equal(endpoint.requestCount, 0, 'the redirect was not followed');
});

test('an unusable stored subscription is "gone" and an oversized payload "failed", without any request', async (t) => {
  const { endpoint, notifier, keys } = await setup(t);
  const subscription = endpoint.subscribe(keys.publicKey);
  assert.equal(await notifier.send('{not json', 'x'), 'gone');
  assert.equal(await notifier.send(JSON.stringify({ ...subscription.json, keys: { p256dh: 'AAAA', auth: 'AAAA' } }), 'x'), 'gone');
  assert.equal(await notifier.send(JSON.stringify(subscription.json), 'x'.repeat(3994)), 'failed');
  assert.equal(await notifier.send(JSON.stringify(subscription.json), 'x', { ttlSeconds: -1 }), 'failed');
  assert.equal(endpoint.requestCount, 0);
  assert.equal(await notifier.send(JSON.stringify(subscription.json), 'x'.repeat(3993)), 'sent', 'the largest payload RFC 8291 guarantees fits');
});

test('events never carry keys, payloads or the endpoint path', async (t) => {
  const { endpoint, notifier, keys, events } = await setup(t);
  const subscription = endpoint.subscribe(keys.publicKey);
  assert.equal(await notifier.send(JSON.stringify(subscription.json), 'secret-payload'), 'sent');
  endpoint.setBehaviour(subscription.id, 'gone');
  assert.equal(await notifier.send(JSON.stringify(subscription.json), 'secret-payload'), 'gone');
  assert.equal(events.length, 2);
  const log = JSON.stringify(events);
  for (const secret of [keys.privateKey, keys.publicKey, subscription.json.keys.p256dh, subscription.json.keys.auth, 'secret-payload', subscription.id]) {
    assert.ok(!log.includes(secret));
  }
});

test('the local push service refuses a forged, misdirected or expired VAPID token', async () => {
  const keys = await createVapidKeys();
  const now = Math.floor(Date.now() / 1000);
  const header = (exp: number): string => webPush.getVapidHeaders('http://127.0.0.1:1', SUBJECT, keys.publicKey, keys.privateKey, 'aes128gcm', exp).Authorization;
  const good = header(now + 600);
  assert.equal(verifyVapidHeader(good, keys.publicKey, 'http://127.0.0.1:1', now).aud, 'http://127.0.0.1:1');
  const [token = '', k = ''] = good.replace('vapid t=', '').split(', k=');
  const forged = `vapid t=${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}, k=${k}`;
  assert.throws(() => verifyVapidHeader(forged, keys.publicKey, 'http://127.0.0.1:1', now), /signature does not verify/);
  assert.throws(() => verifyVapidHeader(good, keys.publicKey, 'http://127.0.0.1:2', now), /aud is not/);
  assert.throws(() => verifyVapidHeader(header(now - 1), keys.publicKey, 'http://127.0.0.1:1', now), /exp is not within/);
  assert.throws(() => verifyVapidHeader(undefined, keys.publicKey, 'http://127.0.0.1:1', now), /no vapid Authorization/);
});

const P256DH = 'BKBH7toXo28AnFggxn89swlTZo1WhOeYcMPlEUrkGn4WbltcdCOtltmO_MVoxY0KWBXpfr7qUYYmfCso9IGp4dk';
const AUTH = 'TxPyUWh8-mpaiWT1TphWfw';
const valid = { endpoint: 'https://fcm.googleapis.com/fcm/send/abc:def', expirationTime: null, keys: { p256dh: P256DH, auth: AUTH } };

test('a browser subscription is accepted and normalized', () => {
  const parsed = parsePushSubscription({ ...valid, extra: 1, keys: { p256dh: `${P256DH}=`, auth: `${AUTH}==` } });
  assert.deepEqual(parsed, valid);
  assert.deepEqual(parseStoredPushSubscription(JSON.stringify(parsed)), valid);
});

test('invalid subscriptions are refused with a message that says what is wrong', () => {
  const cases: [unknown, RegExp][] = [
    ['text', /must be a JSON object with `endpoint` and `keys`/],
    [{ ...valid, endpoint: 42 }, /`endpoint` must be a string/],
    [{ ...valid, endpoint: 'not a url' }, /`endpoint` must be an absolute https URL/],
    [{ ...valid, endpoint: `https://push.example.com/${'a'.repeat(2048)}` }, /at most 2048 characters/],
    [{ ...valid, endpoint: 'https://user:pw@push.example.com/x' }, /credentials or a fragment/],
    [{ ...valid, endpoint: 'https://10.0.0.1/x' }, /not an IP address or localhost/],
    [{ ...valid, endpoint: 'https://[fd00::1]/x' }, /not an IP address or localhost/],
    [{ ...valid, endpoint: 'https://localhost/x' }, /not an IP address or localhost/],
    [{ ...valid, endpoint: 'https://android.googleapis.com/gcm/send/abc' }, /legacy GCM endpoint/],
    [{ ...valid, expirationTime: -1 }, /`expirationTime` must not be negative/],
    [{ endpoint: valid.endpoint }, /`keys` must be an object/],
    [{ ...valid, keys: { auth: AUTH } }, /`keys.p256dh` must be a string/],
    [{ ...valid, keys: { p256dh: 'a+b/', auth: AUTH } }, /`keys.p256dh` must be base64url/],
    [{ ...valid, keys: { p256dh: P256DH.slice(0, 80), auth: AUTH } }, /`keys.p256dh` must encode exactly 65 bytes/],
    [{ ...valid, keys: { p256dh: `A${P256DH.slice(1)}`, auth: AUTH } }, /uncompressed P-256 public key/],
    [{ ...valid, keys: { p256dh: `BA${'A'.repeat(85)}`, auth: AUTH } }, /uncompressed P-256 public key/],
    [{ ...valid, keys: { p256dh: P256DH, auth: 'AAAA' } }, /`keys.auth` must encode exactly 16 bytes/],
    [{ ...valid, keys: { p256dh: P256DH, auth: 'A'.repeat(41) } }, /`keys.auth` is too long/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parsePushSubscription(input),
      (err: unknown) => err instanceof PushSubscriptionError && err.status === 400 && message.test(err.message) && err.message.startsWith('Invalid push subscription: '),
      `${JSON.stringify(input)?.slice(0, 80)} should fail with ${String(message)}`,
    );
  }
  assert.throws(() => parseStoredPushSubscription('x'.repeat(4097)), /at most 4096 characters/);
});

test('http endpoints are refused unless the loopback option is on, and then only on loopback hosts', () => {
  const on = { allowInsecureLoopbackEndpoints: true };
  for (const endpoint of ['http://127.0.0.1:9/push/a', 'http://[::1]:9/push/a', 'http://localhost:9/push/a']) {
    assert.throws(() => parsePushSubscription({ ...valid, endpoint }), /`endpoint` must be an https URL/);
    assert.equal(parsePushSubscription({ ...valid, endpoint }, on).endpoint, endpoint);
  }
  for (const endpoint of ['http://push.example.com/a', 'http://10.0.0.1/a', 'ftp://127.0.0.1/a']) {
    assert.throws(() => parsePushSubscription({ ...valid, endpoint }, on), /`endpoint` must be an https URL/);
  }
});

test('VAPID keys round-trip through their stored JSON; broken or mismatched pairs are refused without echoing them', async () => {
  const keys = await createVapidKeys();
  assert.deepEqual(parseVapidKeys(vapidKeysToJson(keys)), keys);
  const other = await createVapidKeys();
  const broken: [string, RegExp][] = [
    ['nope', /not JSON/],
    ['[]', /`publicKey` must be a base64url string/],
    [JSON.stringify({ ...keys, privateKey: 'AAAA' }), /`privateKey` must encode exactly 32 bytes/],
    [JSON.stringify({ ...keys, publicKey: keys.publicKey.slice(1) }), /`publicKey` must encode exactly 65 bytes/],
    [JSON.stringify({ publicKey: other.publicKey, privateKey: keys.privateKey }), /does not belong to `privateKey`/],
  ];
  for (const [json, message] of broken) {
    assert.throws(
      () => parseVapidKeys(json),
      (err: unknown) => err instanceof ToopherConfigError && message.test(err.message) && !err.message.includes(keys.privateKey),
    );
  }
});

test('the VAPID subject must be a mailto: address or an https: URL', () => {
  assert.equal(parseVapidSubject('mailto:ops@example.com'), 'mailto:ops@example.com');
  assert.equal(parseVapidSubject('https://example.com/contact'), 'https://example.com/contact');
  for (const subject of ['ops@example.com', 'mailto:nobody', 'http://example.com', 'https://localhost/x', 42]) {
    assert.throws(() => parseVapidSubject(subject), ToopherConfigError, String(subject));
  }
});

test('bad notifier options are refused at creation, naming the option', async () => {
  const vapidKeys = await createVapidKeys();
  await assert.rejects(PushNotifier.create({ vapidKeys, subject: SUBJECT, timeoutMs: 0 }), /the option `timeoutMs` is invalid/);
  await assert.rejects(PushNotifier.create({ vapidKeys, subject: 'nobody' }), ToopherConfigError);
  await assert.rejects(PushNotifier.create({ vapidKeys: { ...vapidKeys, privateKey: (await createVapidKeys()).privateKey }, subject: SUBJECT }), /does not belong/);
});

test('a missing web-push names the install step', async () => {
  const missing = Object.assign(new Error("Cannot find package 'web-push' imported from x.js"), { code: 'ERR_MODULE_NOT_FOUND' });
  await assert.rejects(
    loadWebPush(() => Promise.reject(missing)),
    (err: unknown) => err instanceof Error && err.message.includes('npm install better-sqlite3 web-push') && err.cause === missing,
  );
  const other = new Error('boom');
  await assert.rejects(loadWebPush(() => Promise.reject(other)), (err: unknown) => err === other);
});
