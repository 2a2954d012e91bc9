import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { approveAndCheck, csrfTokenOf, enroll, makeUsers, pendingRequest, postWithCsrf, signIn, startTestApp, userById, type TestApp, type TestUser } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid', 'dot', 'eve', 'fay', 'gus', 'hal', 'ida', 'jon', 'kim', 'lea', 'max', 'ned', 'oli', 'pam', 'quin', 'rae');
let sandbox: Sandbox;
let api: ToopherApi;
let app: TestApp;

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  app = await startTestApp({ api, users, toopher: { pollIntervalMs: 0, maxPushesPerMinute: 50 } });
});

after(async () => {
  await app.close();
  await sandbox.close();
});

const user = (id: string): TestUser => userById(users, id);

async function signedIn(id: string): Promise<BrowserClient> {
  return (await signedInPaired(id)).client;
}

async function signedInPaired(id: string): Promise<{ readonly client: BrowserClient; readonly pairingId: string }> {
  const client = new BrowserClient(app.url);
  const { pairingId } = await enroll(sandbox, api, user(id).email, client);
  await signIn(sandbox, client, user(id));
  return { client, pairingId };
}

function runs(id: string, route: string): number {
  return app.executed.filter((e) => e.user === user(id).email && e.route === route).length;
}

test('holds a guarded POST, then replays it exactly once after approval', async () => {
  const client = await signedIn('ann');
  const held = await postWithCsrf(client, '/transfer', { amount: '100', to: 'bob' });
  assert.equal(held.status, 303);
  assert.match(held.location ?? '', /\/toopher\/pending\//);
  assert.equal(runs('ann', 'transfer'), 0);
  const request = await pendingRequest(sandbox, user('ann').email);
  assert.equal(request.action.name, 'Transfer money');
  assert.equal(request.automation_allowed, false);
  const replay = await approveAndCheck(sandbox, client, held.location ?? '', user('ann').email);
  assert.equal(replay.status, 200);
  const form = findForm(replay.body, 'toopher-replay');
  assert.equal(form.action, '/transfer');
  const token = await csrfTokenOf(client);
  assert.deepEqual(form.fields.filter(([n]) => n !== '_toopher_grant'), [['amount', '100'], ['to', 'bob'], ['_csrf', token]]);
  const done = await client.submit(form);
  assert.equal(done.status, 200);
  assert.deepEqual(JSON.parse(done.body), { done: true, amount: '100', via: 'grant' });
  assert.equal(runs('ann', 'transfer'), 1);
  const again = await client.submit(form);
  assert.equal(again.status, 403);
  assert.equal(runs('ann', 'transfer'), 1);
});

test('does not replay when the approval page is reloaded', async () => {
  const client = await signedIn('ben');
  const held = await postWithCsrf(client, '/transfer', { amount: '5' });
  const page = await client.get(held.location ?? '');
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, user('ben').email)).id, true);
  const check = findForm(page.body, 'toopher-check');
  const first = await client.submit(check);
  assert.equal(first.status, 200);
  const reload = await client.submit(check);
  assert.equal(reload.status, 401);
  assert.doesNotMatch(reload.body, /toopher-replay/);
  assert.equal(runs('ben', 'transfer'), 0);
});

test('replays a guarded GET as a redirect carrying a single-use grant', async () => {
  const client = await signedIn('cid');
  const held = await client.get('/report?year=2024');
  assert.equal(held.status, 303);
  const back = await approveAndCheck(sandbox, client, held.location ?? '', user('cid').email);
  assert.equal(back.status, 303);
  assert.match(back.location ?? '', /\/report\?year=2024&_toopher_grant=/);
  const done = await client.get(back.location ?? '');
  assert.equal(done.status, 200);
  assert.deepEqual(JSON.parse(done.body), { report: true, year: '2024' });
  const again = await client.get(back.location ?? '');
  assert.equal(again.status, 403);
  assert.equal(runs('cid', 'report'), 1);
});

test('refuses a grant used with another body', async () => {
  const client = await signedIn('dot');
  const held = await postWithCsrf(client, '/transfer', { amount: '1' });
  const replay = await approveAndCheck(sandbox, client, held.location ?? '', user('dot').email);
  const refused = await client.submit(findForm(replay.body, 'toopher-replay'), { amount: '1000000' });
  assert.equal(refused.status, 403);
  assert.equal(runs('dot', 'transfer'), 0);
  assert.ok(app.events.some((e) => e.type === 'grant-refused' && e.userName === user('dot').email));
});

test('refuses a grant used for another action', async () => {
  const client = await signedIn('eve');
  const held = await postWithCsrf(client, '/transfer', { amount: '7' });
  const replay = await approveAndCheck(sandbox, client, held.location ?? '', user('eve').email);
  const form = findForm(replay.body, 'toopher-replay');
  const grant = form.fields.find(([n]) => n === '_toopher_grant')?.[1] ?? '';
  const refused = await postWithCsrf(client, '/quick', { n: '1', _toopher_grant: grant });
  assert.equal(refused.status, 403);
  assert.equal(runs('eve', 'quick'), 0);
});

