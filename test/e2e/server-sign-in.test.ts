/**
 * The example app against toopher-server in Chromium, with the server's phone app in a second
 * browser context: pairing by phrase, a granted and a denied sign-in.
 */
import { after, test } from 'node:test';
import { at, browserPool, expectHeading, expectSignedIn, logOut, screenshot, submitLogin, submitTerminalName } from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';
import { acceptPairing, answerRequest, pairAndSignIn, phraseOf, requestCard, withScene } from '../helpers/server-e2e.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

test('pair by the phone app\'s phrase, then the sign-in granted on the phone signs the user in', { skip }, async (t) => {
  await withScene(t, browsers, 'server-pair-by-phrase', async ({ app, site, phone }) => {
    await submitLogin(site, app, 'alice');
    await site.waitForURL(at(app, '/toopher/pair/'));
    await site.getByLabel('Pairing phrase').fill(await phraseOf(phone));
    await site.getByRole('button', { name: 'Pair', exact: true }).click();
    await site.waitForURL(at(app, '/toopher/pending/'));
    await acceptPairing(phone, 'alice');
    await phone.locator('#pairings li').filter({ hasText: 'Example' }).filter({ hasText: 'alice' }).waitFor();

    await submitTerminalName(site, app, 'E2E Chromium');
    await site.waitForURL(at(app, '/toopher/pending/'));
    await expectHeading(site, 'Approve this sign-in');
    await requestCard(phone, 'Log In').filter({ hasText: 'E2E Chromium' }).filter({ hasText: 'alice' }).waitFor();
    await screenshot(phone, 'server-phone-app-sign-in-request');
    await answerRequest(phone, 'Log In', 'Grant');

    await expectSignedIn(site, app, 'alice');
  });
});

test('a sign-in denied in the phone app shows the denied page and leaves the user signed out', { skip }, async (t) => {
  await withScene(t, browsers, 'server-deny', async ({ app, site, phone }) => {
    await pairAndSignIn(site, phone, app, 'alice');
    await expectSignedIn(site, app, 'alice');
    await logOut(site, app);

    await submitLogin(site, app, 'alice');
    await site.waitForURL(at(app, '/toopher/pending/'));
    await answerRequest(phone, 'Log In', 'Deny');

    await expectHeading(site, 'Request denied');
    await site.getByText('The sign-in was denied on your phone.').waitFor();
    await site.goto(`${app.url}/`);
    await site.waitForURL(at(app, '/login'));
    await expectHeading(site, 'Sign in');
  });
});
