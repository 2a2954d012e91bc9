/** The guarded transfer (`toopher.require('Transfer money')`) in Chromium. */
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
  startAppFor,
  type E2eApp,
} from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

const RECIPIENT = 'Zoë & Co. <"café">';

/** Fills and sends the transfer form; resolves on the pending page, with nothing run yet. */
async function sendTransfer(page: Page, app: E2eApp, amount: string): Promise<void> {
  await page.goto(`${app.url}/transfer`);
  await page.getByLabel('Amount').fill(amount);
  await page.getByLabel('Recipient').fill(RECIPIENT);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(at(app, '/toopher/pending/'));
  await expectHeading(page, 'Approve this action');
  assert.deepEqual(await app.transfers(), [], 'nothing runs before the approval');
}

test('an approved transfer runs exactly once with the original input, also after reload and back', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);
  await enrolQuickly(page, app, 'alice');

  await sendTransfer(page, app, '12.50');
  await page.getByText('Transfer money').first().waitFor();
  await screenshot(page, 'pending-transfer');
  const request = await pendingRequest(app, 'alice', 'Transfer money');
  await app.phone.respondToAuthenticationRequest(request.id, true);

  await expectHeading(page, 'Transfer complete');
  await page.getByText(`Sent 12.50 to ${RECIPIENT}`).waitFor();
  await screenshot(page, 'transfer-complete');
  const expected = [{ user: 'alice', amount: '12.50', recipient: RECIPIENT }];
  const summary = async (): Promise<unknown> =>
    (await app.transfers()).map(({ user, amount, recipient }) => ({ user, amount, recipient }));
  assert.deepEqual(await summary(), expected);

  await page.reload();
  await expectHeading(page, 'Action not run');
  assert.deepEqual(await summary(), expected, 'a reload does not run it again');
  await page.goBack();
  await page.waitForLoadState();
  await page.goBack();
  await page.waitForLoadState();
  assert.deepEqual(await summary(), expected, 'going back does not run it again');

  await page.goto(`${app.url}/`);
  await expectSignedIn(page, app, 'alice');
  assert.deepEqual(await summary(), expected);
});

test('a denied transfer never runs and the user stays signed in', { skip }, async (t) => {
  const app = await startAppFor(t);
  const page = await browsers.newPage(t);
  await enrolQuickly(page, app, 'alice');

  await sendTransfer(page, app, '99');
  const request = await pendingRequest(app, 'alice', 'Transfer money');
  await app.phone.respondToAuthenticationRequest(request.id, false);

  await expectHeading(page, 'Request denied');
  await page.getByText('The action was denied on your phone and did not run.').waitFor();
  await screenshot(page, 'transfer-denied');
  assert.deepEqual(await app.transfers(), []);
  await page.goto(`${app.url}/`);
  await expectSignedIn(page, app, 'alice');
  assert.deepEqual(await app.transfers(), []);
});
