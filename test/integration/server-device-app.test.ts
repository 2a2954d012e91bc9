/**
 * The phone app (src/server/app) in Chromium against the device router and the app routes, over the
 * server's real state (`stateDeviceService` on a SQLite `openState`). Pairings and requests are made
 * the way the v1 API makes them, and outcomes are read from the state.
 * It lives in test/integration, not test/e2e, because it imports the server from src.
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
import { DeviceState, type Paired } from '../helpers/device-state.js';
import { browserPool, screenshot } from '../helpers/e2e-app.js';
import { close, listen } from '../helpers/listen.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
const state = new DeviceState();
const server = createServer(
  express()
    .use(
      '/device/v1',
      createDeviceRouter({
        parsePushSubscription: (value) => parsePushSubscription(value, { allowInsecureLoopbackEndpoints: true }),
        service: state.service,
        vapidPublicKey: () => null,
        pollIntervalMs: 1000,
        claim: state.claim,
      }),
    )
    .use('/app', serveApp()),
);
let base = '';

before(async () => {
  if (skip !== false) return;
  await state.newDatabase();
  base = await listen(server);
});
after(async () => {
  await browsers.close();
  if (base !== '') await close(server);
  await state.close();
});

/** A new requester's `pairings/create` with the phrase the app shows: a pending pairing for this device. */
async function pairWithShownPhrase(page: Page, requester: string, userName: string): Promise<Paired> {
  return state.pairByPhrase((await page.locator('#phrase').filter({ hasText: /\S/ }).textContent()) ?? '', requester, userName);
}

function otpSecretOf(deviceId: string, paired: Paired): Promise<string> {
  return state.run((store) => store.devices.otpSecret(deviceId, paired.pairingId));
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(await condition(), 'condition not met within 30 s');
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
  assert.equal(await state.run((store) => store.devices.publicKey(deviceId)), key.publicKey);

  const phrase = { phrase: (await page.locator('#phrase').textContent()) ?? '' };
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
  await page.locator('#phrase').filter({ hasNotText: phrase.phrase }).waitFor();
  // A new phrase replaces the device's old one: a website can pair with the shown one only, for this device.
  await assert.rejects(
    state.run((store) => store.createPairingWithPhrase(store.createRequester('Late Shop').key, phrase.phrase, { name: 'erin' })),
    /No pending pairing requests with specified pairing_phrase/,
  );
  const paired = await pairWithShownPhrase(page, 'Example Bank', 'erin');
  const listed = await state.run((store) => store.devices.state(deviceId).pairings.map((p) => [p.id, p.status]));
  assert.deepEqual(listed, [[paired.pairingId, 'pending']]);
  await page.getByRole('button', { name: 'Accept' }).waitFor();
  assert.deepEqual(problems, []);
});

test('accept a pairing, then grant a request with a signed request the server verifies', { skip }, async (t) => {
  const { page, problems } = await openApp(t);
  const pairing = await pairWithShownPhrase(page, 'Example Bank', 'alice@example.com');
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('status').filter({ hasText: 'Paired with Example Bank.' }).waitFor();
  assert.equal((await state.pairingOf(pairing)).enabled, true);

  const locked = await state.initiate(pairing, 'Chrome on Linux', 'Transfer money', false);
  const card = page.locator(`li[data-request-id="${locked.id}"]`);
  await card.waitFor();
  assert.equal(await card.getByRole('button', { name: 'Always for this terminal and action' }).count(), 0);
  assert.match((await card.textContent()) ?? '', /Transfer money at Example Bank.*alice@example\.com.*Chrome on Linux/);
  await screenshot(page, 'device-app-request-390px');
  const decided = page.waitForResponse((r) => r.url().endsWith(`/device/v1/requests/${locked.id}/decision`));
  await card.getByRole('button', { name: 'Grant' }).click();
  assert.equal((await decided).status(), 200);
  assert.deepEqual(await state.requestOf(pairing, locked.id).then((r) => [r.pending, r.granted]), [false, true]);
  await card.waitFor({ state: 'detached' });

  const open = await state.initiate(pairing, 'Chrome on Linux', 'Log In');
  await page.getByRole('button', { name: 'Always for this terminal and action' }).click();
  await page.locator(`li[data-request-id="${open.id}"]`).waitFor({ state: 'detached' });
  // This answer was the user's own; "always" decides the next request for this terminal and action.
  assert.deepEqual(await state.requestOf(pairing, open.id).then((r) => [r.pending, r.granted, r.automated]), [false, true, false]);
  const next = await state.initiate(pairing, 'Chrome on Linux', 'Log In');
  assert.deepEqual([next.pending, next.granted, next.automated], [false, true, true]);

  const denied = await state.initiate(pairing, 'Firefox on Windows', 'Log In');
  await page.locator(`li[data-request-id="${denied.id}"]`).getByRole('button', { name: 'Deny' }).click();
  await page.locator(`li[data-request-id="${denied.id}"]`).waitFor({ state: 'detached' });
  assert.deepEqual(await state.requestOf(pairing, denied.id).then((r) => [r.pending, r.granted]), [false, false]);
  assert.deepEqual(problems, []);
});

