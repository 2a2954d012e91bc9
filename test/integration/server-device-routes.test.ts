/**
 * The device router over real HTTP, over the server's real state: `stateDeviceService` on `openState`
 * with a SQLite file (one per test). Pairings and requests are made the way the v1 API makes them
 * (`createPairingWithPhrase`, `createPairingForQr`, `initiate`), and outcomes are read back from the state.
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { generateSync } from 'otplib';
import { createDeviceRouter } from '../../src/server/device/device-routes.js';
import type { DeviceAuditEvent } from '../../src/server/device/device-service.js';
import { parsePushSubscription } from '../../src/server/push/subscription.js';
import { TestDevice } from '../helpers/device-signer.js';
import { DeviceState, type Paired } from '../helpers/device-state.js';
import { close, listen } from '../helpers/listen.js';

const now = 1_800_000_000_000;
const times = { clock: () => now, pendingTimeoutMs: 5 * 60_000, pairingTimeoutMs: 10 * 60_000, phraseTimeoutMs: 10 * 60_000 };
// Each test starts on an empty database.
const state = new DeviceState(times);
const events: DeviceAuditEvent[] = [];
const errors: unknown[] = [];
const server = createServer(
  express()
    .use(
      '/device/v1',
      createDeviceRouter({
        parsePushSubscription: (value) => parsePushSubscription(value, { allowInsecureLoopbackEndpoints: true }),
        service: state.service,
        vapidPublicKey: () => 'BPUBLIC',
        pollIntervalMs: 2000,
        clock: () => now,
        claim: state.claim,
        onDecision: (e) => void events.push(e),
        onPairingChange: (e) => void events.push(e),
        onError: (e) => void errors.push(e),
      }),
    ),
);
let base: string;

before(async () => {
  base = await listen(server);
});
after(async () => {
  await close(server);
  await state.close();
});
beforeEach(async () => {
  await state.newDatabase();
  events.length = 0;
  errors.length = 0;
});
afterEach(() => state.opened.close());

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

async function send(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { method: init.method ?? 'GET', body: init.body ?? null, headers: init.headers ?? {} });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

async function signed(device: TestDevice, method: string, path: string, body?: object): Promise<Answer> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = { ...(await device.sign(method, path, text, now)), 'content-type': 'application/json' };
  return send(path, { method, headers, ...(body === undefined ? {} : { body: text }) });
}

async function registered(): Promise<TestDevice> {
  const device = await TestDevice.create();
  const answer = await signed(device, 'POST', '/device/v1/devices', { publicKey: device.publicKey, name: 'Test phone' });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual(answer.body, { deviceId: device.deviceId });
  return device;
}

/** A new requester pairs with a fresh phrase of the device: pending. */
async function pairByPhrase(deviceId: string, requester: string, userName: string): Promise<Paired> {
  const { phrase } = await state.run((store) => store.devices.createPhrase(deviceId));
  return state.pairByPhrase(phrase, requester, userName);
}

/** A pairing the device already accepted. */
async function enabledPairing(deviceId: string, requester: string, userName: string): Promise<Paired> {
  const paired = await pairByPhrase(deviceId, requester, userName);
  await state.run((store) => store.devices.respondToPairing(deviceId, paired.pairingId, true));
  return paired;
}

/** The code the server accepts now for the pairing (what `otp_auth` checks). */
function serverOtp(pairingId: string): Promise<string> {
  return state.run((store) => store.phoneOtp(pairingId));
}

