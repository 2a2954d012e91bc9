import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ToopherApi } from '../../src/api/client.js';
import { PairingDeactivatedError, TerminalUnknownError } from '../../src/errors.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { signedApi, type SignedApi, type SignedResponse } from '../helpers/sign-request.js';

type Json = Record<string, unknown>;

async function start(t: TestContext): Promise<{ sandbox: Sandbox; api: SignedApi; client: ToopherApi }> {
  const sandbox = await createSandbox();
  t.after(() => sandbox.close());
  const client = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  return { sandbox, api: signedApi(sandbox.apiUrl, sandbox), client };
}

async function pair(sandbox: Sandbox, api: SignedApi, userName: string, accept = true): Promise<string> {
  const phrase = await sandbox.phone.createPairingPhrase();
  const id = String((((await api.post('pairings/create', { pairing_phrase: phrase, user_name: userName })).json) as Json)['id']);
  if (accept) await sandbox.phone.respondToPairing(id, true);
  return id;
}

function error(res: SignedResponse): [number, unknown, unknown] {
  const body = res.json as Json;
  return [res.status, body['error_code'], body['error_message']];
}

test('initiate with a pairing id and an empty terminal_name is accepted (toopher-wordpress XML-RPC)', async (t) => {
  const { sandbox, api } = await start(t);
  const id = await pair(sandbox, api, 'wp');
  const res = await api.post('authentication_requests/initiate', { pairing_id: id, terminal_name: '', action_name: 'xmlrpc', automation_allowed: 'false' });
  assert.equal(res.status, 200);
  assert.equal((res.json as Json)['pending'], true);
});

test('a pairing never accepted answers 601 "Pairing has not been authorized to authenticate" (409), mapped to PairingDeactivatedError', async (t) => {
  const { sandbox, api, client } = await start(t);
  const pending = await pair(sandbox, api, 'p', false);
  const expected = [409, 601, 'Pairing has not been authorized to authenticate'];
  assert.deepEqual(error(await api.post('authentication_requests/initiate', { pairing_id: pending, terminal_name: 't' })), expected);
  assert.deepEqual(error(await api.post('authentication_requests/initiate', { user_name: 'p', terminal_name: 't' })), expected);
  await assert.rejects(client.authenticate(pending, 't'), (err: unknown) => err instanceof PairingDeactivatedError && err.toopherCode === 601);

  const denied = await pair(sandbox, api, 'd', false);
  await sandbox.phone.respondToPairing(denied, false);
  assert.deepEqual(error(await api.post('authentication_requests/initiate', { pairing_id: denied, terminal_name: 't' })), expected);

  // A pairing that was accepted and then removed keeps its own code.
  const removed = await pair(sandbox, api, 'r');
  await sandbox.phone.deactivatePairing(removed);
  assert.equal(error(await api.post('authentication_requests/initiate', { user_name: 'r', terminal_name: 't' }))[1], 707);
});

test('by user name, a terminal name never used answers 706; a known one or one created later is accepted', async (t) => {
  const { sandbox, api, client } = await start(t);
  await pair(sandbox, api, 'z');
  const byName = (name: string): Promise<SignedResponse> =>
    api.post('authentication_requests/initiate', { user_name: 'z', terminal_name: name });
  assert.deepEqual(error(await byName('new laptop')), [409, 706, 'No matching terminal exists.']);
  await api.post('user_terminals/create', { user_name: 'z', name: 'new laptop' });
  assert.equal((await byName('new laptop')).status, 200);
  // With a requester terminal id the id decides: unknown is 706 whatever the name.
  const withId = await api.post('authentication_requests/initiate', { user_name: 'z', terminal_name: 'new laptop', requester_specified_terminal_id: 'cookie-1' });
  assert.equal(error(withId)[1], 706);
  await assert.rejects(client.authenticateByUserName('z', 'cookie-1'), TerminalUnknownError);
  await api.post('user_terminals/create', { user_name: 'z', name: 'office pc', requester_specified_id: 'cookie-1' });
  const known = (await api.post('authentication_requests/initiate', { user_name: 'z', terminal_name: 'other label', requester_specified_terminal_id: 'cookie-1' })).json as Json;
  assert.equal((known['terminal'] as Json)['name'], 'office pc');
});

test('a pairing that requires an OTP answers initiate with reason_code 708 and no push; otp_auth decides', async (t) => {
  const { sandbox, api, client } = await start(t);
  const id = await pair(sandbox, api, 'radius');
  await api.post('user_terminals/create', { user_name: 'radius', name: 'nas', requester_specified_id: 'nas-1' });
  const control = await fetch(`${sandbox.url}/sandbox/pairings/${id}/require_otp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ required: true }),
  });
  assert.equal(control.status, 200);
  const [listed] = await sandbox.phone.listPairings('radius');
  assert.equal(listed?.otp_required, true);

  await sandbox.phone.setAutoRespond({ granted: true });
  const request = await client.authenticateByUserName('radius', 'nas-1');
  assert.deepEqual([request.pending, request.reasonCode, request.reason], [true, 708, 'User requires OTP authentication']);
  await assert.rejects(sandbox.phone.respondToAuthenticationRequest(request.id, true), /waits for an OTP/);
  assert.equal((await client.getAuthenticationStatus(request.id)).pending, true);
  const decided = await client.authenticateWithOtp(request.id, await sandbox.phone.getOtp(id));
  assert.deepEqual([decided.pending, decided.granted], [false, true]);

  await sandbox.phone.setOtpRequired(id, false);
  const pushed = await client.authenticateByUserName('radius', 'nas-1');
  assert.deepEqual([pushed.reasonCode, pushed.granted], [0, true]);
});
