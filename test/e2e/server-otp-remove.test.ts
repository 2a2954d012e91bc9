/** toopher-server's phone app in Chromium: the one-time password fallback, and removing the pairing. */
import { after, test } from 'node:test';
import { at, browserPool, expectHeading, expectSignedIn, logOut, submitLogin } from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';
import { pairAndSignIn, withScene } from '../helpers/server-e2e.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

test('the one-time password shown in the phone app, typed on the pending page, signs the user in', { skip }, async (t) => {
  await withScene(t, browsers, 'server-otp', async ({ app, site, phone }) => {
    await pairAndSignIn(site, phone, app, 'alice');
    await expectSignedIn(site, app, 'alice');
    await logOut(site, app);

    await submitLogin(site, app, 'alice');
    await site.waitForURL(at(app, '/toopher/pending/'));
    const otp = phone.locator('#pairings li').filter({ hasText: 'Example' }).locator('[data-otp-for]');
    await otp.filter({ hasText: /^\d{6}$/ }).waitFor();
    await site.getByLabel('One-time password').fill((await otp.textContent()) ?? '');
    await site.getByRole('button', { name: 'Verify' }).click();

    await expectSignedIn(site, app, 'alice');
  });
});

test('a pairing removed in the phone app (two taps) makes the next sign-in ask to pair again', { skip }, async (t) => {
  await withScene(t, browsers, 'server-remove', async ({ app, site, phone }) => {
    await pairAndSignIn(site, phone, app, 'alice');
    await expectSignedIn(site, app, 'alice');
    await logOut(site, app);

    const card = phone.locator('#pairings li').filter({ hasText: 'Example' });
    await card.getByRole('button', { name: 'Remove' }).click();
    await card.getByRole('button', { name: 'Tap again to remove' }).click();
    await phone.getByRole('status').filter({ hasText: 'Pairing removed.' }).waitFor();
    await phone.getByText('No pairings yet.').waitFor();

    await submitLogin(site, app, 'alice');
    await site.waitForURL(at(app, '/toopher/pair/'));
    await expectHeading(site, 'Pair your phone');
    await site.getByText('Your previous pairing was removed. Pair your phone again to continue.').waitFor();
  });
});
