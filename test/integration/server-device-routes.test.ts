/**
 * The device router over real HTTP. STOP-GAP: it runs over the in-test MemoryDeviceService until the
 * lead's StateAccess-backed DeviceService lands; the authentication and HTTP behaviour tested here
 * do not depend on which implementation answers.
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { createDeviceRouter } from '../../src/server/device/device-routes.js';
import { parsePushSubscription } from '../../src/server/push/subscription.js';
import type { DeviceAuditEvent } from '../../src/server/device/device-service.js';
import { TestDevice } from '../helpers/device-signer.js';
import { close, listen } from '../helpers/listen.js';
import { MemoryDeviceService } from '../helpers/memory-device-service.js';

const now = 1_800_000_000_000;
let service: MemoryDeviceService;
let failNext: Error | undefined;
const events: DeviceAuditEvent[] = [];
const errors: unknown[] = [];
const claimed = new Map<string, number>();
const server = createServer(
  express()
    .use(
      '/device/v1',
      createDeviceRouter({
        parsePushSubscription: (value) => parsePushSubscription(value, { allowInsecureLoopbackEndpoints: true }),
        // Forwards to the current test's service, so each test starts from empty state.
        service: {
          registerDevice: (...a) => service.registerDevice(...a),
          devicePublicKey: (...a) => service.devicePublicKey(...a),
          createDevicePhrase: (...a) => service.createDevicePhrase(...a),
          deviceState: (...a) => (failNext === undefined ? service.deviceState(...a) : Promise.reject(failNext)),
          deviceRespondToPairing: (...a) => service.deviceRespondToPairing(...a),
          deviceClaimQr: (...a) => service.deviceClaimQr(...a),
          deviceOtpSecret: (...a) => service.deviceOtpSecret(...a),
          deviceRemovePairing: (...a) => service.deviceRemovePairing(...a),
          deviceRespondToRequest: (...a) => service.deviceRespondToRequest(...a),
          setDevicePushSubscription: (...a) => service.setDevicePushSubscription(...a),
        },
        vapidPublicKey: () => 'BPUBLIC',
        pollIntervalMs: 2000,
        clock: () => now,
        claim: (key, ttl) => {
          if ((claimed.get(key) ?? 0) > now) return Promise.resolve(false);
          claimed.set(key, now + ttl);
          return Promise.resolve(true);
        },
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
after(() => close(server));
beforeEach(() => {
  service = new MemoryDeviceService(() => now);
  events.length = 0;
  errors.length = 0;
});

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
    assert.equal(service.devices.size, 1);
  });

  test('unsigned, unknown-device and replayed requests get 401 and change nothing', async () => {
    const device = await registered();
    const pairing = service.addPhrasePairing(device.deviceId, 'Bank', 'alice');
    const request = service.addRequest(pairing.id, 'Laptop', 'Log In');
    const path = `/device/v1/requests/${request.id}/decision`;
    assert.equal((await send(path, { method: 'POST', body: '{"grant":true}' })).status, 401);
    const stranger = await TestDevice.create();
    assert.deepEqual(await signed(stranger, 'POST', path, { grant: true }).then((a) => [a.status, a.body]), [401, { error: 'Unknown device.' }]);

    const text = JSON.stringify({ grant: false });
    const headers = { ...(await device.sign('POST', path, text, now)), 'content-type': 'application/json' };
    const tampered = await send(path, { method: 'POST', headers, body: JSON.stringify({ grant: true }) });
    assert.equal(tampered.status, 401);
    assert.equal(service.requests.get(request.id)?.view.status, 'pending');

    assert.equal((await send(path, { method: 'POST', headers, body: text })).status, 200);
    const replay = await send(path, { method: 'POST', headers, body: text });
    assert.deepEqual([replay.status, replay.body], [401, { error: 'This nonce was already used.' }]);
    assert.equal(replay.headers.get('cache-control'), 'no-store');
  });

  test('a device can only see and decide its own pairings and requests (404 otherwise)', async () => {
    const [alice, mallory] = [await registered(), await registered()];
    const pairing = service.addPhrasePairing(alice.deviceId, 'Bank', 'alice');
    const request = service.addRequest(pairing.id, 'Laptop', 'Log In');
    assert.equal((await signed(mallory, 'POST', `/device/v1/pairings/${pairing.id}/decision`, { accept: true })).status, 404);
    assert.equal((await signed(mallory, 'POST', `/device/v1/requests/${request.id}/decision`, { grant: true })).status, 404);
    assert.equal((await signed(mallory, 'GET', `/device/v1/pairings/${pairing.id}/otp-secret`)).status, 404);
    assert.equal((await signed(mallory, 'DELETE', `/device/v1/pairings/${pairing.id}`)).status, 404);
    assert.deepEqual(((await signed(mallory, 'GET', '/device/v1/state')).body as { pairings: unknown[] }).pairings, []);
    assert.equal(service.pairings.get(pairing.id)?.view.status, 'pending');
  });

  test('phrase, pairing decision, OTP secret, request decisions and removal, with audit events', async () => {
    const device = await registered();
    const phrase = await signed(device, 'POST', '/device/v1/phrases');
    assert.equal(phrase.status, 200);
    assert.equal(service.phrases[0]?.deviceId, device.deviceId);

    const pairing = service.addPhrasePairing(device.deviceId, 'Bank', 'alice');
    const accepted = await signed(device, 'POST', `/device/v1/pairings/${pairing.id}/decision`, { accept: true });
    assert.equal((accepted.body as { pairing: { status: string } }).pairing.status, 'enabled');
    const otp = await signed(device, 'GET', `/device/v1/pairings/${pairing.id}/otp-secret`);
    assert.deepEqual(otp.body, { otpSecret: service.otpSecretOf(pairing.id), digits: 6, period: 30, algorithm: 'SHA1' });

    const locked = service.addRequest(pairing.id, 'Laptop', 'Transfer', false);
    const refused = await signed(device, 'POST', `/device/v1/requests/${locked.id}/decision`, { grant: true, automate: true });
    assert.equal(refused.status, 409);
    assert.equal(service.requests.get(locked.id)?.view.status, 'pending');
    const granted = await signed(device, 'POST', `/device/v1/requests/${locked.id}/decision`, { grant: true });
    assert.equal((granted.body as { status: string }).status, 'granted');
    const open = service.addRequest(pairing.id, 'Laptop', 'Log In');
    await signed(device, 'POST', `/device/v1/requests/${open.id}/decision`, { grant: true, automate: true });
    assert.equal(service.requests.get(open.id)?.automated, true);

    const removed = await signed(device, 'DELETE', `/device/v1/pairings/${pairing.id}`);
    assert.equal(removed.status, 204);
    assert.equal(service.pairings.has(pairing.id), false);
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
    const qr = service.addQrPairing('Bank', 'bob');
    assert.equal((await signed(first, 'POST', '/device/v1/qr', { pairingId: qr.pairingId, secret: 'wrong' })).status, 404);
    const claim = await signed(first, 'POST', '/device/v1/qr', qr);
    assert.equal(claim.status, 200);
    assert.equal((claim.body as { otpSecret: string }).otpSecret, service.otpSecretOf(qr.pairingId));
    assert.equal((await signed(second, 'POST', '/device/v1/qr', qr)).status, 404);
    assert.deepEqual(events.map((e) => e.type), ['pairing.claimed']);
  });

  test('push subscription: stored as JSON text, refused for non-https endpoints, removed with DELETE', async () => {
    const device = await registered();
    // What a browser's PushSubscription.toJSON() holds: a 65-byte uncompressed P-256 point and a 16-byte secret.
    const keys = { p256dh: createECDH('prime256v1').generateKeys('base64url'), auth: randomBytes(16).toString('base64url') };
    const subscription = { endpoint: 'https://push.example/abc', expirationTime: null, keys };
    assert.equal((await signed(device, 'PUT', '/device/v1/push-subscription', { subscription })).status, 204);
    assert.deepEqual(JSON.parse(service.devices.get(device.deviceId)?.subscription ?? 'null'), subscription);
    for (const endpoint of ['http://push.example/abc', 'file:///etc/passwd', 'https://user:pw@push.example/', 'not a url']) {
      const answer = await signed(device, 'PUT', '/device/v1/push-subscription', { subscription: { ...subscription, endpoint } });
      assert.equal(answer.status, 400, endpoint);
    }
    const local = { ...subscription, endpoint: 'http://127.0.0.1:9/push' };
    assert.equal((await signed(device, 'PUT', '/device/v1/push-subscription', { subscription: local })).status, 204);
    assert.equal((await signed(device, 'DELETE', '/device/v1/push-subscription')).status, 204);
    assert.equal(service.devices.get(device.deviceId)?.subscription, null);
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

  test('a fault behind the service is a 500 without details, reported to onError', async () => {
    const device = await registered();
    failNext = new Error('backend down: secret detail');
    const answer = await signed(device, 'GET', '/device/v1/state');
    failNext = undefined;
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
