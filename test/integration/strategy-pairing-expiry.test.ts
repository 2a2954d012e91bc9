import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm, type Hop } from '../helpers/browser-client.js';
import { makeUsers, startTestApp, userById, waitFor, type TestApp, type TestUser } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid');
/** Its phone gives up on a pairing after 300 ms, long before the app's own 120 s. */
let impatient: Sandbox;
let sandbox: Sandbox;
let impatientApp: TestApp;
let shortPairing: TestApp;
let app: TestApp;

before(async () => {
  impatient = await createSandbox({ pairingTimeoutMs: 300 });
  sandbox = await createSandbox();
  const apiOf = (s: Sandbox): ToopherApi =>
    new ToopherApi({ consumerKey: s.consumerKey, consumerSecret: s.consumerSecret, baseUrl: s.apiUrl });
  impatientApp = await startTestApp({ api: apiOf(impatient), users, toopher: { pollIntervalMs: 0 } });
  shortPairing = await startTestApp({ api: apiOf(sandbox), users, toopher: { pollIntervalMs: 0, pairingTimeoutMs: 300 } });
  app = await startTestApp({ api: apiOf(sandbox), users, toopher: { pollIntervalMs: 0 } });
});

after(async () => {
  await Promise.all([impatientApp.close(), shortPairing.close(), app.close()]);
  await Promise.all([impatient.close(), sandbox.close()]);
});

const user = (id: string): TestUser => userById(users, id);

/** Signs in with the first factor and submits a pairing phrase; answers the pairing's pending page. */
async function startPairing(target: TestApp, phone: Sandbox, id: string): Promise<{ client: BrowserClient; waiting: Hop; pairingId: string; flowId: string }> {
  const client = new BrowserClient(target.url);
  const hop = await client.post('/login', { email: user(id).email, password: user(id).password });
  assert.match(hop.location ?? '', /\/toopher\/pair\//);
  const pairPage = await client.get(hop.location ?? '');
  const phrase = await phone.phone.createPairingPhrase();
  const paired = await client.submit(findForm(pairPage.body, hop.location?.replace(target.url, '') ?? ''), { pairing_phrase: phrase });
  assert.match(paired.location ?? '', /\/toopher\/pending\//);
  const waiting = await client.get(paired.location ?? '');
  const pairingId = await waitFor(
    async () => (await phone.phone.listPairings(user(id).email)).find((p) => p.pending)?.id,
    5_000,
    'a pending pairing',
  );
  return { client, waiting, pairingId, flowId: paired.location?.split('/').pop() ?? '' };
}

/** Asserts an "expired pairing" result page whose "Try again" link leads back to a working pair page. */
async function assertPairingExpired(client: BrowserClient, hop: Hop): Promise<void> {
  assert.equal(hop.status, 401);
  assert.match(hop.body, /Request expired/);
  assert.match(hop.body, /The pairing was not confirmed on your phone in time/);
  assert.doesNotMatch(hop.body, /denied/);
  assert.match(hop.body, /toopher-result-expired/);
  const retry = /href="([^"]*\/toopher\/pair\/[^"]+)"/.exec(hop.body)?.[1];
  assert.ok(retry, 'a "Try again" link to the pair page');
  const again = await client.get(retry);
  assert.equal(again.status, 200);
  assert.match(again.body, /Pairing phrase/);
}

test('says a pairing the phone gave up on (Toopher reports it as not enabled) expired, not denied', async () => {
  const email = user('ann').email;
  const { client, waiting, pairingId, flowId } = await startPairing(impatientApp, impatient, 'ann');
  await waitFor(
    async () => ((await impatient.phone.listPairings(email)).find((p) => p.id === pairingId)?.pending === false ? true : undefined),
    5_000,
    'the sandbox to time the pairing out',
  );
  const status = await client.getJson(`/toopher/status/${flowId}`);
  assert.equal(status.status, 401);
  assert.equal(status.body['state'], 'expired');
  assert.match(String(status.body['message']), /not confirmed on your phone in time/);
  const checked = await client.submit(findForm(waiting.body, 'toopher-check'));
  await assertPairingExpired(client, checked);
  const types = impatientApp.events.filter((e) => e.userName === email).map((e) => e.type);
  assert.ok(types.includes('pairing-expired'));
  assert.ok(!types.includes('pairing-denied'));
});

test('says a pairing past the app’s own pairingTimeoutMs expired', async () => {
  const { client, waiting } = await startPairing(shortPairing, sandbox, 'ben');
  const checked = await waitFor(async () => {
    const hop = await client.submit(findForm(waiting.body, 'toopher-check'));
    return hop.status === 303 ? undefined : hop;
  }, 5_000, 'the pairing to expire');
  await assertPairingExpired(client, checked);
  assert.ok(shortPairing.events.some((e) => e.type === 'pairing-expired' && e.userName === user('ben').email));
});

test('still says a pairing refused on the phone was denied', async () => {
  const { client, waiting, pairingId } = await startPairing(app, sandbox, 'cid');
  await sandbox.phone.respondToPairing(pairingId, false);
  const checked = await client.submit(findForm(waiting.body, 'toopher-check'));
  assert.equal(checked.status, 403);
  assert.match(checked.body, /The pairing was denied on your phone/);
  assert.ok(app.events.some((e) => e.type === 'pairing-denied' && e.userName === user('cid').email));
});
