/** Sign-in approval in Chromium: allowed, denied, not signed in before approval, no blocking. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  at,
  browserPool,
  enrol,
  expectHeading,
  expectSignedIn,
  pendingRequest,
  screenshot,
  signInAgainUntilPending,
  startAppFor,
} from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

test('a sign-in approved on the phone signs the user in', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);
  await signInAgainUntilPending(page, app, 'alice');
  await expectHeading(page, 'Approve this sign-in');
  const request = await pendingRequest(app, 'alice');
  await app.phone.respondToAuthenticationRequest(request.id, true);

  await expectSignedIn(page, app, 'alice');
  await page.goto(`${app.url}/transfer`);
  await expectHeading(page, 'Transfer money');
});

test('a sign-in denied on the phone shows a clear message and leaves the user signed out', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);
  await signInAgainUntilPending(page, app, 'alice');
  const request = await pendingRequest(app, 'alice');
  await app.phone.respondToAuthenticationRequest(request.id, false);

  await expectHeading(page, 'Request denied');
  await page.getByText('The sign-in was denied on your phone.').waitFor();
  await screenshot(page, 'login-denied');
  await page.getByRole('link', { name: 'Try again' }).click();
  await page.waitForURL(at(app, '/login'));
  await expectHeading(page, 'Sign in');
  await page.goto(`${app.url}/`);
  await page.waitForURL(at(app, '/login'));
});

test('until the phone approves, the user is signed in on no page of the app', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);
  await signInAgainUntilPending(page, app, 'alice');
  await pendingRequest(app, 'alice');
  const other = await page.context().newPage();
  for (const path of ['/', '/transfer', '/settings']) {
    await other.goto(`${app.url}${path}`);
    await other.waitForURL(at(app, '/login'));
    await expectHeading(other, 'Sign in');
  }
  const transfer = await other.request.post(`${app.url}/transfer`, {
    form: { amount: '1', recipient: 'mallory' },
    maxRedirects: 0,
  });
  assert.equal(transfer.status(), 401);
  assert.deepEqual(await app.transfers(), []);

  const request = await pendingRequest(app, 'alice');
  await app.phone.respondToAuthenticationRequest(request.id, true);
  await expectSignedIn(page, app, 'alice');
  await other.goto(`${app.url}/`);
  await expectSignedIn(other, app, 'alice');
});

test('the app keeps serving other users while a sign-in waits for the phone', { skip }, async (t) => {
  const app = await startAppFor(t);
  const alice = await browsers.newPage(t);
  await signInAgainUntilPending(alice, app, 'alice');
  const waiting = await pendingRequest(app, 'alice');

  const bob = await browsers.newPage(t);
  await enrol(bob, app, 'bob');

  assert.ok(at(app, '/toopher/pending/')(new URL(alice.url())));
  await alice.getByText('Waiting for your phone…').waitFor();
  const stillPending = (await app.phone.listAuthenticationRequests('alice')).find((r) => r.id === waiting.id);
  assert.equal(stillPending?.pending, true);

  await app.phone.respondToAuthenticationRequest(waiting.id, true);
  await expectSignedIn(alice, app, 'alice');
  await bob.reload();
  await expectSignedIn(bob, app, 'bob');
});
