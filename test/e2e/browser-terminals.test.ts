/** Terminals (one per browser, named once per user) and "grant and automate", in Chromium. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  at,
  browserPool,
  enrolQuickly,
  expectSignedIn,
  logOut,
  pendingRequest,
  startAppFor,
  submitLogin,
  submitTerminalName,
  type E2eApp,
} from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

/** Every path the page's main frame visits from now on. */
function recordPaths(page: Page): string[] {
  const paths: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) paths.push(new URL(frame.url()).pathname);
  });
  return paths;
}

/** Signs in with a push the test approves; fails if any pairing or naming page shows up. */
async function signInAskingNothing(page: Page, app: E2eApp, userName: string): Promise<string> {
  const paths = recordPaths(page);
  await submitLogin(page, app, userName);
  await page.waitForURL(at(app, '/toopher/pending/'));
  const request = await pendingRequest(app, userName);
  await app.phone.respondToAuthenticationRequest(request.id, true);
  await expectSignedIn(page, app, userName);
  assert.deepEqual(
    paths.filter((p) => p.startsWith('/toopher/pair/') || p.startsWith('/toopher/terminal/')),
    [],
  );
  return request.terminal.requester_specified_id;
}

test('two users of one browser each name its terminal once, and switching back asks nothing more', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);

  await enrolQuickly(page, app, 'alice', { terminalName: 'Shared laptop' });
  await logOut(page, app);
  await enrolQuickly(page, app, 'bob', { terminalName: 'Shared laptop' });
  await logOut(page, app);

  const aliceTerminal = await signInAskingNothing(page, app, 'alice');
  await logOut(page, app);
  const bobTerminal = await signInAskingNothing(page, app, 'bob');

  assert.equal(aliceTerminal, bobTerminal, 'one terminal id per browser, shared by its users');
  const [aliceRequest] = await app.phone.listAuthenticationRequests('alice');
  assert.equal(aliceRequest?.terminal.name, 'Shared laptop');
});

test('a second browser must name its terminal even with the same name and does not inherit automation', { skip }, async (t) => {
  const app = await startAppFor(t);
  const first = await browsers.newPage(t);
  await enrolQuickly(first, app, 'alice', { terminalName: 'Chromium on Linux', automate: true });

  const second = await browsers.newPage(t);
  const paths = recordPaths(second);
  await submitLogin(second, app, 'alice');
  await submitTerminalName(second, app, 'Chromium on Linux');
  await second.waitForURL(at(app, '/toopher/pending/'));
  const request = await pendingRequest(app, 'alice');
  assert.equal(request.automated, false);
  assert.equal(request.terminal.name, 'Chromium on Linux');

  const terminals = new Set((await app.phone.listAuthenticationRequests('alice')).map((r) => r.terminal.requester_specified_id));
  assert.equal(terminals.size, 2, 'the second browser has a terminal id of its own');
  assert.ok(!paths.some((p) => p.startsWith('/toopher/pair/')), 'the user is paired already');

  await app.phone.respondToAuthenticationRequest(request.id, true);
  await expectSignedIn(second, app, 'alice');

  // The first browser's automation still holds there.
  await logOut(first, app);
  const firstPaths = recordPaths(first);
  await submitLogin(first, app, 'alice');
  await expectSignedIn(first, app, 'alice');
  assert.ok(!firstPaths.some((p) => p.startsWith('/toopher/')), `no Toopher page on the way: ${firstPaths.join(' ')}`);
});

test('"grant and automate" on the phone page makes the next sign-in on that browser immediate', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);
  await enrolQuickly(page, app, 'alice');
  await logOut(page, app);

  await submitLogin(page, app, 'alice');
  await page.waitForURL(at(app, '/toopher/pending/'));
  const request = await pendingRequest(app, 'alice');
  const phone = await page.context().newPage();
  await phone.goto(`${app.sandboxUrl}/phone?user_name=alice&refresh=off`);
  await phone.locator(`#request-${request.id}`).getByRole('button', { name: 'Grant and automate' }).click();
  await expectSignedIn(page, app, 'alice');
  await logOut(page, app);

  const paths = recordPaths(page);
  await submitLogin(page, app, 'alice');
  await expectSignedIn(page, app, 'alice');

  assert.ok(!paths.some((p) => p.startsWith('/toopher/')), `no Toopher page on the way: ${paths.join(' ')}`);
  const [latest] = await app.phone.listAuthenticationRequests('alice');
  assert.notEqual(latest?.id, request.id);
  assert.equal(latest?.granted, true);
  assert.equal(latest?.automated, true);
});
