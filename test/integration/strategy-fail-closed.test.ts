import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, afterEach, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox, type SandboxFaults } from '../../src/sandbox/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { close, listen } from '../helpers/listen.js';
import { csrfTokenOf, enroll, makeUsers, postWithCsrf, signIn, startTestApp, userById, whoAmI, type TestApp, type TestUser } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid', 'dot', 'eve', 'fay', 'gus', 'hal', 'ida', 'jon', 'kim', 'lea');
let sandbox: Sandbox;
let api: ToopherApi;
let app: TestApp;
let closedUrl: string;
const apps: TestApp[] = [];

/** A client with a generous timeout (the machine may be busy); only the "never answers" case needs a short one. */
function apiFor(baseUrl: string, consumerSecret = sandbox.consumerSecret, timeoutMs = 10_000): ToopherApi {
  return new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret, baseUrl, timeoutMs, retry: 0 });
}

before(async () => {
  sandbox = await createSandbox();
  api = apiFor(sandbox.apiUrl);
  app = await startTestApp({ api, users, toopher: { pollIntervalMs: 0 } });
  const spare = createServer();
  closedUrl = `${await listen(spare)}/v1`;
  await close(spare);
});

afterEach(async () => {
  await sandbox.phone.clearFaults();
});

after(async () => {
  await Promise.all([app.close(), ...apps.map((a) => a.close())]);
  await sandbox.close();
});

const user = (id: string): TestUser => userById(users, id);

async function enrolled(id: string, target: TestApp = app): Promise<BrowserClient> {
  const client = new BrowserClient(target.url);
  await enroll(sandbox, api, user(id).email, client);
  return client;
}

async function extraApp(toopherApi: ToopherApi, failMode: 'open' | 'closed' = 'closed'): Promise<TestApp> {
  const started = await startTestApp({ api: toopherApi, users, toopher: { pollIntervalMs: 0, failMode } });
  apps.push(started);
  return started;
}

const faultCases: ReadonlyArray<readonly [string, SandboxFaults, number]> = [
  ['a 500 answer', { status: 500 }, 502],
  ['a 429 answer', { status: 429 }, 502],
  ['a body that is not JSON', { mode: 'garbage' }, 502],
  ['a reset connection', { mode: 'reset' }, 503],
  ['an answer that never comes', { mode: 'hang' }, 503],
];

for (const [index, [what, faults, status]] of faultCases.entries()) {
  test(`refuses the sign-in with ${status} on ${what}`, async () => {
    const id = index % 2 === 0 ? 'ann' : 'ben';
    // An answer that never comes is cut by the client's timeout: a short one keeps the test quick.
    const target = faults.mode === 'hang' ? await extraApp(apiFor(sandbox.apiUrl, sandbox.consumerSecret, 500)) : app;
    const client = await enrolled(id, target);
    await sandbox.phone.setFaults(faults);
    const hop = await client.post('/login', loginForm(id));
    assert.equal(hop.status, status);
    assert.match(hop.body, /Verification unavailable/);
    assert.equal(await whoAmI(client), null);
  });
}

function loginForm(id: string): Record<string, string> {
  return { email: user(id).email, password: user(id).password };
}

test('refuses the sign-in when the API port is closed', async () => {
  const target = await extraApp(apiFor(closedUrl));
  const client = new BrowserClient(target.url);
  const hop = await client.post('/login', loginForm('cid'));
  assert.equal(hop.status, 503);
  assert.equal(await whoAmI(client), null);
});

test('refuses the sign-in when the API rejects our signature (wrong consumer secret)', async () => {
  const target = await extraApp(apiFor(sandbox.apiUrl, 'not-the-secret'));
  const client = new BrowserClient(target.url);
  await enroll(sandbox, api, user('dot').email, client);
  const hop = await client.post('/login', loginForm('dot'));
  assert.equal(hop.status, 502);
  assert.equal(await whoAmI(client), null);
});

