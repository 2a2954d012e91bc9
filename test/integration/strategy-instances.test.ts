import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MemoryStore } from 'express-session';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { enroll, makeUsers, pendingRequest, signIn, startTestApp, type TestApp, type TestUser } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid');
let sandbox: Sandbox;
let api: ToopherApi;
let first: TestApp;
let second: TestApp;

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  const store = new MemoryStore();
  first = await startTestApp({ api, users, store, toopher: { pollIntervalMs: 0 } });
  second = await startTestApp({ api, users, store, toopher: { pollIntervalMs: 0 }, viaInitialize: true });
});

after(async () => {
  await Promise.all([first.close(), second.close()]);
  await sandbox.close();
});

function user(id: string): TestUser {
  const found = users.find((u) => u.id === id);
  assert.ok(found);
  return found;
}

async function whoAmI(client: BrowserClient): Promise<unknown> {
  return (JSON.parse((await client.get('/', { accept: 'application/json' })).body) as { user: unknown }).user;
}

test('completes a sign-in started on one instance from another sharing the session store', async () => {
  const onFirst = new BrowserClient(first.url);
  const onSecond = onFirst.withBaseUrl(second.url);
  const email = user('ann').email;
  await enroll(sandbox, api, email, onFirst);
  const hop = await onFirst.post('/login', { email, password: user('ann').password });
  const path = new URL(hop.location ?? '').pathname;
  const id = path.split('/').pop() ?? '';
  const page = await onSecond.get(path);
  assert.equal(page.status, 200);
  assert.equal((await onSecond.getJson(`/toopher/status/${id}`)).status, 202);
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, email)).id, true);
  assert.equal((await onSecond.getJson(`/toopher/status/${id}`)).status, 200);
  const done = await onSecond.submit(findForm(page.body, 'toopher-check'));
  assert.equal(done.status, 303);
  assert.equal(await whoAmI(onFirst), email);
  assert.equal(await whoAmI(onSecond), email);
});

test('replays a guarded action exactly once across instances', async () => {
  const onFirst = new BrowserClient(first.url);
  const onSecond = onFirst.withBaseUrl(second.url);
  const email = user('ben').email;
  await enroll(sandbox, api, email, onFirst);
  await signIn(sandbox, onFirst, user('ben'));
  const held = await onFirst.post('/transfer', { amount: '12' });
  const path = new URL(held.location ?? '').pathname;
  const page = await onSecond.get(path);
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, email)).id, true);
  const replay = await onSecond.submit(findForm(page.body, 'toopher-check'));
  assert.equal(replay.status, 200);
  const form = findForm(replay.body, 'toopher-replay');
  assert.equal((await onFirst.submit(form)).status, 200);
  assert.equal((await onSecond.submit(form)).status, 403);
  const runs = [...first.executed, ...second.executed].filter((e) => e.user === email);
  assert.equal(runs.length, 1);
});

test('works with passport.initialize() instead of the passport option', async () => {
  const client = new BrowserClient(second.url);
  const email = user('cid').email;
  await enroll(sandbox, api, email, client);
  await signIn(sandbox, client, user('cid'));
  assert.equal(await whoAmI(client), email);
});
