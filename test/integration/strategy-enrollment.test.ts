import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm, type Hop } from '../helpers/browser-client.js';
import { enroll, makeUsers, pendingRequest, startTestApp, userById, waitFor, whoAmI, type TestApp, type TestUser } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid', 'dot', 'eve', 'fay', 'gus', 'hal', 'ida', 'jon', 'kim');
let sandbox: Sandbox;
let api: ToopherApi;
let app: TestApp;
let optional: TestApp;

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  app = await startTestApp({ api, users, toopher: { pollIntervalMs: 0 } });
  optional = await startTestApp({ api, users, toopher: { pollIntervalMs: 0, enrollment: 'optional' } });
});

after(async () => {
  await app.close();
  await optional.close();
  await sandbox.close();
});

const user = (id: string): TestUser => userById(users, id);

function login(client: BrowserClient, id: string): Promise<Hop> {
  return client.post('/login', { email: user(id).email, password: user(id).password });
}

async function newestPairing(userName: string): Promise<string> {
  return waitFor(async () => (await sandbox.phone.listPairings(userName)).find((p) => p.pending)?.id, 5_000, 'a pending pairing');
}

test('pairs an unknown user, names the browser and signs in after approval', async () => {
  const client = new BrowserClient(app.url);
  const email = user('ann').email;
  const hop = await login(client, 'ann');
  assert.equal(hop.status, 303);
  assert.match(hop.location ?? '', /\/toopher\/pair\//);
  const pairPage = await client.get(hop.location ?? '');
  assert.equal(pairPage.status, 200);
  assert.match(pairPage.body, /<label for="toopher-pairing-phrase">Pairing phrase<\/label>/);
  assert.doesNotMatch(pairPage.body, /Skip/);
  const phrase = await sandbox.phone.createPairingPhrase();
  const paired = await client.submit(findForm(pairPage.body, hop.location?.replace(app.url, '') ?? ''), { pairing_phrase: phrase });
  assert.equal(paired.status, 303);
  assert.match(paired.location ?? '', /\/toopher\/pending\//);
  const waiting = await client.get(paired.location ?? '');
  assert.match(waiting.body, /accept the new pairing/i);
  await sandbox.phone.respondToPairing(await newestPairing(email), true);
  const named = await client.submit(findForm(waiting.body, 'toopher-check'));
  assert.equal(named.status, 303);
  assert.match(named.location ?? '', /\/toopher\/terminal\//);
  const namePage = await client.get(named.location ?? '');
  assert.match(namePage.body, /<label for="toopher-terminal-name">Terminal name<\/label>/);
  assert.match(namePage.body, /value="Chrome on Linux"/);
  const pending = await client.submit(findForm(namePage.body, '/toopher/terminal/'), { terminal_name: 'My laptop' });
  assert.equal(pending.status, 303);
  assert.match(pending.location ?? '', /\/toopher\/pending\//);
  const approvalPage = await client.get(pending.location ?? '');
  assert.match(approvalPage.body, /My laptop/);
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, email)).id, true);
  const done = await client.submit(findForm(approvalPage.body, 'toopher-check'));
  assert.equal(done.status, 303);
  assert.equal(await whoAmI(client), email);
  const types = app.events.filter((e) => e.userName === email).map((e) => e.type);
  assert.deepEqual(types, ['pairing-started', 'pairing-completed', 'terminal-named', 'approval-requested', 'approval-granted']);
});

test('says the old pairing was removed when Toopher answers 707', async () => {
  const client = new BrowserClient(app.url);
  const { pairingId } = await enroll(sandbox, api, user('ben').email, client);
  await sandbox.phone.deactivatePairing(pairingId);
  const hop = await login(client, 'ben');
  assert.match(hop.location ?? '', /\/toopher\/pair\//);
  const page = await client.get(hop.location ?? '');
  assert.match(page.body, /previous pairing was removed/);
});

test('asks to name an unknown browser of a paired user (706)', async () => {
  const client = new BrowserClient(app.url, { userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0' });
  await enroll(sandbox, api, user('cid').email, client, { nameTerminal: false });
  const hop = await login(client, 'cid');
  assert.match(hop.location ?? '', /\/toopher\/terminal\//);
  const page = await client.get(hop.location ?? '');
  assert.match(page.body, /value="Firefox on Windows"/);
  const empty = await client.submit(findForm(page.body, '/toopher/terminal/'), { terminal_name: '   ' });
  assert.equal(empty.status, 400);
  assert.match(empty.body, /Enter a name/);
});

test('shows a denied pairing with a way back to the pair page', async () => {
  const client = new BrowserClient(app.url);
  const hop = await login(client, 'dot');
  const pairPage = await client.get(hop.location ?? '');
  const phrase = await sandbox.phone.createPairingPhrase();
  const paired = await client.submit(findForm(pairPage.body, hop.location?.replace(app.url, '') ?? ''), { pairing_phrase: phrase });
  const waiting = await client.get(paired.location ?? '');
  await sandbox.phone.respondToPairing(await newestPairing(user('dot').email), false);
  const denied = await client.submit(findForm(waiting.body, 'toopher-check'));
  assert.equal(denied.status, 403);
  assert.match(denied.body, /pairing was denied/);
  const retry = /href="([^"]*\/toopher\/pair\/[^"]+)"/.exec(denied.body)?.[1];
  assert.ok(retry);
  const again = await client.get(retry);
  assert.equal(again.status, 200);
  assert.match(again.body, /Pairing phrase/);
  assert.equal(await whoAmI(client), null);
});

test('re-renders the pair page with an error for a wrong phrase', async () => {
  const client = new BrowserClient(app.url);
  const hop = await login(client, 'eve');
  const page = await client.get(hop.location ?? '');
  const form = findForm(page.body, hop.location?.replace(app.url, '') ?? '');
  const wrong = await client.submit(form, { pairing_phrase: 'no such phrase' });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body, /not accepted/);
  assert.match(wrong.body, /value="no such phrase"/);
  const missing = await client.submit(form, { pairing_phrase: '' });
  assert.equal(missing.status, 400);
});

test('pairs by QR code and serves the code as a PNG', async () => {
  const client = new BrowserClient(app.url);
  const email = user('fay').email;
  const hop = await login(client, 'fay');
  const page = await client.get(hop.location ?? '');
  const qr = await client.submit(findForm(page.body, '/qr'));
  assert.equal(qr.status, 303);
  const waiting = await client.get(qr.location ?? '');
  const image = /<img[^>]+src="([^"]+)"/.exec(waiting.body)?.[1];
  assert.ok(image);
  const png = await client.get(image);
  assert.equal(png.status, 200);
  assert.equal(png.headers['content-type'], 'image/png');
  await sandbox.phone.respondToPairing(await newestPairing(email), true);
  const next = await client.submit(findForm(waiting.body, 'toopher-check'));
  assert.match(next.location ?? '', /\/toopher\/terminal\//);
});

test('lets a user skip pairing when enrollment is optional, and later sign-ins pass', async () => {
  const client = new BrowserClient(optional.url);
  const email = user('gus').email;
  const hop = await login(client, 'gus');
  const page = await client.get(hop.location ?? '');
  assert.match(page.body, /Skip for now/);
  const skipped = await client.submit(findForm(page.body, '/skip'));
  assert.equal(skipped.status, 303);
  assert.equal(skipped.location, `${optional.url}/`);
  assert.equal(await whoAmI(client), email);
  const later = new BrowserClient(optional.url);
  const second = await login(later, 'gus');
  assert.equal(second.status, 302);
  assert.equal(await whoAmI(later), email);
  assert.ok(optional.events.some((e) => e.type === 'enrollment-skipped' && e.userName === email));
  assert.ok(optional.events.some((e) => e.type === 'opted-out' && e.userName === email));
});

test('refuses skipping when enrollment is required', async () => {
  const client = new BrowserClient(app.url);
  const hop = await login(client, 'hal');
  const page = await client.get(hop.location ?? '');
  const form = findForm(page.body, hop.location?.replace(app.url, '') ?? '');
  const skip = await client.post(`${hop.location ?? ''}/skip`, form.fields);
  assert.equal(skip.status, 401);
  assert.equal(await whoAmI(client), null);
});

test('lets an opted-out user (704) in when enrollment is optional', async () => {
  const client = new BrowserClient(optional.url);
  await enroll(sandbox, api, user('ida').email, client);
  await api.setToopherEnabledForUser(user('ida').email, false);
  const hop = await login(client, 'ida');
  assert.equal(hop.status, 302);
  assert.equal(await whoAmI(client), user('ida').email);
});

test('re-enables and asks an opted-out user (704) when enrollment is required', async () => {
  const client = new BrowserClient(app.url);
  await enroll(sandbox, api, user('jon').email, client);
  await api.setToopherEnabledForUser(user('jon').email, false);
  const hop = await login(client, 'jon');
  assert.equal(hop.status, 303);
  assert.match(hop.location ?? '', /\/toopher\/pending\//);
  assert.equal(await whoAmI(client), null);
  const [found] = await api.getUsersByName(user('jon').email);
  assert.equal(found?.toopherAuthenticationEnabled, true);
});

test('does not offer or accept Skip after the pairing was removed (707), even when enrollment is optional', async () => {
  const client = new BrowserClient(optional.url);
  const email = user('kim').email;
  const { pairingId } = await enroll(sandbox, api, email, client);
  await sandbox.phone.deactivatePairing(pairingId);
  const hop = await login(client, 'kim');
  assert.match(hop.location ?? '', /\/toopher\/pair\//);
  const page = await client.get(hop.location ?? '');
  assert.match(page.body, /previous pairing was removed/);
  assert.doesNotMatch(page.body, /Skip/);
  const form = findForm(page.body, hop.location?.replace(optional.url, '') ?? '');
  const skip = await client.post(`${hop.location ?? ''}/skip`, form.fields);
  assert.equal(skip.status, 403);
  assert.match(skip.body, /cannot be skipped/);
  assert.equal(await whoAmI(client), null);
  const [found] = await api.getUsersByName(email);
  assert.equal(found?.toopherAuthenticationEnabled, true);
  assert.ok(!optional.events.some((e) => e.type === 'enrollment-skipped' && e.userName === email));
});