test('refuses a grant used in another session of the same user', async () => {
  const client = await signedIn('fay');
  const other = new BrowserClient(app.url);
  await other.setCookie('toopher_terminal', (await client.cookie('toopher_terminal')) ?? '');
  await signIn(sandbox, other, user('fay'));
  const held = await postWithCsrf(client, '/transfer', { amount: '9' });
  const replay = await approveAndCheck(sandbox, client, held.location ?? '', user('fay').email);
  const refused = await other.submit(findForm(replay.body, 'toopher-replay'));
  assert.equal(refused.status, 403);
  assert.equal(runs('fay', 'transfer'), 0);
  const done = await client.submit(findForm(replay.body, 'toopher-replay'));
  assert.equal(done.status, 200);
  assert.equal(runs('fay', 'transfer'), 1);
});

test('never runs a denied action and keeps the user signed in', async () => {
  const client = await signedIn('gus');
  const held = await postWithCsrf(client, '/transfer', { amount: '3' });
  const result = await approveAndCheck(sandbox, client, held.location ?? '', user('gus').email, false);
  assert.equal(result.status, 403);
  assert.match(result.body, /did not run/);
  assert.equal(runs('gus', 'transfer'), 0);
  const me = await client.get('/', { accept: 'application/json' });
  assert.equal((JSON.parse(me.body) as { user: string }).user, user('gus').email);
});

test('answers 401 to a guarded route without a signed-in user', async () => {
  const client = new BrowserClient(app.url);
  const hop = await client.post('/transfer', { amount: '1' });
  assert.equal(hop.status, 401);
  const json = await client.request('POST', '/transfer', { form: { amount: '1' }, headers: { accept: 'application/json' } });
  assert.equal(json.status, 401);
  assert.equal((JSON.parse(json.body) as { state: string }).state, 'unauthenticated');
});

test('lets further requests through within maxAgeMs of an approval', async () => {
  const client = await signedIn('hal');
  const held = await postWithCsrf(client, '/quick', { n: '1' });
  const replay = await approveAndCheck(sandbox, client, held.location ?? '', user('hal').email);
  assert.equal((await client.submit(findForm(replay.body, 'toopher-replay'))).status, 200);
  const second = await postWithCsrf(client, '/quick', { n: '2' });
  assert.equal(second.status, 200);
  assert.equal((JSON.parse(second.body) as { via: string }).via, 'max-age');
  assert.equal(runs('hal', 'quick'), 2);
  const transfer = await postWithCsrf(client, '/transfer', { amount: '1' });
  assert.equal(transfer.status, 303);
});

test('answers 202 JSON to a fetch client and accepts its grant in a header', async () => {
  const client = await signedIn('ida');
  const csrf = await csrfTokenOf(client);
  const held = await client.request('POST', '/transfer', { json: { amount: 42 }, headers: { accept: 'application/json', 'x-csrf-token': csrf } });
  assert.equal(held.status, 202);
  const pending = JSON.parse(held.body) as Record<string, string>;
  assert.equal(pending['state'], 'pending');
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, user('ida').email)).id, true);
  const checked = await client.request('POST', pending['checkUrl'] ?? '', {
    headers: { accept: 'application/json', 'x-csrf-token': pending['csrfToken'] ?? '' },
  });
  assert.equal(checked.status, 200);
  const granted = JSON.parse(checked.body) as Record<string, string>;
  assert.equal(granted['state'], 'granted');
  const headers = { accept: 'application/json', 'x-toopher-grant': granted['grant'] ?? '' };
  const done = await client.request('POST', '/transfer', { json: { amount: 42 }, headers });
  assert.equal(done.status, 200);
  const again = await client.request('POST', '/transfer', { json: { amount: 42 }, headers });
  assert.equal(again.status, 403);
  assert.equal(runs('ida', 'transfer'), 1);
});

test('refuses the replay when a signed-in user submits a forged grant', async () => {
  const client = await signedIn('jon');
  const forged = await postWithCsrf(client, '/transfer', { amount: '1', _toopher_grant: 'AAAAAAAAAAAAAAAAAAAAAAAA.zz.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
  assert.equal(forged.status, 403);
  assert.match(forged.body, /did not run again/);
  const junk = await postWithCsrf(client, '/transfer', { amount: '1', _toopher_grant: 'x'.repeat(5000) });
  assert.equal(junk.status, 403);
  assert.equal(runs('jon', 'transfer'), 0);
});

test('runs a held action once when two tabs complete and replay it at the same time', async () => {
  const client = await signedIn('kim');
  const held = await postWithCsrf(client, '/transfer', { amount: '77' });
  const page = await client.get(held.location ?? '');
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, user('kim').email)).id, true);
  const check = findForm(page.body, 'toopher-check');
  const checks = await Promise.all([client.submit(check), client.submit(check), client.submit(check)]);
  const replays = checks.filter((hop) => hop.status === 200).map((hop) => findForm(hop.body, 'toopher-replay'));
  assert.ok(replays.length >= 1);
  const results = await Promise.all([...replays, ...replays].map((form) => client.submit(form)));
  assert.equal(results.filter((hop) => hop.status === 200).length, 1);
  assert.equal(runs('kim', 'transfer'), 1);
});