test('answers the status poll with a JSON error during an outage and completes after it', async () => {
  const client = await enrolled('eve');
  const hop = await client.post('/login', loginForm('eve'));
  const id = hop.location?.split('/').pop() ?? '';
  const page = await client.get(hop.location ?? '');
  await sandbox.phone.setFaults({ status: 503 });
  const status = await client.getJson(`/toopher/status/${id}`);
  assert.equal(status.status, 502);
  assert.equal(status.body['state'], 'error');
  const check = await client.submit(findForm(page.body, 'toopher-check'));
  assert.equal(check.status, 502);
  assert.equal(await whoAmI(client), null);
  await sandbox.phone.clearFaults();
  const [request] = (await sandbox.phone.listAuthenticationRequests(user('eve').email)).filter((r) => r.pending);
  assert.ok(request);
  await sandbox.phone.respondToAuthenticationRequest(request.id, true);
  const done = await client.submit(findForm(page.body, 'toopher-check'));
  assert.equal(done.status, 303);
  assert.equal(await whoAmI(client), user('eve').email);
});

test('never runs a guarded action when the API fails', async () => {
  const client = await enrolled('fay');
  await signIn(sandbox, client, user('fay'));
  await sandbox.phone.setFaults({ mode: 'garbage' });
  const held = await postWithCsrf(client, '/transfer', { amount: '1' });
  assert.equal(held.status, 502);
  const json = await client.request('POST', '/transfer', { form: { amount: '1', _csrf: await csrfTokenOf(client) }, headers: { accept: 'application/json' } });
  assert.equal(json.status, 502);
  assert.equal((JSON.parse(json.body) as { state: string }).state, 'error');
  assert.equal(app.executed.filter((e) => e.user === user('fay').email).length, 0);
  assert.equal(await whoAmI(client), user('fay').email);
});

test('opens only for an unreachable API when failMode is open', async () => {
  const warnings: string[] = [];
  const open = await startTestApp({
    api: apiFor(closedUrl),
    users,
    toopher: { failMode: 'open', onWarning: (message) => warnings.push(message) },
  });
  apps.push(open);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /failMode: 'open'/);
  const client = new BrowserClient(open.url);
  const hop = await client.post('/login', loginForm('gus'));
  assert.equal(hop.status, 302);
  assert.equal(await whoAmI(client), user('gus').email);
  assert.ok(open.events.some((e) => e.type === 'fail-open' && e.reason === 'unreachable'));
});

for (const [what, faults, status] of [
  ['a 500 answer', { status: 500 }, 502],
  ['an answer that never comes', { mode: 'hang' }, 503],
  ['a body that is not JSON', { mode: 'garbage' }, 502],
  ['a connection reset before the answer', { mode: 'reset' }, 503],
] as const) {
  test(`stays closed with failMode open on ${what}`, async () => {
    const open = await extraApp('mode' in faults && faults.mode === 'hang' ? apiFor(sandbox.apiUrl, sandbox.consumerSecret, 500) : api, 'open');
    const client = await enrolled('hal', open);
    await sandbox.phone.setFaults(faults);
    const hop = await client.post('/login', loginForm('hal'));
    assert.equal(hop.status, status);
    assert.equal(await whoAmI(client), null);
  });
}

test('stays closed with failMode open when the connection is reset mid-response', async (t) => {
  const cut = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
    res.write('{"id":"');
    setImmediate(() => req.socket.destroy());
  });
  const cutUrl = await listen(cut);
  t.after(() => close(cut));
  const open = await extraApp(apiFor(`${cutUrl}/v1`), 'open');
  const client = new BrowserClient(open.url);
  const hop = await client.post('/login', loginForm('jon'));
  assert.equal(hop.status, 503);
  assert.match(hop.body, /Verification unavailable/);
  assert.equal(await whoAmI(client), null);
  assert.equal(open.events.filter((e) => e.type === 'fail-open').length, 0);
});

test('keeps serving after faults', async () => {
  const client = await enrolled('ida');
  await signIn(sandbox, client, user('ida'));
  assert.equal(await whoAmI(client), user('ida').email);
});
