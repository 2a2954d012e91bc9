/** Every page works in Chromium with JavaScript disabled ("Check again" and "Continue" buttons). */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  at,
  browserPool,
  enrolQuickly,
  expectHeading,
  expectSignedIn,
  pendingRequest,
  screenshot,
  signInAgainUntilPending,
  startAppFor,
  submitLogin,
  submitPairingPhrase,
  submitTerminalName,
  waitFor,
} from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

const noScript = { javaScriptEnabled: false } as const;

/**
 * After the phone answered: presses "Check again" until the pending page
 * gives way to another (the app asks Toopher at most once a second, so an
 * early press may still read "pending").
 */
async function checkAgainUntilDecided(page: Page): Promise<void> {
  const pending = page.locator('#toopher-pending');
  await waitFor('the pending page to give way', async () => {
    if ((await pending.count()) === 0) return true;
    const loaded = page.waitForEvent('load');
    // "Check again" while pending, "Continue" once the phone answered.
    await page.getByRole('button', { name: /^(Check again|Continue)$/ }).click();
    await loaded;
    return undefined;
  });
}

test('without JavaScript a first sign-in pairs, names the browser and signs in with "Check again"', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t, noScript);

  await submitLogin(page, app, 'alice');
  const pairing = await submitPairingPhrase(page, app, 'alice');
  await expectHeading(page, 'Confirm the pairing');
  await app.phone.respondToPairing(pairing.id, true);
  await checkAgainUntilDecided(page);

  await submitTerminalName(page, app, 'Chromium without JavaScript');
  await page.waitForURL(at(app, '/toopher/pending/'));
  await expectHeading(page, 'Approve this sign-in');
  await screenshot(page, 'pending-login-no-js');
  const request = await pendingRequest(app, 'alice');
  await app.phone.respondToAuthenticationRequest(request.id, true);
  await checkAgainUntilDecided(page);

  await expectSignedIn(page, app, 'alice');
});

test('without JavaScript an approved transfer runs once through the "Continue" button', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t, noScript);
  await enrolQuickly(page, app, 'alice');

  await page.goto(`${app.url}/transfer`);
  await page.getByLabel('Amount').fill('3.25');
  await page.getByLabel('Recipient').fill('Bob');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(at(app, '/toopher/pending/'));
  const request = await pendingRequest(app, 'alice', 'Transfer money');
  await app.phone.respondToAuthenticationRequest(request.id, true);
  await checkAgainUntilDecided(page);

  await expectHeading(page, 'Approved');
  await screenshot(page, 'replay-no-js');
  assert.deepEqual(await app.transfers(), [], 'the held request waits for "Continue"');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expectHeading(page, 'Transfer complete');
  assert.deepEqual(
    (await app.transfers()).map(({ amount, recipient }) => ({ amount, recipient })),
    [{ amount: '3.25', recipient: 'Bob' }],
  );
});

test('without JavaScript a denied sign-in shows its message after "Check again"', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t, noScript);
  await signInAgainUntilPending(page, app, 'alice');
  const request = await pendingRequest(app, 'alice');
  await app.phone.respondToAuthenticationRequest(request.id, false);
  await checkAgainUntilDecided(page);

  await expectHeading(page, 'Request denied');
  await page.goto(`${app.url}/`);
  await page.waitForURL(at(app, '/login'));
});