test('answers a deeply nested body that carries a grant with 413, not 500', async () => {
  const client = await signedIn('lea');
  let deep: unknown = { amount: 1 };
  for (let i = 0; i < 12; i += 1) deep = { x: deep };
  const token = `${'a'.repeat(20)}.abc.${'b'.repeat(43)}`;
  const csrf = await csrfTokenOf(client);
  for (const headers of [
    { accept: 'application/json', 'x-toopher-grant': token },
    { accept: 'application/json', 'x-csrf-token': csrf },
  ]) {
    const hop = await client.request('POST', '/transfer', { json: deep, headers });
    assert.equal(hop.status, 413, JSON.stringify(headers));
    const body = JSON.parse(hop.body) as { state: string; message: string };
    assert.equal(body.state, 'error');
    assert.match(body.message, /too deeply nested/);
  }
  const page = await client.request('POST', `/transfer?_toopher_grant=${token}`, { json: deep });
  assert.equal(page.status, 413);
  assert.match(page.body, /too deeply nested/);
  assert.equal(runs('lea', 'transfer'), 0);
});

test('refuses a guarded action with a clear page, never a pair page, when the pairing was removed', async () => {
  const { client, pairingId } = await signedInPaired('max');
  await sandbox.phone.deactivatePairing(pairingId);
  const held = await postWithCsrf(client, '/transfer', { amount: '5' });
  assert.equal(held.status, 403);
  assert.match(held.body, /pairing with your phone was removed/);
  assert.doesNotMatch(held.body, /Pairing phrase/);
  const json = await client.request('POST', '/transfer', { form: { amount: '5', _csrf: await csrfTokenOf(client) }, headers: { accept: 'application/json' } });
  assert.equal(json.status, 403);
  assert.equal((JSON.parse(json.body) as { state: string }).state, 'pairing-required');
  assert.equal(runs('max', 'transfer'), 0);
  assert.equal((await sandbox.phone.listPairings(user('max').email)).filter((p) => p.pending).length, 0);
  const me = await client.get('/', { accept: 'application/json' });
  assert.equal((JSON.parse(me.body) as { user: string }).user, user('max').email);
});

test('refuses a guarded POST without the session CSRF token before any push is sent', async () => {
  const client = await signedIn('ned');
  const before = (await sandbox.phone.listAuthenticationRequests(user('ned').email)).length;
  const without = await client.post('/transfer', { amount: '500' });
  assert.equal(without.status, 403);
  assert.match(without.body, /did not come from this site/);
  const wrong = await client.post('/transfer', { amount: '500', _csrf: 'A'.repeat(43) });
  assert.equal(wrong.status, 403);
  const json = await client.request('POST', '/transfer', { json: { amount: 500 }, headers: { accept: 'application/json' } });
  assert.equal(json.status, 403);
  assert.equal((JSON.parse(json.body) as { state: string }).state, 'forbidden');
  assert.equal((await sandbox.phone.listAuthenticationRequests(user('ned').email)).length, before);
  assert.equal(runs('ned', 'transfer'), 0);
  const withToken = await postWithCsrf(client, '/transfer', { amount: '500' });
  assert.equal(withToken.status, 303);
});

test('refuses a POST without the CSRF token even within maxAgeMs of an approval', async () => {
  const client = await signedIn('oli');
  const held = await postWithCsrf(client, '/quick', { n: '1' });
  const replay = await approveAndCheck(sandbox, client, held.location ?? '', user('oli').email);
  assert.equal((await client.submit(findForm(replay.body, 'toopher-replay'))).status, 200);
  const forged = await client.post('/quick', { n: '2' });
  assert.equal(forged.status, 403);
  assert.equal(runs('oli', 'quick'), 1);
  const own = await postWithCsrf(client, '/quick', { n: '3' });
  assert.equal((JSON.parse(own.body) as { via: string }).via, 'max-age');
  assert.equal(runs('oli', 'quick'), 2);
});

test('leaves the CSRF check to the app on a route guarded with csrf: false', async () => {
  const client = await signedIn('pam');
  const held = await client.post('/own-csrf', { n: '1' });
  assert.equal(held.status, 303);
  assert.match(held.location ?? '', /\/toopher\/pending\//);
  const replay = await approveAndCheck(sandbox, client, held.location ?? '', user('pam').email);
  assert.equal((await client.submit(findForm(replay.body, 'toopher-replay'))).status, 200);
  assert.equal(runs('pam', 'own-csrf'), 1);
});
