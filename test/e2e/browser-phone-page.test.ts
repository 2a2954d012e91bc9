/** The sandbox's phone page on a 400 px wide screen, in Chromium. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from 'passport-toopher';
import { createSandbox, type Sandbox } from 'passport-toopher/sandbox';
import { browserPool, screenshot } from '../helpers/e2e-app.js';
import { skipUnlessChromium } from '../helpers/requirements.js';

const skip = skipUnlessChromium();
const browsers = browserPool();
let sandbox: Sandbox;

before(async () => {
  if (skip !== false) return;
  sandbox = await createSandbox();
  const api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  const userName = 'a-rather-long-user-name@subdomain.example.com';
  const pairing = await api.pair(await sandbox.phone.createPairingPhrase(), userName);
  await sandbox.phone.respondToPairing(pairing.id, true);
  await api.createUserTerminal(userName, 'Chrome on Linux', 'terminal-1');
  await api.authenticateByUserName(userName, 'terminal-1', 'Transfer money');
  await sandbox.phone.createPairingPhrase();
});

after(async () => {
  await browsers.close();
  await sandbox?.close();
});

test('the phone page fits a 400 px wide screen and shows request times', { skip }, async (t) => {
  const page = await browsers.newPage(t, { viewport: { width: 400, height: 800 } });
  await page.goto(`${sandbox.url}/phone?refresh=off`);
  await screenshot(page, 'phone-page-400px');
  // A string expression: the tests compile without the DOM library.
  const widths = await page.evaluate<{ page: number; viewport: number }>('({ page: document.documentElement.scrollWidth, viewport: window.innerWidth })');
  assert.ok(widths.page <= widths.viewport, `page is ${widths.page} px wide in a ${widths.viewport} px viewport`);
  const made = page.locator('td[data-label="Made (UTC)"]').first();
  assert.match((await made.textContent()) ?? '', /^\d\d:\d\d:\d\d, expires \d\d:\d\d:\d\d$/);
  assert.match((await page.locator('.phrases li').first().textContent()) ?? '', /valid until \d\d:\d\d:\d\d UTC/);
  assert.ok(await page.getByRole('button', { name: 'Grant', exact: true }).isVisible());
});
