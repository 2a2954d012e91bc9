import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  DEVICE_NONCE_TTL_MS,
  DEVICE_TIMESTAMP_WINDOW_MS,
  deviceIdOf,
  parseDevicePublicKey,
  verifyDeviceRequest,
  type DeviceAuthOptions,
  type SignedRequest,
} from '../../src/server/device/device-auth.js';
import { b64url, TestDevice, type SignOverrides } from '../helpers/device-signer.js';

const NOW = 1_800_000_000_000;
const URL_PATH = '/device/v1/requests/r-1/decision?x=1';
const BODY = '{"grant":true,"automate":false}';

/** A device registry and a nonce store with expiry on an injected clock, recording every claim. */
function harness(devices: TestDevice[], now = NOW) {
  const held = new Map<string, number>();
  const claims: string[] = [];
  const options: DeviceAuthOptions = {
    clock: () => now,
    claim: (key, ttlMs) => {
      claims.push(key);
      const until = held.get(key);
      if (until !== undefined && until > now) return Promise.resolve(false);
      held.set(key, now + ttlMs);
      return Promise.resolve(true);
    },
    publicKeyOf: (id) => Promise.resolve(devices.find((d) => d.deviceId === id)?.publicKey),
  };
  return { options, claims };
}

function request(headers: object, overrides: Partial<SignedRequest> = {}): SignedRequest {
  return { method: 'POST', url: URL_PATH, headers: { ...headers }, body: Buffer.from(BODY), ...overrides };
}

async function signedRequest(device: TestDevice, overrides: SignOverrides = {}, now = NOW): Promise<SignedRequest> {
  return request(await device.sign('POST', URL_PATH, BODY, now, overrides));
}

