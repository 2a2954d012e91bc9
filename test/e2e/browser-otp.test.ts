/** The one-time-password fallback of the pending page, in Chromium. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  at,
  browserPool,
  enrolQuickly,
  expectHeading,
  expectSignedIn,
  logOut,
  pendingRequest,
  startAppFor,
  submitLogin,
} from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

test('the one-time password from the phone, typed on the pending page, signs the user in', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);
  await enrolQuickly(page, app, 'alice');
  await logOut(page, app);
  const [pairing] = await app.phone.listPairings('alice');
  assert.ok(pairing);

  await submitLogin(page, app, 'alice');
  await page.waitForURL(at(app, '/toopher/pending/'));
  await pendingRequest(app, 'alice');
  await page.getByLabel('One-time password').fill(await app.phone.getOtp(pairing.id));
  await page.getByRole('button', { name: 'Verify' }).click();

  await expectSignedIn(page, app, 'alice');
});

test('wrong one-time passwords are limited to five, after which the sign-in ends unsigned', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);
  await enrolQuickly(page, app, 'alice');
  await logOut(page, app);
  const [pairing] = await app.phone.listPairings('alice');
  assert.ok(pairing);

  await submitLogin(page, app, 'alice');
  await page.waitForURL(at(app, '/toopher/pending/'));
  await pendingRequest(app, 'alice');
  const wrong = (await app.phone.getOtp(pairing.id)) === '123456' ? '654321' : '123456';
  for (let attempt = 1; attempt <= 4; attempt++) {
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/otp'));
    const loaded = page.waitForEvent('load');
    await page.getByLabel('One-time password').fill(wrong);
    await page.getByRole('button', { name: 'Verify' }).click();
    assert.equal((await answered).status(), 401);
    await loaded;
    await page.getByRole('alert').filter({ hasText: 'That one-time password is not correct.' }).waitFor();
  }
  await page.getByLabel('One-time password').fill(wrong);
  await page.getByRole('button', { name: 'Verify' }).click();

  await expectHeading(page, 'Request denied');
  await page.getByText('Too many wrong one-time passwords. Start again.').waitFor();
  await page.getByRole('link', { name: 'Try again' }).waitFor();
  await page.goto(`${app.url}/`);
  await page.waitForURL(at(app, '/login'));
});
