import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MemoryStore } from 'express-session';
import { MemorySharedStore, ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient } from '../helpers/browser-client.js';
import { enroll, makeUsers, pendingRequest, startCountingProxy, startTestApp, userById, waitFor, type TestApp, type TestUser } from '../helpers/test-app.js';

// One poll interval long enough that every batch of concurrent polls below falls inside it.
const POLL_INTERVAL_MS = 1_000;
const TABS = 8;

const users = makeUsers('ann', 'ben');
let sandbox: Sandbox;
let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
let api: ToopherApi;
let single: TestApp;
let first: TestApp;
let second: TestApp;

before(async () => {
  sandbox = await createSandbox();
  proxy = await startCountingProxy(sandbox.url);
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: `${proxy.url}/v1` });
  single = await startTestApp({ api, users, toopher: { pollIntervalMs: POLL_INTERVAL_MS } });
  // Two instances sharing the session store and the shared store, as with Redis.
  const sessions = new MemoryStore();
  const shared = new MemorySharedStore();
  first = await startTestApp({ api, users, store: sessions, toopher: { pollIntervalMs: POLL_INTERVAL_MS, store: shared } });
  second = await startTestApp({ api, users, store: sessions, toopher: { pollIntervalMs: POLL_INTERVAL_MS, store: shared } });
});

after(async () => {
  await Promise.all([single.close(), first.close(), second.close()]);
  await proxy.close();
  await sandbox.close();
});

const user = (id: string): TestUser => userById(users, id);

/** Signs `id` in with the password on `target`; resolves once the sign-in's first poll interval has passed. */
async function pendingLogin(target: TestApp, id: string): Promise<{ client: BrowserClient; flowId: string; path: string }> {
  const client = new BrowserClient(target.url);
  await enroll(sandbox, api, user(id).email, client);
  const hop = await client.post('/login', { email: user(id).email, password: user(id).password });
  assert.equal(hop.status, 303);
  const startedAt = Date.now();
  const flowId = (hop.location ?? '').split('/').pop() ?? '';
  const requestId = (await pendingRequest(sandbox, user(id).email)).id;
  // `initiate` counts as the first check: wait until the next poll may ask Toopher.
  await waitFor(() => Promise.resolve(Date.now() > startedAt + POLL_INTERVAL_MS + 50 ? true : undefined), 10_000, 'one poll interval');
  return { client, flowId, path: `/authentication_requests/${requestId}` };
}

test('concurrent polls of one sign-in from several tabs ask Toopher exactly once', async () => {
  const { client, flowId, path } = await pendingLogin(single, 'ann');
  const before = proxy.count(path);
  const tabs = Array.from({ length: TABS }, () => new BrowserClient(single.url, { jar: client.jar }));
  const answers = await Promise.all(tabs.map((tab) => tab.getJson(`/toopher/status/${flowId}`)));
  for (const answer of answers) {
    assert.equal(answer.status, 202);
    assert.equal(answer.body['state'], 'pending');
  }
  assert.equal(proxy.count(path) - before, 1);
});

test('concurrent polls spread over two instances sharing a store ask Toopher exactly once', async () => {
  const { client, flowId, path } = await pendingLogin(first, 'ben');
  const before = proxy.count(path);
  const tabs = Array.from({ length: TABS }, (_, i) => new BrowserClient((i % 2 === 0 ? first : second).url, { jar: client.jar }));
  const answers = await Promise.all(tabs.map((tab) => tab.getJson(`/toopher/status/${flowId}`)));
  for (const answer of answers) {
    assert.equal(answer.status, 202, 'a poll that lost the claim still answers from the last known state');
    assert.equal(answer.body['state'], 'pending');
  }
  assert.equal(proxy.count(path) - before, 1);
});