describe('verifyDeviceRequest', () => {
  test('accepts a request signed by the registered device, as the browser signs it', async () => {
    const device = await TestDevice.create();
    const { options, claims } = harness([device]);
    assert.deepEqual(await verifyDeviceRequest(await signedRequest(device), options), { ok: true, deviceId: device.deviceId });
    assert.equal(claims.length, 1);
    assert.match(claims[0] ?? '', new RegExp(`^device-nonce:${device.deviceId}:[A-Za-z0-9_-]{22}$`));
  });

  test('the device id is base64url(SHA-256(SPKI)), 43 characters', async () => {
    const device = await TestDevice.create();
    assert.equal(deviceIdOf(device.publicKey), device.deviceId);
    assert.equal(device.deviceId.length, 43);
  });

  test('accepts a GET with an empty body and timestamps at both edges of the window', async () => {
    const device = await TestDevice.create();
    for (const skew of [-DEVICE_TIMESTAMP_WINDOW_MS, 0, DEVICE_TIMESTAMP_WINDOW_MS]) {
      const { options } = harness([device]);
      const headers = await device.sign('GET', '/device/v1/state', '', NOW + skew);
      const result = await verifyDeviceRequest(request(headers, { method: 'GET', url: '/device/v1/state', body: new Uint8Array() }), options);
      assert.equal(result.ok, true, `skew ${skew}`);
    }
  });

  test('refuses a signature made with another key, and claims no nonce', async () => {
    const [device, other] = [await TestDevice.create(), await TestDevice.create()];
    const { options, claims } = harness([device, other]);
    const forged = await signedRequest(other);
    const result = await verifyDeviceRequest(request({ ...forged.headers, 'x-toopher-device': device.deviceId }), options);
    assert.deepEqual(result, { ok: false, error: 'Bad signature.' });
    assert.deepEqual(claims, []);
  });

  const tampered: Array<[string, (device: TestDevice) => Promise<SignedRequest>]> = [
    ['method', async (d) => signedRequest(d, { signedMethod: 'PUT' })],
    ['method case', async (d) => signedRequest(d, { signedMethod: 'post' })],
    ['path', async (d) => signedRequest(d, { signedUrl: '/device/v1/requests/r-2/decision?x=1' })],
    ['query', async (d) => signedRequest(d, { signedUrl: '/device/v1/requests/r-1/decision' })],
    ['body', async (d) => signedRequest(d, { signedBody: '{"grant":false,"automate":false}' })],
    ['timestamp', async (d) => request({ ...(await d.sign('POST', URL_PATH, BODY, NOW)), 'x-toopher-timestamp': String(NOW + 1) })],
    ['nonce', async (d) => request({ ...(await d.sign('POST', URL_PATH, BODY, NOW)), 'x-toopher-nonce': b64url(new Uint8Array(16)) })],
  ];
  for (const [what, build] of tampered) {
    test(`refuses a request whose ${what} differs from what was signed`, async () => {
      const device = await TestDevice.create();
      const { options, claims } = harness([device]);
      assert.deepEqual(await verifyDeviceRequest(await build(device), options), { ok: false, error: 'Bad signature.' });
      assert.deepEqual(claims, []);
    });
  }

  test('refuses a replayed nonce, also with a fresh signature', async () => {
    const device = await TestDevice.create();
    const { options } = harness([device]);
    const first = await signedRequest(device);
    assert.equal((await verifyDeviceRequest(first, options)).ok, true);
    assert.deepEqual(await verifyDeviceRequest(first, options), { ok: false, error: 'This nonce was already used.' });
    const nonce = first.headers['x-toopher-nonce'] as string;
    const again = await signedRequest(device, { nonce, timestamp: NOW + 1000 });
    assert.equal((await verifyDeviceRequest(again, options)).ok, false);
  });

  test('holds nonces long enough to cover the whole timestamp window', () => {
    assert.ok(DEVICE_NONCE_TTL_MS >= 2 * DEVICE_TIMESTAMP_WINDOW_MS);
  });

  test('refuses stale and future timestamps beyond five minutes, before any claim', async () => {
    const device = await TestDevice.create();
    for (const skew of [-DEVICE_TIMESTAMP_WINDOW_MS - 1, DEVICE_TIMESTAMP_WINDOW_MS + 1, -NOW]) {
      const { options, claims } = harness([device]);
      const result = await verifyDeviceRequest(await signedRequest(device, { timestamp: NOW + skew }), options);
      assert.equal(result.ok, false, `skew ${skew}`);
      assert.match(result.ok ? '' : result.error, /timestamp/);
      assert.deepEqual(claims, []);
    }
  });

  test('refuses an unknown device', async () => {
    const device = await TestDevice.create();
    const { options, claims } = harness([]);
    assert.deepEqual(await verifyDeviceRequest(await signedRequest(device), options), { ok: false, error: 'Unknown device.' });
    assert.deepEqual(claims, []);
  });

  test('refuses malformed, missing, repeated and oversized headers', async () => {
    const device = await TestDevice.create();
    const { options, claims } = harness([device]);
    const good = (await signedRequest(device)).headers;
    const variants: Array<Record<string, unknown>> = [
      {},
      { ...good, 'x-toopher-device': undefined },
      { ...good, 'x-toopher-timestamp': undefined },
      { ...good, 'x-toopher-nonce': undefined },
      { ...good, 'x-toopher-signature': undefined },
      { ...good, 'x-toopher-device': `${device.deviceId}A` },
      { ...good, 'x-toopher-device': device.deviceId.replace(/^./, '+') },
      { ...good, 'x-toopher-timestamp': `${NOW}.5` },
      { ...good, 'x-toopher-timestamp': '-1' },
      { ...good, 'x-toopher-timestamp': '9'.repeat(400) },
      { ...good, 'x-toopher-nonce': 'short' },
      { ...good, 'x-toopher-nonce': `${good['x-toopher-nonce'] as string}==` },
      { ...good, 'x-toopher-signature': `${good['x-toopher-signature'] as string}AA` },
      { ...good, 'x-toopher-signature': 'A'.repeat(100_000) },
      { ...good, 'x-toopher-signature': [good['x-toopher-signature'], good['x-toopher-signature']] },
    ];
    for (const headers of variants) {
      const result = await verifyDeviceRequest(request(headers), options);
      assert.equal(result.ok, false, JSON.stringify(headers).slice(0, 200));
      assert.match(result.ok ? '' : result.error, /malformed/);
    }
    assert.deepEqual(claims, []);
  });

  test('an all-zero or out-of-range signature is refused, not thrown', async () => {
    const device = await TestDevice.create();
    const { options } = harness([device]);
    const good = (await signedRequest(device)).headers;
    for (const fill of [0x00, 0xff]) {
      const signature = b64url(new Uint8Array(64).fill(fill));
      assert.deepEqual(await verifyDeviceRequest(request({ ...good, 'x-toopher-signature': signature }), options), {
        ok: false,
        error: 'Bad signature.',
      });
    }
  });

  test('registration: verifies with the body key only when the header id is its hash', async () => {
    const [device, other] = [await TestDevice.create(), await TestDevice.create()];
    const { options } = harness([]);
    const req = await signedRequest(device);
    assert.deepEqual(await verifyDeviceRequest(req, options, device.publicKey), { ok: true, deviceId: device.deviceId });
    const result = await verifyDeviceRequest(await signedRequest(device), options, other.publicKey);
    assert.deepEqual(result, { ok: false, error: 'The device id is not the hash of the public key.' });
  });
});

describe('parseDevicePublicKey', () => {
  test('takes a P-256 SPKI exported by WebCrypto', async () => {
    const device = await TestDevice.create();
    assert.ok(parseDevicePublicKey(device.publicKey));
  });

  test('refuses other curves, RSA, garbage and non-canonical base64url', async () => {
    const p384 = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign']);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' });
    const device = await TestDevice.create();
    for (const key of [
      b64url(await webcrypto.subtle.exportKey('spki', p384.publicKey)),
      b64url(rsa),
      'AAAA',
      '',
      `${device.publicKey}=`,
      Buffer.from(device.publicKey, 'base64url').toString('base64'),
      'A'.repeat(300),
    ]) {
      assert.equal(parseDevicePublicKey(key), undefined, key.slice(0, 40));
    }
  });
});
