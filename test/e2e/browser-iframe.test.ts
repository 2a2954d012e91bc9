/** The hosted iframe flow in Chromium: the sandbox's iframe inside an app page, relayed by toopher-iframe.js. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createSandbox } from 'passport-toopher/sandbox';
import { browserPool } from '../helpers/e2e-app.js';
import { startIframeApp } from '../helpers/iframe-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
after(() => browsers.close());

test('an app page embeds the sandbox iframe; pairing, naming and the phone grant sign the user in through Passport', { skip }, async (t) => {
  const sandbox = await createSandbox();
  t.after(() => sandbox.close());
  const app = await startIframeApp(sandbox, ['alice']);
  t.after(() => app.close());
  const page = await browsers.newPage(t);
  // Every page and asset loads (CSP-safe pages: a blocked script would leave the flow stuck anyway).
  const failed: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) failed.push(`${response.status()} ${response.url()}`);
  });

  await page.goto(`${app.url}/login`);
  // First factor (a plain form post, as the app's login form would send).
  await page.evaluate(async () => {
    const body = new URLSearchParams({ user: 'alice', password: 'pw' });
    await fetch('/login', { method: 'POST', body, redirect: 'manual', credentials: 'same-origin' });
  });
  await page.goto(`${app.url}/login/toopher`);
  const frame = page.frameLocator('#toopher_iframe');

  await frame.getByRole('heading', { name: 'Pair your phone with Toopher' }).waitFor();
  await frame.getByLabel('Pairing phrase').fill(await sandbox.phone.createPairingPhrase());
  await frame.getByRole('button', { name: 'Pair' }).click();
  await frame.getByRole('heading', { name: 'Accept the pairing on your phone' }).waitFor();
  const [pairing] = await sandbox.phone.listPairings('alice');
  assert.ok(pairing);
  await sandbox.phone.respondToPairing(pairing.id, true);

  await frame.getByRole('heading', { name: 'Name this device' }).waitFor();
  await frame.getByLabel('Device name').fill('Chromium in CI');
  await frame.getByRole('button', { name: 'Continue' }).click();
  await frame.getByRole('heading', { name: 'Check your phone' }).waitFor();

  // A message from anywhere but the iframe (here: the app page itself) is ignored by the relay.
  await page.evaluate("window.postMessage(JSON.stringify({ status: 'toopher-api-complete', payload: { granted: 'true' } }), '*')");
  const [request] = await sandbox.phone.listAuthenticationRequests('alice');
  assert.ok(request?.pending);
  assert.equal(request.terminal.name, 'Chromium in CI');
  assert.deepEqual(app.postbacks, []);

  await sandbox.phone.respondToAuthenticationRequest(request.id, true);
  await page.waitForURL(`${app.url}/`);
  assert.deepEqual(JSON.parse((await page.locator('body').textContent()) ?? '{}'), { user: 'alice' });
  assert.equal(app.postbacks.length, 1);
  assert.deepEqual(failed, []);
});
