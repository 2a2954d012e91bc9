import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { enroll, makeUsers, pendingRequest, SESSION_COOKIE, startTestApp, type TestApp } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid', 'dot', 'eve', 'fay', 'gus', 'hal', 'ida', 'jon', 'kim', 'lea');
let sandbox: Sandbox;
let api: ToopherApi;
let app: TestApp;

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  app = await startTestApp({ api, users, toopher: { pollIntervalMs: 0 } });
});

after(async () => {
  await app.close();
  await sandbox.close();
});

function user(id: string): { email: string; password: string } {
  const found = users.find((u) => u.id === id);
  assert.ok(found);
  return found;
}

async function login(client: BrowserClient, id: string, extra: Record<string, string> = {}) {
  const { email, password } = user(id);
  return client.post('/login', { email, password, ...extra });
}

async function whoAmI(client: BrowserClient): Promise<unknown> {
  const hop = await client.get('/', { accept: 'application/json' });
  return (JSON.parse(hop.body) as { user: unknown }).user;
}

test('holds the user unauthenticated and redirects to the pending page while the phone decides', async () => {
  const client = new BrowserClient(app.url);
  await enroll(sandbox, api, user('ann').email, client);
  const hop = await login(client, 'ann');
  assert.equal(hop.status, 303);
  assert.match(hop.location ?? '', /\/toopher\/pending\/[A-Za-z0-9_-]+$/);
  assert.equal(await whoAmI(client), null);
  const page = await client.get(hop.location ?? '');
  assert.equal(page.status, 200);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(page.body, /id="toopher-pending"/);
  assert.match(page.body, /Test browser/);
  findForm(page.body, 'toopher-check');
});

test('signs in with a regenerated session after the phone grants the request', async () => {
  const client = new BrowserClient(app.url);
  const email = user('ben').email;
  await enroll(sandbox, api, email, client);
  const hop = await login(client, 'ben');
  const sessionBefore = await client.cookie(SESSION_COOKIE);
  assert.ok(sessionBefore);
  const page = await client.get(hop.location ?? '');
  const request = await pendingRequest(sandbox, email);
  assert.equal(request.action.name, 'Log In');
  await sandbox.phone.respondToAuthenticationRequest(request.id, true);
  const done = await client.submit(findForm(page.body, 'toopher-check'));
  assert.equal(done.status, 303);
  assert.equal(done.location, `${app.url}/`);
  assert.equal(await whoAmI(client), email);
  const sessionAfter = await client.cookie(SESSION_COOKIE);
  assert.notEqual(sessionAfter, sessionBefore);
  assert.ok(app.events.some((e) => e.type === 'approval-granted' && e.userName === email));
});

test('signs in at once when Toopher grants automatically', async () => {
  const client = new BrowserClient(app.url);
  const email = user('cid').email;
  await enroll(sandbox, api, email, client);
  const first = await login(client, 'cid');
  const page = await client.get(first.location ?? '');
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, email)).id, true, true);
  await client.submit(findForm(page.body, 'toopher-check'));
  const fresh = new BrowserClient(app.url);
  await fresh.setCookie('toopher_terminal', (await client.cookie('toopher_terminal')) ?? '');
  const second = await login(fresh, 'cid');
  assert.equal(second.status, 302);
  assert.equal(second.location, `${app.url}/`);
  assert.equal(await whoAmI(fresh), email);
});

test('refuses the sign-in when the phone denies it', async () => {
  const client = new BrowserClient(app.url);
  const email = user('dot').email;
  await enroll(sandbox, api, email, client);
  const hop = await login(client, 'dot');
  const page = await client.get(hop.location ?? '');
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, email)).id, false);
  const id = hop.location?.split('/').pop() ?? '';
  const status = await client.getJson(`/toopher/status/${id}`);
  assert.equal(status.status, 403);
  assert.equal(status.body['state'], 'denied');
  const result = await client.submit(findForm(page.body, 'toopher-check'));
  assert.equal(result.status, 403);
  assert.match(result.body, /denied/i);
  assert.match(result.body, /href="\/login"/);
  assert.equal(await whoAmI(client), null);
  const again = await client.submit(findForm(page.body, 'toopher-check'));
  assert.equal(again.status, 401);
});
