/**
 * The phone app (src/server/app) in Chromium against the device router and the app routes.
 * It lives in test/integration, not test/e2e, because it imports the server from src (the
 * `passport-toopher/server` export does not exist yet). STOP-GAP: the router runs over the in-test
 * MemoryDeviceService until the lead's StateAccess-backed DeviceService lands.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test, type TestContext } from 'node:test';
import express from 'express';
import { generateSync } from 'otplib';
import type { Page } from 'playwright-core';
import { serveApp } from '../../src/server/device/app-routes.js';
import { deviceIdOf } from '../../src/server/device/device-auth.js';
import { createDeviceRouter } from '../../src/server/device/device-routes.js';
import { parsePushSubscription } from '../../src/server/push/subscription.js';
import { browserPool, screenshot } from '../helpers/e2e-app.js';
import { close, listen } from '../helpers/listen.js';
import { MemoryDeviceService } from '../helpers/memory-device-service.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
const service = new MemoryDeviceService();
const claimed = new Map<string, number>();
const server = createServer(
  express()
    .use(
      '/device/v1',
      createDeviceRouter({
        parsePushSubscription: (value) => parsePushSubscription(value, { allowInsecureLoopbackEndpoints: true }),
        service,
        vapidPublicKey: () => null,
        pollIntervalMs: 1000,
        claim: (key, ttl) => {
          if ((claimed.get(key) ?? 0) > Date.now()) return Promise.resolve(false);
          claimed.set(key, Date.now() + ttl);
          return Promise.resolve(true);
        },
      }),
    )
    .use('/app', serveApp()),
);
let base = '';

before(async () => {
  if (skip === false) base = await listen(server);
});
after(async () => {
  await browsers.close();
  if (base !== '') await close(server);
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(condition(), 'condition not met within 30 s');
}

async function waitUntilAsync(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('condition not met within 30 s');
}

interface StoredKey {
  readonly deviceId: string;
  readonly publicKey: string;
  readonly registered: boolean;
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: { name: string; namedCurve: string };
  readonly usages: string[];
  readonly exportRefused: string;
}

// String expressions: the tests compile without the DOM library.
const READ_KEY = `new Promise((resolve, reject) => {
  const open = indexedDB.open('toopher-device');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const get = open.result.transaction('device').objectStore('device').get('current');
    get.onerror = () => reject(get.error);
    get.onsuccess = async () => {
      const d = get.result;
      const exportRefused = await crypto.subtle.exportKey('pkcs8', d.privateKey).then(() => 'exported', (e) => e.name);
      resolve({ deviceId: d.deviceId, publicKey: d.publicKey, registered: d.registered, type: d.privateKey.type,
        extractable: d.privateKey.extractable, algorithm: d.privateKey.algorithm, usages: d.privateKey.usages, exportRefused });
    };
  };
})`;

/** Opens the app on a phone-sized screen; resolves once it registered and shows a phrase. */
async function openApp(t: TestContext, hash = '', clockSkewMs = 0): Promise<{ page: Page; deviceId: string; problems: string[] }> {
  const page = await browsers.newPage(t, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  if (clockSkewMs !== 0) await page.addInitScript(`{ const realNow = Date.now; Date.now = () => realNow() + ${clockSkewMs}; }`);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(`${base}/app/${hash}`);
  await page.locator('#phrase').filter({ hasText: /\S/ }).waitFor();
  const key = await page.evaluate<StoredKey>(READ_KEY);
  return { page, deviceId: key.deviceId, problems };
}

test('first open: a non-extractable P-256 key in IndexedDB, registered by its hash, and a pairing phrase', { skip }, async (t) => {
  const { page, deviceId, problems } = await openApp(t);
  const key = await page.evaluate<StoredKey>(READ_KEY);
  assert.equal(key.type, 'private');
  assert.equal(key.extractable, false);
  assert.equal(key.exportRefused, 'InvalidAccessError');
  assert.deepEqual(key.algorithm, { name: 'ECDSA', namedCurve: 'P-256' });
  assert.deepEqual(key.usages, ['sign']);
  assert.equal(key.registered, true);
  assert.equal(deviceIdOf(key.publicKey), deviceId);
  assert.equal(service.devices.get(deviceId)?.publicKey, key.publicKey);

  const phrase = service.phrases.find((p) => p.deviceId === deviceId);
  assert.equal(await page.locator('#phrase').textContent(), phrase?.phrase);
  const widths = await page.evaluate<{ page: number; viewport: number }>('({ page: document.documentElement.scrollWidth, viewport: window.innerWidth })');
  assert.ok(widths.page <= widths.viewport, `page is ${widths.page} px wide in a ${widths.viewport} px viewport`);

  const scope = await page.evaluate<string>('navigator.serviceWorker.ready.then((r) => r.scope)');
  assert.equal(scope, `${base}/app/`);

  // Offline, the service worker's shell still starts the app, which says it cannot reach the server.
  await page.reload(); // now controlled by the worker, which caches what it serves
  await page.locator('#phrase').filter({ hasText: /\S/ }).waitFor();
  await page.context().setOffline(true);
  await page.reload();
  await page.getByRole('heading', { name: 'Toopher', level: 1 }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Cannot reach the server' }).waitFor();
  assert.equal(await page.locator('#phrase').textContent(), '');
  // Back online, it recovers by itself.
  await page.context().setOffline(false);
  await page.locator('#phrase').filter({ hasText: /\S/ }).waitFor();
  await page.getByRole('status').filter({ hasText: /^$/ }).waitFor({ state: 'attached' });
  problems.splice(0, problems.length, ...problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')));

  // A reload keeps the key and the phrase.
  await page.reload();
  await page.locator('#phrase').filter({ hasText: /\S/ }).waitFor();
  assert.equal((await page.evaluate<StoredKey>(READ_KEY)).deviceId, deviceId);
  assert.equal(await page.locator('#phrase').textContent(), phrase?.phrase);
  await page.getByRole('button', { name: 'New pairing phrase' }).click();
  await page.locator('#phrase').filter({ hasNotText: phrase?.phrase ?? '' }).waitFor();
  assert.deepEqual(problems, []);
});

test('accept a pairing, then grant a request with a signed request the server verifies', { skip }, async (t) => {
  const { page, deviceId, problems } = await openApp(t);
  const pairing = service.addPhrasePairing(deviceId, 'Example Bank', 'alice@example.com');
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('status').filter({ hasText: 'Paired with Example Bank.' }).waitFor();
  assert.equal(service.pairings.get(pairing.id)?.view.status, 'enabled');

  const locked = service.addRequest(pairing.id, 'Chrome on Linux', 'Transfer money', false);
  const card = page.locator(`li[data-request-id="${locked.id}"]`);
  await card.waitFor();
  assert.equal(await card.getByRole('button', { name: 'Always for this terminal and action' }).count(), 0);
  assert.match((await card.textContent()) ?? '', /Transfer money at Example Bank.*alice@example\.com.*Chrome on Linux/);
  await screenshot(page, 'device-app-request-390px');
  const decided = page.waitForResponse((r) => r.url().endsWith(`/device/v1/requests/${locked.id}/decision`));
  await card.getByRole('button', { name: 'Grant' }).click();
  assert.equal((await decided).status(), 200);
  assert.equal(service.requests.get(locked.id)?.view.status, 'granted');
  await card.waitFor({ state: 'detached' });

  const open = service.addRequest(pairing.id, 'Chrome on Linux', 'Log In');
  await page.getByRole('button', { name: 'Always for this terminal and action' }).click();
  await page.locator(`li[data-request-id="${open.id}"]`).waitFor({ state: 'detached' });
  assert.deepEqual([service.requests.get(open.id)?.view.status, service.requests.get(open.id)?.automated], ['granted', true]);

  const denied = service.addRequest(pairing.id, 'Firefox on Windows', 'Log In');
  await page.locator(`li[data-request-id="${denied.id}"]`).getByRole('button', { name: 'Deny' }).click();
  await page.locator(`li[data-request-id="${denied.id}"]`).waitFor({ state: 'detached' });
  assert.equal(service.requests.get(denied.id)?.view.status, 'denied');
  assert.deepEqual(problems, []);
});

test('the OTP shown equals the server-side TOTP of the same secret, and Remove removes the pairing', { skip }, async (t) => {
  const { page, deviceId, problems } = await openApp(t);
  const pairing = service.addPhrasePairing(deviceId, 'Example Bank', 'bob');
  await service.deviceRespondToPairing(deviceId, pairing.id, true);
  const secret = service.otpSecretOf(pairing.id);
  const otp = page.locator(`[data-otp-for="${pairing.id}"]`);
  await otp.filter({ hasText: /^\d{6}$/ }).waitFor();

  // The page refreshes the code once a second, so it may show the code of up to ~2 s ago.
  const before = Date.now() - 2000;
  const shown = await otp.textContent();
  const after = Date.now();
  const expected = new Set([before, after].map((ms) => generateSync({ secret, epoch: Math.floor(ms / 1000) })));
  assert.ok(expected.has(shown ?? ''), `shown ${shown}, server ${[...expected].join(' or ')}`);

  // Deterministic: the page's own TOTP function at fixed times, against otplib and RFC 6238's vector.
  const times = [59_000, 1_111_111_109_000, 2_000_000_000_000];
  const computed = await page.evaluate<string[]>(`(async () => {
    const { otpKey, totp } = await import('/app/otp.js');
    const out = [];
    for (const [secret, time] of ${JSON.stringify(times.map((time) => [secret, time]))}) out.push(await totp(await otpKey(secret), time));
    out.push(await totp(await otpKey('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), 59000, 8));
    return out;
  })()`);
  assert.deepEqual(computed, [...times.map((ms) => generateSync({ secret, epoch: ms / 1000 })), '94287082']);

  const remove = page.locator(`li[data-pairing-id="${pairing.id}"]`).getByRole('button', { name: 'Remove' });
  await remove.click();
  assert.equal(service.pairings.has(pairing.id), true, 'the first tap only asks to confirm');
  await page.getByRole('button', { name: 'Tap again to remove' }).click();
  await page.getByRole('status').filter({ hasText: 'Pairing removed.' }).waitFor();
  assert.equal(service.pairings.has(pairing.id), false);
  assert.deepEqual(problems, []);
});

test('a phone whose clock is an hour off still signs in-window requests and shows the server-time OTP', { skip }, async (t) => {
  const { page, deviceId, problems } = await openApp(t, '', 3_600_000);
  const pairing = service.addPhrasePairing(deviceId, 'Example Bank', 'dave');
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('status').filter({ hasText: 'Paired with Example Bank.' }).waitFor();
  const otp = page.locator(`[data-otp-for="${pairing.id}"]`);
  await otp.filter({ hasText: /^\d{6}$/ }).waitFor();
  // Let a poll refine the offset from the state's `now` (the Date header has 1 s precision).
  await page.waitForTimeout(1000);
  const before = Date.now() - 3000;
  const shown = await otp.textContent();
  const after = Date.now();
  const expected = new Set([before, after].map((ms) => generateSync({ secret: service.otpSecretOf(pairing.id), epoch: Math.floor(ms / 1000) })));
  assert.ok(expected.has(shown ?? ''), `shown ${shown}, server ${[...expected].join(' or ')}`);
  assert.deepEqual(problems, []);
});

test('a device the server forgot registers again with the same key', { skip }, async (t) => {
  const { deviceId, problems } = await openApp(t);
  const publicKey = service.devices.get(deviceId)?.publicKey;
  service.devices.delete(deviceId);
  // The next poll (every second) finds it unknown and registers again.
  await waitUntil(() => service.devices.has(deviceId));
  assert.equal(service.devices.get(deviceId)?.publicKey, publicKey);
  assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
});

test('a #qr= link claims the QR pairing for this device and is cleared from the address', { skip }, async (t) => {
  const qr = service.addQrPairing('Example Shop', 'carol');
  const { page, deviceId, problems } = await openApp(t, `#qr=${qr.pairingId}.${qr.secret}`);
  await page.getByRole('status').filter({ hasText: 'Paired with Example Shop as carol.' }).waitFor();
  assert.equal(service.pairings.get(qr.pairingId)?.deviceId, deviceId);
  assert.equal(await page.evaluate<string>('location.hash'), '');
  await page.locator(`[data-otp-for="${qr.pairingId}"]`).filter({ hasText: /^\d{6}$/ }).waitFor();

  await page.goto(`${base}/app/#qr=${qr.pairingId}.${qr.secret}`);
  await page.getByRole('status').filter({ hasText: 'This pairing link was already used or has expired.' }).waitFor();
  assert.deepEqual(problems.filter((p) => !p.includes('404')), []);
});

test('a push shows a notification with the action and requester, and tells the open app', { skip }, async (t) => {
  const { page, problems } = await openApp(t);
  await page.context().grantPermissions(['notifications'], { origin: base });
  await page.evaluate('navigator.serviceWorker.ready.then(() => { window.pushed = []; navigator.serviceWorker.addEventListener("message", (e) => window.pushed.push(e.data)); })');
  const cdp = await page.context().newCDPSession(page);
  const registered = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const found = registrations.find((r) => r.scopeURL === `${base}/app/` && !r.isDeleted);
      if (found !== undefined) resolve(found.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const payload = { type: 'request', requestId: 'r-42', requester: 'Example Bank', actionName: 'Log In', terminalName: 'Chrome on Linux' };
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: base, registrationId: await registered, data: JSON.stringify(payload) });

  // Polled here, not with waitForFunction: that does not await a promise, which is truthy at once.
  const notifications = (): Promise<unknown[]> =>
    page.evaluate<unknown[]>('navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((list) => list.map((n) => ({ title: n.title, body: n.body, tag: n.tag })))');
  let shown: unknown[] = [];
  await waitUntilAsync(async () => (shown = await notifications()).length > 0);
  assert.deepEqual(shown, [{ title: 'Log In: Example Bank', body: 'From Chrome on Linux. Tap to grant or deny.', tag: 'r-42' }]);
  await page.waitForFunction('window.pushed.length > 0');
  assert.deepEqual(await page.evaluate('window.pushed'), [{ type: 'request', requestId: 'r-42' }]);
  assert.deepEqual(problems, []);
});
