/**
 * The pending page for browsers that never run JavaScript (BrowserClient
 * runs none): its reload asks Toopher like the status endpoint does, and a
 * decided request waits for the page's POST form; a GET never completes anything.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm, type Hop } from '../helpers/browser-client.js';
import { enroll, makeUsers, pendingRequest, postWithCsrf, signIn, startCountingProxy, startTestApp, userById, waitFor, whoAmI, type TestApp, type TestUser } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid', 'dot', 'eve', 'fay');
let sandbox: Sandbox;
let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
let api: ToopherApi;
let app: TestApp;
let slowPolls: TestApp;

before(async () => {
  sandbox = await createSandbox();
  proxy = await startCountingProxy(sandbox.url);
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: `${proxy.url}/v1` });
  app = await startTestApp({ api, users, toopher: { pollIntervalMs: 0 } });
  slowPolls = await startTestApp({ api, users, toopher: { pollIntervalMs: 60_000 } });
});

after(async () => {
  await Promise.all([app.close(), slowPolls.close()]);
  await proxy.close();
  await sandbox.close();
});

const user = (id: string): TestUser => userById(users, id);

async function pendingLogin(target: TestApp, id: string): Promise<{ client: BrowserClient; pendingUrl: string }> {
  const client = new BrowserClient(target.url);
  await enroll(sandbox, api, user(id).email, client);
  const hop = await client.post('/login', { email: user(id).email, password: user(id).password });
  assert.equal(hop.status, 303);
  assert.match(hop.location ?? '', /\/toopher\/pending\//);
  return { client, pendingUrl: hop.location ?? '' };
}

/** Asserts the "decided" pending page: says so, no reload, only the POST check form. */
function assertDecidedPage(page: Hop): void {
  assert.equal(page.status, 200);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(page.body, /Your phone has answered\. Press “Continue”\./);
  assert.doesNotMatch(page.body, /http-equiv="refresh"/);
  assert.doesNotMatch(page.body, /id="toopher-otp-form"|id="toopher-cancel"/);
  assert.equal((page.body.match(/<form /g) ?? []).length, 1);
  const check = findForm(page.body, 'toopher-check');
  assert.equal(check.method.toUpperCase(), 'POST');
  assert.ok(check.fields.some(([name, value]) => name === '_csrf' && value !== ''));
}

test('shows an approved sign-in on the reloaded pending page and signs in only through its form', async () => {
  const email = user('ann').email;
  const { client, pendingUrl } = await pendingLogin(app, 'ann');
  const waiting = await client.get(pendingUrl);
  assert.match(waiting.body, /Waiting for your phone/);
  // pollIntervalMs is 0 in this app: the page reloads no more often than every 3 s, and its script polls every 250 ms at most.
  assert.match(waiting.body, /<noscript><meta http-equiv="refresh" content="3"><\/noscript>/);
  assert.match(waiting.body, /data-poll-interval-ms="250"/);
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, email)).id, true);
  const decided = await client.get(pendingUrl);
  assertDecidedPage(decided);
  assert.equal(await whoAmI(client), null, 'a GET never signs in');
  assertDecidedPage(await client.get(pendingUrl));
  assert.equal(await whoAmI(client), null);
  const done = await client.submit(findForm(decided.body, 'toopher-check'));
  assert.equal(done.status, 303);
  assert.equal(done.location, `${app.url}/`);
  assert.equal(await whoAmI(client), email);
});

test('shows a denial on the reloaded pending page', async () => {
  const { client, pendingUrl } = await pendingLogin(app, 'ben');
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, user('ben').email)).id, false);
  const denied = await client.get(pendingUrl);
  assert.equal(denied.status, 403);
  assert.match(denied.body, /The sign-in was denied on your phone/);
  assert.equal(await whoAmI(client), null);
});

test('asks Toopher from the reloaded page at most once per poll interval', async () => {
  const email = user('cid').email;
  const { client, pendingUrl } = await pendingLogin(slowPolls, 'cid');
  const requestId = (await pendingRequest(sandbox, email)).id;
  await sandbox.phone.respondToAuthenticationRequest(requestId, true);
  const before = proxy.count(`/authentication_requests/${requestId}`);
  const tabs = [client, new BrowserClient(slowPolls.url, { jar: client.jar })];
  for (let i = 0; i < 10; i += 1) {
    await Promise.all(tabs.map(async (tab) => assert.match((await tab.get(pendingUrl)).body, /Waiting for your phone/)));
  }
  assert.equal(proxy.count(`/authentication_requests/${requestId}`) - before, 0);
});

test('shows an approved guarded action as decided without running it until the form is sent', async () => {
  const client = new BrowserClient(app.url);
  await enroll(sandbox, api, user('dot').email, client);
  await signIn(sandbox, client, user('dot'));
  const held = await postWithCsrf(client, '/transfer', { amount: '7' });
  assert.match(held.location ?? '', /\/toopher\/pending\//);
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, user('dot').email)).id, true);
  const decided = await client.get(held.location ?? '');
  assertDecidedPage(decided);
  assert.equal(app.executed.filter((e) => e.user === user('dot').email).length, 0);
  const replay = await client.submit(findForm(decided.body, 'toopher-check'));
  assert.equal(replay.status, 200);
  const done = await client.submit(findForm(replay.body, 'toopher-replay'));
  assert.equal(done.status, 200);
  assert.equal(app.executed.filter((e) => e.user === user('dot').email).length, 1);
});

test('shows a confirmed pairing as decided without asking the phone to approve until the form is sent', async () => {
  const email = user('eve').email;
  const client = new BrowserClient(app.url);
  const hop = await client.post('/login', { email, password: user('eve').password });
  const pairPage = await client.get(hop.location ?? '');
  const phrase = await sandbox.phone.createPairingPhrase();
  const paired = await client.submit(findForm(pairPage.body, hop.location?.replace(app.url, '') ?? ''), { pairing_phrase: phrase });
  const pairingId = await waitFor(async () => (await sandbox.phone.listPairings(email)).find((p) => p.pending)?.id, 5_000, 'a pending pairing');
  await sandbox.phone.respondToPairing(pairingId, true);
  const decided = await client.get(paired.location ?? '');
  assertDecidedPage(decided);
  assert.match(decided.body, /Confirm the pairing/);
  const pushes = proxy.count('/authentication_requests/initiate');
  assertDecidedPage(await client.get(paired.location ?? ''));
  assert.equal(proxy.count('/authentication_requests/initiate'), pushes, 'a GET never starts the approval');
  const next = await client.submit(findForm(decided.body, 'toopher-check'));
  assert.equal(next.status, 303);
  assert.match(next.location ?? '', /\/toopher\/terminal\//);
});

test('keeps reloading with a notice, never signing in, while Toopher fails', async (t) => {
  const failing = await startTestApp({
    api: new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl, retry: 0 }),
    users,
    toopher: { pollIntervalMs: 0 },
  });
  t.after(async () => {
    await sandbox.phone.clearFaults();
    await failing.close();
  });
  const { client, pendingUrl } = await pendingLogin(failing, 'fay');
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, user('fay').email)).id, true);
  await sandbox.phone.setFaults({ status: 503 });
  const page = await client.get(pendingUrl);
  assert.equal(page.status, 502);
  assert.match(page.body, /could not be checked right now/);
  assert.match(page.body, /<noscript><meta http-equiv="refresh"/);
  findForm(page.body, 'toopher-check');
  assert.equal(await whoAmI(client), null);
});
