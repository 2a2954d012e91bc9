import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm, type Hop } from '../helpers/browser-client.js';
import { enroll, makeUsers, startTestApp, userById, whoAmI, type TestApp, type TestUser } from '../helpers/test-app.js';

// The attacker knows the victim's password and stops on the pair page while the
// victim has no pairing. The victim then pairs their own phone. Whatever the
// attacker submits on the old page must not act on the old "no pairing" answer.

const users = makeUsers('bob', 'bea', 'bill', 'bert', 'babs');
let sandbox: Sandbox;
let api: ToopherApi;
let required: TestApp;
let optional: TestApp;

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  required = await startTestApp({ api, users, toopher: { pollIntervalMs: 0 } });
  optional = await startTestApp({ api, users, toopher: { pollIntervalMs: 0, enrollment: 'optional' } });
});

after(async () => {
  await required.close();
  await optional.close();
  await sandbox.close();
});

const user = (id: string): TestUser => userById(users, id);

/** The attacker signs in with the victim's password and stays on the pair page. */
async function attackerOnPairPage(app: TestApp, id: string): Promise<{ client: BrowserClient; pairUrl: string; page: Hop }> {
  const client = new BrowserClient(app.url);
  const hop = await client.post('/login', { email: user(id).email, password: user(id).password });
  assert.equal(hop.status, 303);
  const pairUrl = (hop.location ?? '').replace(app.url, '');
  assert.match(pairUrl, /^\/toopher\/pair\//);
  return { client, pairUrl, page: await client.get(pairUrl) };
}

async function activePairings(userName: string): Promise<number> {
  return (await sandbox.phone.listPairings(userName)).filter((p) => p.enabled || p.pending).length;
}

test('a pairing phrase submitted on a stale pair page after the victim paired creates no second pairing', async () => {
  const email = user('bob').email;
  const { client, pairUrl, page } = await attackerOnPairPage(required, 'bob');
  await enroll(sandbox, api, email);
  assert.equal(await activePairings(email), 1);

  const attackerPhrase = await sandbox.phone.createPairingPhrase();
  const hop = await client.submit(findForm(page.body, pairUrl), { pairing_phrase: attackerPhrase });

  // Toopher now knows the user: the flow continues as a normal sign-in (this browser is unknown: name it).
  assert.equal(hop.status, 303);
  assert.match(hop.location ?? '', /\/toopher\/terminal\//);
  assert.equal(await activePairings(email), 1, 'a second pairing was created for the victim');
  assert.equal(await whoAmI(client), null);
  assert.ok(!required.events.some((e) => e.userName === email && e.type === 'pairing-started'));
});

test('a QR pairing started on a stale pair page after the victim paired is refused the same way', async () => {
  const email = user('bea').email;
  const { client, pairUrl, page } = await attackerOnPairPage(required, 'bea');
  await enroll(sandbox, api, email);
  const hop = await client.submit(findForm(page.body, `${pairUrl}/qr`));
  assert.equal(hop.status, 303);
  assert.match(hop.location ?? '', /\/toopher\/terminal\//);
  assert.equal(await activePairings(email), 1);
});

test('"Skip" on a stale pair page after the victim paired neither signs in nor turns Toopher off', async () => {
  const email = user('bill').email;
  const { client, pairUrl, page } = await attackerOnPairPage(optional, 'bill');
  await enroll(sandbox, api, email);

  const hop = await client.submit(findForm(page.body, `${pairUrl}/skip`));
  assert.notEqual(hop.status, 302);
  assert.match(hop.location ?? '', /\/toopher\/terminal\//);
  assert.equal(await whoAmI(client), null);
  const [record] = await api.getUsersByName(email);
  assert.equal(record?.toopherAuthenticationEnabled, true, 'Toopher was turned off for the victim');
  assert.ok(!optional.events.some((e) => e.userName === email && e.type === 'enrollment-skipped'));
});

test('"Skip" after the victim paired, on a browser Toopher knows, sends a push instead of signing in', async () => {
  const email = user('bert').email;
  const { client, pairUrl, page } = await attackerOnPairPage(optional, 'bert');
  await enroll(sandbox, api, email);
  // This browser's terminal is known for the user (say the victim once used it): the re-check answers with a push.
  const terminalId = (await client.cookie('toopher_terminal'))?.split('.')[0];
  assert.ok(terminalId);
  await api.createUserTerminal(email, 'Shared computer', terminalId);
  const hop = await client.submit(findForm(page.body, `${pairUrl}/skip`));
  assert.equal(hop.status, 303);
  assert.match(hop.location ?? '', /\/toopher\/pending\//);
  assert.equal(await whoAmI(client), null);
  assert.ok((await sandbox.phone.listAuthenticationRequests(email)).some((r) => r.pending));
});

test('a pair page whose user still has no pairing pairs as before (the re-check passes)', async () => {
  const email = user('babs').email;
  const { client, pairUrl, page } = await attackerOnPairPage(required, 'babs');
  const phrase = await sandbox.phone.createPairingPhrase();
  const hop = await client.submit(findForm(page.body, pairUrl), { pairing_phrase: phrase });
  assert.equal(hop.status, 303);
  assert.match(hop.location ?? '', /\/toopher\/pending\//);
  assert.equal(await activePairings(email), 1);
});
