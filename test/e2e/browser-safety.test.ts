/** Return URLs and CSRF in Chromium: foreign origins ignored, token-less POSTs refused. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
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
  type E2eApp,
} from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

/** Signs in with `returnTo` and the phone's approval; resolves with the page's final URL. */
async function signInReturningTo(page: Page, app: E2eApp, returnTo: string): Promise<URL> {
  await submitLogin(page, app, 'alice', returnTo);
  await page.waitForURL(at(app, '/toopher/pending/'));
  const request = await pendingRequest(app, 'alice');
  await app.phone.respondToAuthenticationRequest(request.id, true);
  await page.waitForURL((url) => !at(app, '/toopher/')(url) && !at(app, '/login')(url));
  return new URL(page.url());
}

test('a returnTo on the app itself is where the approved sign-in lands', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);
  await enrolQuickly(page, app, 'alice');
  await logOut(page, app);

  await page.goto(`${app.url}/transfer`);
  await page.waitForURL(at(app, '/login'));
  assert.equal(new URL(page.url()).searchParams.get('returnTo'), '/transfer');
  const landed = await signInReturningTo(page, app, '/transfer');
  assert.equal(landed.href, `${app.url}/transfer`);
  await expectHeading(page, 'Transfer money');
});

test('a returnTo on another origin is ignored and the sign-in lands on the start page', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);
  const foreign: string[] = [];
  await page.context().route((url) => url.hostname === 'evil.example', async (route) => {
    foreign.push(route.request().url());
    await route.abort();
  });
  await enrolQuickly(page, app, 'alice');

  for (const returnTo of ['https://evil.example/steal', '//evil.example/steal', '/\\evil.example/steal']) {
    await logOut(page, app);
    const landed = await signInReturningTo(page, app, returnTo);
    assert.equal(landed.href, `${app.url}/`, `returnTo ${returnTo}`);
    await expectSignedIn(page, app, 'alice');
  }
  assert.deepEqual(foreign, []);
});

test('POSTs without the CSRF token are refused with 403 and change nothing', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);
  await enrolQuickly(page, app, 'alice');
  const request = page.context().request;

  const attempts: Array<[string, Record<string, string>]> = [
    ['/transfer', { amount: '5', recipient: 'mallory' }],
    ['/transfer', { amount: '5', recipient: 'mallory', _csrf: 'forged-token' }],
    ['/settings', { enabled: 'false' }],
    ['/logout', {}],
  ];
  for (const [path, form] of attempts) {
    const response = await request.post(`${app.url}${path}`, { form, maxRedirects: 0 });
    assert.equal(response.status(), 403, `POST ${path} ${JSON.stringify(Object.keys(form))}`);
  }
  // The sign-in form carries no token (a visit stores no session): a browser's cross-site post of it is refused by origin.
  for (const headers of [{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }]) {
    const login = await request.post(`${app.url}/login`, { form: { username: 'bob', password: 'demo-password' }, headers, maxRedirects: 0 });
    assert.equal(login.status(), 403, JSON.stringify(headers));
  }

  // The package's own forms too: the pending page's "Check again".
  await page.goto(`${app.url}/transfer`);
  await page.getByLabel('Amount').fill('7');
  await page.getByLabel('Recipient').fill('Bob');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(at(app, '/toopher/pending/'));
  const check = await request.post(page.url(), { form: {}, maxRedirects: 0 });
  assert.equal(check.status(), 403);

  assert.deepEqual(await app.transfers(), []);
  const other = await page.context().newPage();
  await other.goto(`${app.url}/`);
  await expectSignedIn(other, app, 'alice');
});
