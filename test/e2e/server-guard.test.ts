/** toopher-server's phone app in Chromium: a guarded action (`toopher.require('Transfer money')`) approved on the phone. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { at, browserPool, expectHeading, expectSignedIn } from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';
import { answerRequest, pairAndSignIn, requestCard, withScene } from '../helpers/server-e2e.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

test('a transfer approved in the phone app runs exactly once', { skip }, async (t) => {
  await withScene(t, browsers, 'server-guard', async ({ app, site, phone }) => {
    await pairAndSignIn(site, phone, app, 'alice');
    await expectSignedIn(site, app, 'alice');

    await site.goto(`${app.url}/transfer`);
    await site.getByLabel('Amount').fill('12.50');
    await site.getByLabel('Recipient').fill('Bob');
    await site.getByRole('button', { name: 'Send' }).click();
    await site.waitForURL(at(app, '/toopher/pending/'));
    await expectHeading(site, 'Approve this action');
    await requestCard(phone, 'Transfer money').filter({ hasText: 'E2E Chromium' }).waitFor();
    assert.deepEqual(await app.transfers(), [], 'nothing runs before the approval');
    await answerRequest(phone, 'Transfer money', 'Grant');

    await expectHeading(site, 'Transfer complete');
    await site.getByText('Sent 12.50 to Bob').waitFor();
    await site.reload();
    await expectHeading(site, 'Action not run');
    assert.deepEqual(
      (await app.transfers()).map(({ user, amount, recipient }) => ({ user, amount, recipient })),
      [{ user: 'alice', amount: '12.50', recipient: 'Bob' }],
    );
  });
});
