import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { enroll, makeUsers, pendingRequest, SESSION_COOKIE, startTestApp, type TestApp } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid', 'dot', 'eve', 'fay', 'gus', 'hal', 'ida', 'jon', 'kim', 'lea', 'max', 'ned', 'oli', 'pam');
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

/**
 * A browser whose terminal the user let Toopher approve automatically, with
 * a session already open (so its regeneration at sign-in can be seen).
 */
async function automatedBrowser(id: string): Promise<BrowserClient> {
  const email = user(id).email;
  const first = new BrowserClient(app.url);
  await enroll(sandbox, api, email, first);
  const hop = await login(first, id);
  const page = await first.get(hop.location ?? '');
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, email)).id, true, true);
  await first.submit(findForm(page.body, 'toopher-check'));
  const client = new BrowserClient(app.url);
  await client.setCookie('toopher_terminal', (await first.cookie('toopher_terminal')) ?? '');
  assert.equal((await client.get('/form-token')).status, 200);
  assert.ok(await client.cookie(SESSION_COOKIE), 'a session before signing in');
  return client;
}

test('sends an at-once sign-in to a same-origin returnTo in a regenerated session', async () => {
  const client = await automatedBrowser('max');
  const before = await client.cookie(SESSION_COOKIE);
  const hop = await login(client, 'max', { returnTo: '/transfer?from=login' });
  assert.equal(hop.status, 303);
  assert.equal(hop.location, `${app.url}/transfer?from=login`);
  assert.notEqual(await client.cookie(SESSION_COOKIE), before);
  assert.equal(await whoAmI(client), user('max').email);
  // Another sign-in through the same route without returnTo is not affected (nothing leaks between requests).
  const other = await automatedBrowser('ned');
  const plain = await login(other, 'ned');
  assert.equal(plain.location, `${app.url}/`);
});

test('sends an at-once sign-in with a foreign returnTo to successRedirect in a regenerated session', async () => {
  const client = await automatedBrowser('oli');
  for (const returnTo of ['https://evil.example/x', '//evil.example/x']) {
    const before = await client.cookie(SESSION_COOKIE);
    const hop = await login(client, 'oli', { returnTo });
    assert.equal(hop.location, `${app.url}/`, returnTo);
    assert.notEqual(await client.cookie(SESSION_COOKIE), before);
    assert.equal(await whoAmI(client), user('oli').email);
  }
});

test('sends an at-once sign-in to a same-origin req.session.returnTo with successReturnToOrRedirect, once', async () => {
  const client = await automatedBrowser('pam');
  await client.get('/remember?to=%2Faccount%3Ftab%3D2');
  const before = await client.cookie(SESSION_COOKIE);
  const { email, password } = user('pam');
  const hop = await client.post('/login-return', { email, password });
  assert.equal(hop.status, 303);
  assert.equal(hop.location, `${app.url}/account?tab=2`);
  assert.notEqual(await client.cookie(SESSION_COOKIE), before);
  assert.equal(await whoAmI(client), email);
  const again = await client.post('/login-return', { email, password });
  assert.equal(again.location, `${app.url}/`, 'the remembered return URL is used once');
  await client.get('/remember?to=https%3A%2F%2Fevil.example');
  const foreign = await client.post('/login-return', { email, password });
  assert.equal(foreign.location, `${app.url}/`);
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
