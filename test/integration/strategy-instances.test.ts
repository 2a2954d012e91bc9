import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MemoryStore, type SessionData } from 'express-session';
import { MemorySharedStore, ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { enroll, makeUsers, pendingRequest, postWithCsrf, signIn, startTestApp, userById, whoAmI, type TestApp, type TestUser } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid', 'dot');
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

/** A session store whose reads take a moment, so concurrent requests all load the session before any saves it. */
class SlowReadStore extends MemoryStore {
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    super.get(sid, (err, session) => {
      setTimeout(() => callback(err, session), 30);
    });
  }
}

const user = (id: string): TestUser => userById(users, id);

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
  const held = await postWithCsrf(onFirst, '/transfer', { amount: '12' });
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

test('runs a grant once when two instances sharing both stores receive its replay at the same time', async (t) => {
  const sessions = new SlowReadStore();
  const shared = new MemorySharedStore();
  const a = await startTestApp({ api, users, store: sessions, toopher: { pollIntervalMs: 0, store: shared } });
  const b = await startTestApp({ api, users, store: sessions, toopher: { pollIntervalMs: 0, store: shared } });
  t.after(() => Promise.all([a.close(), b.close()]));
  const onA = new BrowserClient(a.url);
  const onB = onA.withBaseUrl(b.url);
  const email = user('dot').email;
  await enroll(sandbox, api, email, onA);
  await signIn(sandbox, onA, user('dot'));
  const held = await postWithCsrf(onA, '/transfer', { amount: '33' });
  const page = await onA.get(held.location ?? '');
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, email)).id, true);
  const replay = await onA.submit(findForm(page.body, 'toopher-check'));
  const form = findForm(replay.body, 'toopher-replay');
  const results = await Promise.all([onA.submit(form), onB.submit(form), onA.submit(form), onB.submit(form)]);
  assert.deepEqual(results.map((hop) => hop.status).sort(), [200, 403, 403, 403]);
  const runs = [...a.executed, ...b.executed].filter((e) => e.user === email);
  assert.equal(runs.length, 1);
});
