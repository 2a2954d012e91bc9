/**
 * toopher-server restarted in the middle of a sign-in, in Chromium: the same SQLite file and port, the
 * phone app reloaded, and the website's pending page completes once the phone grants.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { WAIT_MS, at, browserPool, expectSignedIn, logOut, submitLogin } from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';
import {
  PHONE_CONTEXT,
  answerRequest,
  openPhoneApp,
  pageProblems,
  pairAndSignIn,
  portOf,
  requestCard,
  startAppOnServer,
  startServer,
  tempSqlite,
  withScreenshots,
} from '../helpers/server-e2e.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

test('a sign-in pending across a server restart completes when the phone app grants it', { skip }, async (t) => {
  const sqlite = tempSqlite(t);
  const first = await startServer(t, { sqlite });
  const app = await startAppOnServer(t, first);
  const site = await browsers.newPage(t);
  const phone = await browsers.newPage(t, PHONE_CONTEXT);
  const problems = [...pageProblems(site, 'site'), ...pageProblems(phone, 'phone')];
  await withScreenshots('server-restart', { site, phone }, async () => {
    await openPhoneApp(phone, first.appUrl);
    await pairAndSignIn(site, phone, app, 'alice');
    await expectSignedIn(site, app, 'alice');
    await logOut(site, app);
    await submitLogin(site, app, 'alice');
    await site.waitForURL(at(app, '/toopher/pending/'));
    await requestCard(phone, 'Log In').waitFor();

    await first.close();
    const second = await startServer(t, { sqlite }, portOf(first));
    await phone.reload();
    await answerRequest(phone, 'Log In', 'Grant');

    // While the server was down the pending page's checks failed; after three failures it stops checking
    // by itself and says so (how long the restart took decides which). Then "Check again" is the way on.
    const offline = site.getByText('The server cannot be reached right now.');
    await site.getByRole('heading', { name: 'Signed in as alice' }).or(offline).waitFor({ timeout: WAIT_MS });
    if (await offline.isVisible()) await site.getByRole('button', { name: 'Check again' }).click();
    await expectSignedIn(site, app, 'alice');
    await second.close();
  });
  // While the server was down the phone app's polls could not connect; nothing else went wrong.
  assert.deepEqual(problems.filter((p) => !p.includes('net::ERR_CONNECTION_REFUSED')), []);
});
