import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { startGatedProxy, type GatedProxy } from '../helpers/gated-proxy.js';
import { makeUsers, startTestApp, waitFor, type TestApp } from '../helpers/test-app.js';

// "Skip" turns Toopher off and then completes the sign-in. When the flow is
// ended by a concurrent request (Cancel in another tab) while Skip is on its
// way, Skip loses the race: it must not turn Toopher off either.

const users = makeUsers('sam');
const user = users[0] ?? assert.fail();
let gateOpen = false;
let sandbox: Sandbox;
let proxy: GatedProxy;
let api: ToopherApi;
let app: TestApp;

before(async () => {
  sandbox = await createSandbox();
  // While armed, Skip's re-check with Toopher waits at the gate.
  proxy = await startGatedProxy(sandbox.url, (path) => gateOpen && path.includes('authentication_requests/initiate'));
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  const proxied = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: `${proxy.url}/v1` });
  app = await startTestApp({ api: proxied, users, toopher: { pollIntervalMs: 0, enrollment: 'optional' } });
});

after(async () => {
  await app.close();
  await proxy.close();
  await sandbox.close();
});

test('Skip that loses the race to Cancel in another tab does not turn Toopher off', async () => {
  const client = new BrowserClient(app.url);
  const hop = await client.post('/login', { email: user.email, password: user.password });
  const pairUrl = (hop.location ?? '').replace(app.url, '');
  assert.match(pairUrl, /^\/toopher\/pair\//);
  const page = await client.get(pairUrl);
  const skipForm = findForm(page.body, `${pairUrl}/skip`);
  const csrf = skipForm.fields.find(([name]) => name === '_csrf')?.[1] ?? assert.fail('no CSRF field');
  const id = pairUrl.split('/').pop() ?? '';

  gateOpen = true;
  const skip = client.submit(skipForm);
  await waitFor(() => Promise.resolve(proxy.held() === 1 ? true : undefined), 10_000, "Skip's re-check at the gate");
  gateOpen = false;

  const cancel = await client.post(`/toopher/pending/${id}/cancel`, { _csrf: csrf });
  assert.equal(cancel.status, 200);
  proxy.release();
  const skipped = await skip;

  assert.notEqual(skipped.status, 302);
  const [record] = await api.getUsersByName(user.email);
  assert.notEqual(record?.toopherAuthenticationEnabled, false, 'Toopher was turned off by a Skip whose flow had been cancelled');
  assert.ok(!app.events.some((e) => e.userName === user.email && e.type === 'enrollment-skipped'));
});