describe('device router', () => {
  test('GET /info is unsigned and not cached', async () => {
    const answer = await send('/device/v1/info');
    assert.deepEqual(answer.body, { vapidPublicKey: 'BPUBLIC', pollIntervalMs: 2000 });
    assert.equal(answer.headers.get('cache-control'), 'no-store');
  });

  test('registration is idempotent, bound to the key, and validates the key', async () => {
    const device = await registered();
    assert.deepEqual((await signed(device, 'POST', '/device/v1/devices', { publicKey: device.publicKey, name: 'Again' })).body, {
      deviceId: device.deviceId,
    });
    const other = await TestDevice.create();
    const stolen = await signed(other, 'POST', '/device/v1/devices', { publicKey: device.publicKey, name: 'x' });
    assert.equal(stolen.status, 401);
    assert.equal((await signed(other, 'POST', '/device/v1/devices', { publicKey: 'AAAA', name: 'x' })).status, 400);
    assert.equal((await signed(other, 'POST', '/device/v1/devices', { publicKey: other.publicKey })).status, 400);
    const keys = await state.run((store) => [store.devices.publicKey(device.deviceId), store.devices.publicKey(other.deviceId)]);
    assert.deepEqual(keys, [device.publicKey, undefined]);
  });

  test('unsigned, unknown-device and replayed requests get 401 and change nothing', async () => {
    const device = await registered();
    const pairing = await enabledPairing(device.deviceId, 'Bank', 'alice');
    const request = await state.initiate(pairing, 'Laptop', 'Log In');
    const path = `/device/v1/requests/${request.id}/decision`;
    assert.equal((await send(path, { method: 'POST', body: '{"grant":true}' })).status, 401);
    const stranger = await TestDevice.create();
    assert.deepEqual(await signed(stranger, 'POST', path, { grant: true }).then((a) => [a.status, a.body]), [401, { error: 'Unknown device.' }]);

    const text = JSON.stringify({ grant: false });
    const headers = { ...(await device.sign('POST', path, text, now)), 'content-type': 'application/json' };
    const tampered = await send(path, { method: 'POST', headers, body: JSON.stringify({ grant: true }) });
    assert.equal(tampered.status, 401);
    assert.equal((await state.requestOf(pairing, request.id)).pending, true);

    assert.equal((await send(path, { method: 'POST', headers, body: text })).status, 200);
    assert.deepEqual(await state.requestOf(pairing, request.id).then((r) => [r.pending, r.granted]), [false, false]);
    const replay = await send(path, { method: 'POST', headers, body: text });
    assert.deepEqual([replay.status, replay.body], [401, { error: 'This nonce was already used.' }]);
    assert.equal(replay.headers.get('cache-control'), 'no-store');
  });

  test('a device can only see and decide its own pairings and requests (404 otherwise)', async () => {
    const [alice, mallory] = [await registered(), await registered()];
    // A pending pairing to accept, and an accepted one with a pending request (initiate needs an enabled pairing).
    const waiting = await pairByPhrase(alice.deviceId, 'Shop', 'alice');
    const pairing = await enabledPairing(alice.deviceId, 'Bank', 'alice');
    const request = await state.initiate(pairing, 'Laptop', 'Log In');
    assert.equal((await signed(mallory, 'POST', `/device/v1/pairings/${waiting.pairingId}/decision`, { accept: true })).status, 404);
    assert.equal((await signed(mallory, 'POST', `/device/v1/requests/${request.id}/decision`, { grant: true })).status, 404);
    assert.equal((await signed(mallory, 'GET', `/device/v1/pairings/${pairing.pairingId}/otp-secret`)).status, 404);
    assert.equal((await signed(mallory, 'DELETE', `/device/v1/pairings/${pairing.pairingId}`)).status, 404);
    const seen = (await signed(mallory, 'GET', '/device/v1/state')).body as { pairings: unknown[]; requests: unknown[] };
    assert.deepEqual([seen.pairings, seen.requests], [[], []]);
    assert.equal((await state.pairingOf(waiting)).pending, true);
    assert.deepEqual(await state.pairingOf(pairing).then((p) => [p.enabled, p.deactivated]), [true, false]);
    assert.equal((await state.requestOf(pairing, request.id)).pending, true);
    const own = (await signed(alice, 'GET', '/device/v1/state')).body as { pairings: Array<{ id: string }>; requests: Array<{ id: string }> };
    assert.deepEqual(own.pairings.map((p) => p.id).sort(), [waiting.pairingId, pairing.pairingId].sort());
    assert.deepEqual(own.requests.map((r) => r.id), [request.id]);
  });

  test('phrase, pairing decision, OTP secret, request decisions and removal, with audit events', async () => {
    const device = await registered();
    const phrase = await signed(device, 'POST', '/device/v1/phrases');
    assert.equal(phrase.status, 200);
    assert.equal((phrase.body as { expiresAt: number }).expiresAt, now + times.phraseTimeoutMs);
    // The website sends the phrase the app shows (`pairings/create`): the pairing waits for this device.
    const pairing = await state.pairByPhrase((phrase.body as { phrase: string }).phrase, 'Bank', 'alice');
    assert.equal((await state.pairingOf(pairing)).pending, true);

    const accepted = await signed(device, 'POST', `/device/v1/pairings/${pairing.pairingId}/decision`, { accept: true });
    assert.equal((accepted.body as { pairing: { status: string } }).pairing.status, 'enabled');
    assert.equal((await state.pairingOf(pairing)).enabled, true);
    const again = await signed(device, 'POST', `/device/v1/pairings/${pairing.pairingId}/decision`, { accept: false });
    assert.equal(again.status, 409);
    const otp = await signed(device, 'GET', `/device/v1/pairings/${pairing.pairingId}/otp-secret`);
    const { otpSecret, ...format } = otp.body as { otpSecret: string };
    assert.deepEqual(format, { digits: 6, period: 30, algorithm: 'SHA1' });
    assert.equal(generateSync({ secret: otpSecret, epoch: now / 1000 }), await serverOtp(pairing.pairingId));

    const locked = await state.initiate(pairing, 'Laptop', 'Transfer', false);
    const refused = await signed(device, 'POST', `/device/v1/requests/${locked.id}/decision`, { grant: true, automate: true });
    assert.equal(refused.status, 409);
    assert.equal((await state.requestOf(pairing, locked.id)).pending, true);
    const granted = await signed(device, 'POST', `/device/v1/requests/${locked.id}/decision`, { grant: true });
    assert.equal((granted.body as { status: string }).status, 'granted');
    assert.deepEqual(await state.requestOf(pairing, locked.id).then((r) => [r.pending, r.granted]), [false, true]);
    assert.equal((await signed(device, 'POST', `/device/v1/requests/${locked.id}/decision`, { grant: false })).status, 409);
    const open = await state.initiate(pairing, 'Laptop', 'Log In');
    await signed(device, 'POST', `/device/v1/requests/${open.id}/decision`, { grant: true, automate: true });
    // The answer itself was the user's; "always" applies to the next request for this terminal and action.
    assert.deepEqual(await state.requestOf(pairing, open.id).then((r) => [r.granted, r.automated]), [true, false]);
    const next = await state.initiate(pairing, 'Laptop', 'Log In');
    assert.deepEqual([next.pending, next.granted, next.automated], [false, true, true]);

    const removed = await signed(device, 'DELETE', `/device/v1/pairings/${pairing.pairingId}`);
    assert.equal(removed.status, 204);
    assert.deepEqual(await state.pairingOf(pairing).then((p) => [p.deactivated, p.reason]), [true, 'Removed on the phone']);
    assert.deepEqual(((await signed(device, 'GET', '/device/v1/state')).body as { pairings: unknown[] }).pairings, []);
    assert.equal((await signed(device, 'GET', `/device/v1/pairings/${pairing.pairingId}/otp-secret`)).status, 404);
    assert.deepEqual(
      events.map((e) => [e.type, e.detail ?? '']),
      [
        ['pairing.accepted', ''],
        ['request.decided', 'granted'],
        ['request.decided', 'granted'],
        ['automation.set', 'Laptop: Log In'],
        ['pairing.removed', ''],
      ],
    );
    assert.ok(events.every((e) => e.deviceId === device.deviceId && e.at === now));
  });

  test('QR claim binds the pairing to the first device with the secret', async () => {
    const [first, second] = [await registered(), await registered()];
    // `pairings/create/qr`, and the code's content as the website shows it.
    const paired = await state.pairByQr('Bank', 'bob');
    const qr = { pairingId: paired.pairingId, secret: paired.secret };
    assert.equal((await signed(first, 'POST', '/device/v1/qr', { pairingId: qr.pairingId, secret: 'wrong' })).status, 404);
    assert.equal((await state.pairingOf(paired)).pending, true);
    const claim = await signed(first, 'POST', '/device/v1/qr', qr);
    assert.equal(claim.status, 200);
    const { otpSecret } = claim.body as { otpSecret: string };
    assert.equal(generateSync({ secret: otpSecret, epoch: now / 1000 }), await serverOtp(qr.pairingId));
    assert.equal((await state.pairingOf(paired)).enabled, true);
    // A claimed code is used up: 409 for anyone, including the device that claimed it.
    assert.equal((await signed(second, 'POST', '/device/v1/qr', qr)).status, 409);
    assert.equal((await signed(first, 'POST', '/device/v1/qr', qr)).status, 409);
    const seen = await state.run((store) => [first, second].map((d) => store.devices.state(d.deviceId).pairings.map((p) => p.id)));
    assert.deepEqual(seen, [[qr.pairingId], []]);
    assert.deepEqual(events.map((e) => e.type), ['pairing.claimed']);
  });

  test('push subscription: stored as JSON text, refused for non-https endpoints, removed with DELETE', async () => {
    const device = await registered();
    const pairing = await enabledPairing(device.deviceId, 'Bank', 'alice');
    const request = await state.initiate(pairing, 'Laptop', 'Log In');
    // What the push module reads for a new pending request: the device's stored subscription.
    const targets = () => state.run((store) => store.devices.pushTargets(request.id));
    assert.deepEqual(await targets(), []);
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const keys = { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
    const subscription = { endpoint: 'https://push.example/abc', expirationTime: null, keys };
    assert.equal((await signed(device, 'PUT', '/device/v1/push-subscription', { subscription })).status, 204);
    const stored = await targets();
    assert.deepEqual(stored.map((t): unknown => [t.deviceId, JSON.parse(t.subscription)]), [[device.deviceId, subscription]]);
    for (const endpoint of ['http://push.example/abc', 'file:///etc/passwd', 'https://user:pw@push.example/', 'not a url']) {
      const answer = await signed(device, 'PUT', '/device/v1/push-subscription', { subscription: { ...subscription, endpoint } });
      assert.equal(answer.status, 400, endpoint);
    }
    const local = { ...subscription, endpoint: 'http://127.0.0.1:9/push' };
    assert.equal((await signed(device, 'PUT', '/device/v1/push-subscription', { subscription: local })).status, 204);
    assert.equal((JSON.parse((await targets())[0]?.subscription ?? '{}') as { endpoint?: string }).endpoint, local.endpoint);
    assert.equal((await signed(device, 'DELETE', '/device/v1/push-subscription')).status, 204);
    assert.deepEqual(await targets(), []);
  });

  test('bad input is a 4xx JSON answer, never a 500', async () => {
    const device = await registered();
    const cases: Array<[string, string, string, number]> = [
      ['POST', '/device/v1/pairings/p/decision', 'not json', 400],
      ['POST', '/device/v1/pairings/p/decision', '{"accept":"yes"}', 400],
      ['POST', '/device/v1/pairings/p/decision', '[]', 400],
      ['POST', '/device/v1/qr', '{"pairingId":"","secret":"s"}', 400],
      ['POST', `/device/v1/requests/${'x'.repeat(200)}/decision`, '{"grant":true}', 400],
      ['POST', '/device/v1/pairings/p/decision', '\uFFFE\xff', 400],
      ['GET', '/device/v1/nothing-here', '', 404],
      ['POST', '/device/v1/qr', JSON.stringify({ pairingId: 'p', secret: 'x'.repeat(20_000) }), 413],
    ];
    for (const [method, path, body, status] of cases) {
      const headers = { ...(await device.sign(method, path, body, now)), 'content-type': 'application/json' };
      const answer = await send(path, { method, headers, ...(body === '' ? {} : { body }) });
      assert.equal(answer.status, status, `${method} ${path} ${body.slice(0, 40)}`);
      assert.equal(typeof (answer.body as { error: unknown }).error, 'string');
    }
    assert.deepEqual(errors, []);
  });

  test('a compressed body is refused (415): the signature covers the bytes sent', async () => {
    const device = await registered();
    const path = '/device/v1/pairings/p/decision';
    const body = gzipSync('{"accept":true}');
    const headers = { ...(await device.sign('POST', path, '{"accept":true}', now)), 'content-encoding': 'gzip' };
    const response = await fetch(`${base}${path}`, { method: 'POST', headers, body });
    assert.equal(response.status, 415);
    assert.equal(typeof ((await response.json()) as { error: unknown }).error, 'string');
  });

  test('a fault behind the service (the storage closed) is a 500 without details, reported to onError', async () => {
    const device = await registered();
    await state.opened.close();
    const answer = await signed(device, 'GET', '/device/v1/state');
    assert.deepEqual([answer.status, answer.body], [500, { error: 'Internal error.' }]);
    assert.equal(errors.length, 1);
  });

  test('the signed path includes the query string as sent', async () => {
    const device = await registered();
    const headers = await device.sign('GET', '/device/v1/state', '', now);
    assert.equal((await send('/device/v1/state?extra=1', { headers })).status, 401);
    assert.equal((await signed(device, 'GET', '/device/v1/state?extra=1')).status, 200);
  });

  test('timestamps more than five minutes off are refused', async () => {
    const device = await registered();
    const headers = await device.sign('GET', '/device/v1/state', '', now - 5 * 60_000 - 1);
    assert.equal((await send('/device/v1/state', { headers })).status, 401);
  });
});
