/** Approvals and pairings nobody answers, with short time-outs, in Chromium. */
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
  await page.getByText(/Time left: 0:0\d/).waitFor();

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
  const app = await startAppFor(t, { sandbox: { pairingTimeoutMs: 2500 } });
  const page = await browsers.newPage(t);
  await submitLogin(page, app, 'alice');
  const first = await submitPairingPhrase(page, app, 'alice');

  await page.locator('.toopher-result').waitFor({ timeout: WAIT_MS });
  await page.locator('.toopher-message').waitFor();
  await screenshot(page, 'pairing-timed-out');
  await page.getByRole('link', { name: 'Try again' }).click();

  const second = await submitPairingPhrase(page, app, 'alice');
  if (second.id === first.id) throw new Error('expected a new pairing');
  await app.phone.respondToPairing(second.id, true);
  await page.waitForURL(at(app, '/toopher/terminal/'));
});
