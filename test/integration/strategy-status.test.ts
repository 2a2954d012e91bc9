import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { enroll, makeUsers, pendingRequest, startCountingProxy, startTestApp, userById, waitFor, type TestApp, type TestUser } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid', 'dot', 'eve', 'fay', 'gus');
let sandbox: Sandbox;
let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
let api: ToopherApi;
let app: TestApp;
let slowPolls: TestApp;
let shortPolls: TestApp;
let shortLived: TestApp;
let lateCollect: TestApp;

before(async () => {
  sandbox = await createSandbox();
  proxy = await startCountingProxy(sandbox.url);
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: `${proxy.url}/v1` });
  app = await startTestApp({ api, users, toopher: { pollIntervalMs: 0 } });
  slowPolls = await startTestApp({ api, users, toopher: { pollIntervalMs: 60_000 } });
  shortPolls = await startTestApp({ api, users, toopher: { pollIntervalMs: 250 } });
  shortLived = await startTestApp({ api, users, toopher: { pollIntervalMs: 0, authTimeoutMs: 200 } });
  // 1.5 s to approve; a decided request may complete up to a third of that (0.5 s) after its deadline.
  lateCollect = await startTestApp({ api, users, toopher: { pollIntervalMs: 0, authTimeoutMs: 1_500 } });
});

after(async () => {
  await Promise.all([app.close(), slowPolls.close(), shortPolls.close(), shortLived.close(), lateCollect.close()]);
  await proxy.close();
  await sandbox.close();
});

const user = (id: string): TestUser => userById(users, id);

async function startLogin(target: TestApp, id: string): Promise<{ client: BrowserClient; id: string; pendingUrl: string }> {
  const client = new BrowserClient(target.url);
  await enroll(sandbox, api, user(id).email, client);
  const hop = await client.post('/login', { email: user(id).email, password: user(id).password });
  assert.equal(hop.status, 303);
  const pendingUrl = hop.location ?? '';
  return { client, id: pendingUrl.split('/').pop() ?? '', pendingUrl };
}

test('answers the status JSON contract: 202 pending, 200 granted, 401 unknown, never cached', async () => {
  const { client, id } = await startLogin(app, 'ann');
  const pending = await client.getJson(`/toopher/status/${id}`);
  assert.equal(pending.status, 202);
  assert.equal(pending.body['state'], 'pending');
  assert.equal(typeof pending.body['expiresAt'], 'number');
  assert.equal(pending.hop.headers['cache-control'], 'no-store');
  assert.match(String(pending.hop.headers['content-type']), /application\/json/);
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, user('ann').email)).id, true);
  const granted = await client.getJson(`/toopher/status/${id}`);
  assert.equal(granted.status, 200);
  assert.deepEqual(granted.body, { state: 'granted' });
  for (const bad of ['AAAAAAAAAAAAAAAAAAAAAAAA', 'x', '..%2F..', 'a'.repeat(300)]) {
    const unknown = await client.getJson(`/toopher/status/${bad}`);
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body['state'], 'unknown');
  }
  const stranger = new BrowserClient(app.url);
  assert.equal((await stranger.getJson(`/toopher/status/${id}`)).status, 401);
});

test('calls the API at most once per poll interval however often the browser polls', async () => {
  const { client, id } = await startLogin(slowPolls, 'ben');
  const requestId = (await pendingRequest(sandbox, user('ben').email)).id;
  const before = proxy.count(`/authentication_requests/${requestId}`);
  const tabs = [client, new BrowserClient(slowPolls.url, { jar: client.jar })];
  for (let i = 0; i < 15; i += 1) {
    await Promise.all(tabs.map(async (tab) => assert.equal((await tab.getJson(`/toopher/status/${id}`)).status, 202)));
  }
  assert.equal(proxy.count(`/authentication_requests/${requestId}`) - before, 0);
});

test('bounds upstream status calls by the elapsed time over the interval', async () => {
  const { client, id } = await startLogin(shortPolls, 'cid');
  const requestId = (await pendingRequest(sandbox, user('cid').email)).id;
  const path = `/authentication_requests/${requestId}`;
  const start = Date.now();
  let polls = 0;
  while (Date.now() - start < 700) {
    await client.getJson(`/toopher/status/${id}`);
    polls += 1;
  }
  const elapsed = Date.now() - start;
  const calls = proxy.count(path);
  assert.ok(polls > 5, `only ${polls} polls`);
  assert.ok(calls >= 1, 'the status was never checked upstream');
  assert.ok(calls <= Math.floor(elapsed / 250) + 1, `${calls} upstream calls for ${polls} polls in ${elapsed} ms`);
});

test('expires a request nobody answers and never signs in', async () => {
  const { client, id, pendingUrl } = await startLogin(shortLived, 'dot');
  const page = await client.get(pendingUrl);
  const expired = await waitFor(async () => {
    const status = await client.getJson(`/toopher/status/${id}`);
    return status.body['state'] === 'expired' ? status : undefined;
  }, 5_000, 'expiry');
  assert.equal(expired.status, 401);
  const result = await client.submit(findForm(page.body, 'toopher-check'));
  assert.equal(result.status, 401);
  assert.match(result.body, /no answer from your phone in time/);
  assert.ok(shortLived.events.some((e) => e.type === 'approval-expired' && e.userName === user('dot').email));
  const me = JSON.parse((await client.get('/', { accept: 'application/json' })).body) as { user: unknown };
  assert.equal(me.user, null);
});

test('refuses to complete an approved sign-in collected after its deadline', async () => {
  const { client, id, pendingUrl } = await startLogin(lateCollect, 'gus');
  const page = await client.get(pendingUrl);
  const pending = await client.getJson(`/toopher/status/${id}`);
  assert.equal(pending.status, 202);
  const expiresAt = Number(pending.body['expiresAt']);
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, user('gus').email)).id, true);
  const granted = await client.getJson(`/toopher/status/${id}`);
  assert.equal(granted.status, 200, 'approved before the deadline');
  await waitFor(() => Promise.resolve(Date.now() > expiresAt + 500 + 50 ? true : undefined), 10_000, 'the deadline and its grace');
  const status = await client.getJson(`/toopher/status/${id}`);
  assert.equal(status.status, 401);
  assert.equal(status.body['state'], 'expired');
  const result = await client.submit(findForm(page.body, 'toopher-check'));
  assert.equal(result.status, 401);
  const me = JSON.parse((await client.get('/', { accept: 'application/json' })).body) as { user: unknown };
  assert.equal(me.user, null);
  assert.ok(lateCollect.events.some((e) => e.type === 'approval-expired' && e.userName === user('gus').email));
});

test('cancels a pending sign-in on request', async () => {
  const { client, id, pendingUrl } = await startLogin(app, 'eve');
  const page = await client.get(pendingUrl);
  const cancelled = await client.submit(findForm(page.body, '/cancel'));
  assert.equal(cancelled.status, 200);
  assert.match(cancelled.body, /cancelled/);
  assert.equal((await client.getJson(`/toopher/status/${id}`)).status, 401);
});
