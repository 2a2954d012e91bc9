import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  PairingDeactivatedError,
  TerminalUnknownError,
  ToopherApi,
  ToopherApiError,
  ToopherNetworkError,
  ToopherResponseError,
  ToopherTimeoutError,
  UserDisabledError,
  UserUnknownError,
} from '../../src/index.js';
import { createToopherApiWithSeams } from '../../src/api/client.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';

// The sandbox checks OAuth with its own RFC 5849 code, independent of oauth-1.0a.

let sandbox: Sandbox;
let api: ToopherApi;

before(async () => {
  sandbox = await createSandbox({ host: '127.0.0.1', port: 0 });
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
});
after(() => sandbox.close());

/** Pairs `userName` with a fresh phone and approves the pairing there. */
async function pairUser(userName: string): Promise<string> {
  const phrase = await sandbox.phone.createPairingPhrase();
  const pairing = await api.pair(phrase, userName);
  assert.equal(pairing.pending, true);
  await sandbox.phone.respondToPairing(pairing.id, true);
  const status = await api.getPairingStatus(pairing.id);
  assert.equal(status.enabled, true);
  assert.equal(status.pending, false);
  return pairing.id;
}

test('runs the zero-storage flow end to end: pair, name the terminal, approve on the phone', async () => {
  await pairUser('alice');
  await assert.rejects(api.authenticateByUserName('alice', 'term-1', 'log in'), TerminalUnknownError);
  const terminal = await api.createUserTerminal('alice', "Alice's laptop", 'term-1');
  assert.equal(terminal.requesterSpecifiedId, 'term-1');
  assert.equal(terminal.name, "Alice's laptop");

  const request = await api.authenticateByUserName('alice', 'term-1', 'log in');
  assert.equal(request.pending, true);
  assert.equal(request.granted, false);
  assert.equal(request.user.name, 'alice');
  assert.equal(request.terminal.requesterSpecifiedId, 'term-1');
  assert.equal(request.action.name, 'log in');

  await sandbox.phone.respondToAuthenticationRequest(request.id, true);
  const status = await api.getAuthenticationStatus(request.id);
  assert.equal(status.pending, false);
  assert.equal(status.granted, true);
});

test('authenticates by pairing id and sees a denial from the phone', async () => {
  const pairingId = await pairUser('bob');
  const request = await api.authenticate(pairingId, 'desktop', 'transfer money', { automationAllowed: false });
  assert.equal(request.pending, true);
  await sandbox.phone.respondToAuthenticationRequest(request.id, false);
  const status = await api.getAuthenticationStatus(request.id);
  assert.equal(status.pending, false);
  assert.equal(status.granted, false);
});

test('grants a pending request with the OTP the phone shows', async () => {
  const pairingId = await pairUser('olga');
  const request = await api.authenticate(pairingId, 'kiosk', 'log in');
  const otp = await sandbox.phone.getOtp(pairingId);
  const status = await api.authenticateWithOtp(request.id, otp);
  assert.equal(status.pending, false);
  assert.equal(status.granted, true);
});

test('gets UserUnknownError for a user who never paired', async () => {
  await assert.rejects(api.authenticateByUserName('nobody', 'term-x'), UserUnknownError);
});

test('gets PairingDeactivatedError after the phone removes the pairing', async () => {
  const pairingId = await pairUser('carol');
  await api.createUserTerminal('carol', 'laptop', 'term-c');
  await sandbox.phone.deactivatePairing(pairingId);
  await assert.rejects(api.authenticateByUserName('carol', 'term-c'), PairingDeactivatedError);
});

test('disables and re-enables a user by name, with UserDisabledError in between', async () => {
  await pairUser('dave');
  await api.createUserTerminal('dave', 'laptop', 'term-d');
  assert.equal((await api.setToopherEnabledForUser('dave', false)).toopherAuthenticationEnabled, false);
  await assert.rejects(api.authenticateByUserName('dave', 'term-d'), UserDisabledError);
  assert.equal((await api.setToopherEnabledForUser('dave', true)).toopherAuthenticationEnabled, true);
  assert.equal((await api.authenticateByUserName('dave', 'term-d')).pending, true);
});

test('round-trips names with tricky characters through the verifying sandbox', async () => {
  const name = "Zoë O'Brien + * ( ) ! ~ / & = % 日本";
  await pairUser(name);
  const [user] = await api.getUsersByName(name);
  assert.equal(user?.name, name);
  assert.equal((await api.getUser(user.id)).name, name);
  const terminal = await api.createUserTerminal(name, "terminal (1) + 'x' & y", 'id/with spaces+%');
  assert.equal((await api.getUserTerminal(terminal.id)).requesterSpecifiedId, 'id/with spaces+%');
});

test('lists a user\'s pairings and resets the user', async () => {
  const pairingId = await pairUser('erin');
  const [user] = await api.getUsersByName('erin');
  assert.ok(user !== undefined);
  assert.deepEqual((await api.getUserPairings(user.id)).map((p) => p.id), [pairingId]);
  await api.resetUser('erin');
  assert.equal((await api.getPairingStatus(pairingId)).enabled, false);
});

test('is refused with 401 when the consumer secret is wrong', async () => {
  const wrong = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: 'wrong', baseUrl: sandbox.apiUrl });
  await assert.rejects(wrong.getUsersByName('alice'), (error: unknown) => {
    assert.ok(error instanceof ToopherApiError);
    assert.equal(error.status, 401);
    return true;
  });
});

test('is refused with 401 when the clock is far off (stale timestamp)', async () => {
  const stale = createToopherApiWithSeams(
    { consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl },
    { clock: () => Date.now() - 3_600_000 },
  );
  await assert.rejects(stale.getUsersByName('alice'), (error: unknown) => error instanceof ToopherApiError && error.status === 401);
});

test('is refused with 401 when a nonce is reused', async () => {
  const replaying = createToopherApiWithSeams(
    { consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl },
    { nonce: () => 'the-same-nonce' },
  );
  await replaying.getUsersByName('alice');
  await assert.rejects(replaying.getUsersByName('alice'), (error: unknown) => error instanceof ToopherApiError && error.status === 401);
});

test('maps the sandbox faults garbage, reset and hang to their error classes', async (t) => {
  t.after(() => sandbox.phone.clearFaults());
  const quick = new ToopherApi({
    consumerKey: sandbox.consumerKey,
    consumerSecret: sandbox.consumerSecret,
    baseUrl: sandbox.apiUrl,
    timeoutMs: 100,
    retry: 0,
  });
  await sandbox.phone.setFaults({ mode: 'garbage' });
  await assert.rejects(quick.getUsersByName('alice'), ToopherResponseError);
  await sandbox.phone.setFaults({ mode: 'reset' });
  await assert.rejects(quick.getUsersByName('alice'), ToopherNetworkError);
  await sandbox.phone.setFaults({ mode: 'hang' });
  await assert.rejects(quick.getUsersByName('alice'), ToopherTimeoutError);
});