test('the OTP shown equals the server-side TOTP of the same secret, and Remove removes the pairing', { skip }, async (t) => {
  const { page, deviceId, problems } = await openApp(t);
  const pairing = await pairWithShownPhrase(page, 'Example Bank', 'bob');
  await state.run((store) => store.devices.respondToPairing(deviceId, pairing.pairingId, true));
  const secret = await otpSecretOf(deviceId, pairing);
  const otp = page.locator(`[data-otp-for="${pairing.pairingId}"]`);
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

  const remove = page.locator(`li[data-pairing-id="${pairing.pairingId}"]`).getByRole('button', { name: 'Remove' });
  await remove.click();
  assert.equal((await state.pairingOf(pairing)).deactivated, false, 'the first tap only asks to confirm');
  await page.getByRole('button', { name: 'Tap again to remove' }).click();
  await page.getByRole('status').filter({ hasText: 'Pairing removed.' }).waitFor();
  // Removed on the phone: the website sees the pairing deactivated (it is kept, not deleted).
  assert.deepEqual(await state.pairingOf(pairing).then((p) => [p.deactivated, p.reason]), [true, 'Removed on the phone']);
  assert.deepEqual(problems, []);
});

test('a phone whose clock is an hour off still signs in-window requests and shows the server-time OTP', { skip }, async (t) => {
  const { page, deviceId, problems } = await openApp(t, '', 3_600_000);
  const pairing = await pairWithShownPhrase(page, 'Example Bank', 'dave');
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('status').filter({ hasText: 'Paired with Example Bank.' }).waitFor();
  const secret = await otpSecretOf(deviceId, pairing);
  const otp = page.locator(`[data-otp-for="${pairing.pairingId}"]`);
  await otp.filter({ hasText: /^\d{6}$/ }).waitFor();
  // Let a poll refine the offset from the state's `now` (the Date header has 1 s precision).
  await page.waitForTimeout(1000);
  const before = Date.now() - 3000;
  const shown = await otp.textContent();
  const after = Date.now();
  const expected = new Set([before, after].map((ms) => generateSync({ secret, epoch: Math.floor(ms / 1000) })));
  assert.ok(expected.has(shown ?? ''), `shown ${shown}, server ${[...expected].join(' or ')}`);
  assert.deepEqual(problems, []);
});

test('a device the server forgot (its database replaced by an empty one) registers again with the same key', { skip }, async (t) => {
  const { deviceId, problems } = await openApp(t);
  const publicKey = await state.run((store) => store.devices.publicKey(deviceId));
  assert.notEqual(publicKey, undefined);
  await state.newDatabase();
  assert.equal(await state.run((store) => store.devices.publicKey(deviceId)), undefined);
  // The next poll (every second) finds it unknown and registers again.
  await waitUntil(async () => (await state.run((store) => store.devices.publicKey(deviceId))) !== undefined);
  assert.equal(await state.run((store) => store.devices.publicKey(deviceId)), publicKey);
  assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
});

test('a #qr= link claims the QR pairing for this device and is cleared from the address', { skip }, async (t) => {
  // `pairings/create/qr`, and the code's content as the website shows it.
  const qr = await state.pairByQr('Example Shop', 'carol');
  const { page, deviceId, problems } = await openApp(t, `#qr=${qr.pairingId}.${qr.secret}`);
  await page.getByRole('status').filter({ hasText: 'Paired with Example Shop as carol.' }).waitFor();
  assert.equal((await state.pairingOf(qr)).enabled, true);
  assert.deepEqual(await state.run((store) => store.devices.state(deviceId).pairings.map((p) => p.id)), [qr.pairingId]);
  assert.equal(await page.evaluate<string>('location.hash'), '');
  await page.locator(`[data-otp-for="${qr.pairingId}"]`).filter({ hasText: /^\d{6}$/ }).waitFor();

  await page.goto(`${base}/app/#qr=${qr.pairingId}.${qr.secret}`);
  // The server answers 409 for a claimed code.
  await page.getByRole('status').filter({ hasText: 'This pairing link was already used or has expired.' }).waitFor();
  assert.deepEqual(problems.filter((p) => !p.includes('409')), []);
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
