/** Approvals and pairings nobody answers, with short time-outs, in Chromium. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  at,
  browserPool,
  enrolQuickly,
  expectHeading,
  logOut,
  pendingRequest,
  screenshot,
  startAppFor,
  submitLogin,
  submitPairingPhrase,
  WAIT_MS,
} from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

test('a sign-in the phone does not answer in time expires with a message and a way to try again', { skip }, async (t) => {
  const app = await startAppFor(t, { env: { TOOPHER_AUTH_TIMEOUT_SECONDS: '2' } });
  const page = await browsers.newPage(t);
  await enrolQuickly(page, app, 'alice');
  await logOut(page, app);

  await submitLogin(page, app, 'alice');
  await page.waitForURL(at(app, '/toopher/pending/'));
  await pendingRequest(app, 'alice');

  await expectHeading(page, 'Request expired');
  await page.getByText('There was no answer from your phone in time.').waitFor();
  await screenshot(page, 'login-expired');
  await page.getByRole('link', { name: 'Try again' }).click();
  await page.waitForURL(at(app, '/login'));
  await page.goto(`${app.url}/`);
  await page.waitForURL(at(app, '/login'));
});

test('a pairing the phone never confirms times out with a message and a way to pair again', { skip }, async (t) => {
  // The example app has no setting for its own pairing time-out (120 s), so
  // the sandbox's phone gives up on the pairing first, as Toopher's would.
  const app = await startAppFor(t, { sandbox: { pairingTimeoutMs: 2000 } });
  const page = await browsers.newPage(t);
  await submitLogin(page, app, 'alice');
  const first = await submitPairingPhrase(page, app, 'alice');

  // Toopher reports a pairing it gave up on as not enabled, with a time-out reason: shown as expired.
  await page.getByRole('heading', { name: 'Request expired' }).waitFor({ timeout: WAIT_MS });
  await page.getByText('so it expired', { exact: false }).waitFor();
  await page.locator('.toopher-message').waitFor();
  await screenshot(page, 'pairing-timed-out');
  await page.getByRole('link', { name: 'Try again' }).click();

  await expectHeading(page, 'Pair your phone');
  const second = await submitPairingPhrase(page, app, 'alice');
  assert.notEqual(second.id, first.id);
  await expectHeading(page, 'Confirm the pairing');
});
