/**
 * The program `npm start` runs (build/example-app/main.js), driven in
 * Chromium with the sandbox's real phone page open in a second page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  at,
  browserPool,
  expectHeading,
  expectSignedIn,
  pendingRequest,
  screenshot,
  startExampleAppProcess,
  submitLogin,
  submitPairingPhrase,
  submitTerminalName,
  type E2eApp,
} from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
let app: E2eApp;

before(async () => {
  if (skip === false) app = await startExampleAppProcess({ TOOPHER_AUTH_TIMEOUT_SECONDS: '60' });
});

after(async () => {
  await browsers.close();
  await app?.close();
});

/** Opens the phone page for one user, without its automatic reload. */
async function openPhone(phone: Page, userName: string): Promise<void> {
  await phone.goto(`${app.sandboxUrl}/phone?user_name=${encodeURIComponent(userName)}&refresh=off`);
}

test('npm start signs in a new user after pairing and approval on the phone page', { skip }, async (t) => {
  const page = await browsers.newPage(t);
  const phone = await page.context().newPage();

  await page.goto(`${app.url}/`);
  await page.waitForURL(at(app, '/login'));
  await screenshot(page, 'login');
  await submitLogin(page, app, 'alice');

  await page.waitForURL(at(app, '/toopher/pair/'));
  await expectHeading(page, 'Pair your phone');
  await screenshot(page, 'pair');
  const pairing = await submitPairingPhrase(page, app, 'alice');
  await expectHeading(page, 'Confirm the pairing');
  await screenshot(page, 'pending-pairing');

  await openPhone(phone, 'alice');
  await phone.locator(`#pairing-${pairing.id}`).getByRole('button', { name: 'Grant', exact: true }).click();
  await phone.locator(`#pairing-${pairing.id}`).getByText('active', { exact: true }).waitFor();
  await screenshot(phone, 'phone');

  await page.waitForURL(at(app, '/toopher/terminal/'));
  await expectHeading(page, 'Name this browser');
  await screenshot(page, 'name-terminal');
  await submitTerminalName(page, app, 'Chromium on the test machine');

  await page.waitForURL(at(app, '/toopher/pending/'));
  await expectHeading(page, 'Approve this sign-in');
  await page.getByText('Chromium on the test machine').waitFor();
  await screenshot(page, 'pending-login');

  const request = await pendingRequest(app, 'alice');
  await openPhone(phone, 'alice');
  await phone.locator(`#request-${request.id}`).getByRole('button', { name: 'Grant', exact: true }).click();

  await expectSignedIn(page, app, 'alice');
  await screenshot(page, 'signed-in');
  const pairings = await app.phone.listPairings('alice');
  assert.deepEqual(
    pairings.map((p) => ({ enabled: p.enabled, pending: p.pending })),
    [{ enabled: true, pending: false }],
  );
});

test('a pairing denied on the phone page shows a clear message and lets the user pair again', { skip }, async (t) => {
  const page = await browsers.newPage(t);
  const phone = await page.context().newPage();
  await submitLogin(page, app, 'bob');
  const denied = await submitPairingPhrase(page, app, 'bob');

  await openPhone(phone, 'bob');
  await phone.locator(`#pairing-${denied.id}`).getByRole('button', { name: 'Deny', exact: true }).click();

  await expectHeading(page, 'Request denied');
  await page.getByText('The pairing was denied on your phone.').waitFor();
  await screenshot(page, 'pairing-denied');
  await page.getByRole('link', { name: 'Try again' }).click();

  const second = await submitPairingPhrase(page, app, 'bob');
  assert.notEqual(second.id, denied.id);
  await app.phone.respondToPairing(second.id, true);
  await page.waitForURL(at(app, '/toopher/terminal/'));
  await expectHeading(page, 'Name this browser');
});
