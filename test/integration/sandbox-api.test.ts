import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { signedApi, type SignedApi } from '../helpers/sign-request.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function start(t: TestContext, options: SandboxOptions = {}): Promise<{ sandbox: Sandbox; api: SignedApi }> {
  const sandbox = await createSandbox(options);
  t.after(() => sandbox.close());
  return { sandbox, api: signedApi(sandbox.apiUrl, sandbox) };
}

interface Json {
  readonly [key: string]: unknown;
}

function obj(value: unknown): Json {
  assert.equal(typeof value, 'object');
  assert.notEqual(value, null);
  return value as Json;
}

function field(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((v, key) => obj(v)[key], value);
}

/** Pairs `name` through a phone phrase and grants it; returns the pairing id. */
async function pair(sandbox: Sandbox, api: SignedApi, name: string): Promise<string> {
  const phrase = await sandbox.phone.createPairingPhrase();
  const res = await api.post('pairings/create', { pairing_phrase: phrase, user_name: name });
  assert.equal(res.status, 200, res.text);
  const id = String(field(res.json, 'id'));
  await sandbox.phone.respondToPairing(id, true);
  return id;
}

test('pairs a user with a phone phrase: pending until the phone grants it', async (t) => {
  const { sandbox, api } = await start(t);
  const phrase = await sandbox.phone.createPairingPhrase();
  assert.doesNotMatch(phrase, /\d/);
  const created = await api.post('pairings/create', { pairing_phrase: phrase, user_name: 'jdoe' });
  assert.equal(created.status, 200);
  assert.match(created.contentType, /application\/json/);
  const pairing = obj(created.json);
  assert.match(String(pairing['id']), UUID_V4);
  assert.equal(pairing['pending'], true);
  assert.equal(pairing['enabled'], false);
  assert.equal(field(pairing, 'user', 'name'), 'jdoe');
  assert.equal(field(pairing, 'user', 'toopher_authentication_enabled'), true);
  assert.equal(field(pairing, 'user', 'disable_toopher_auth'), false);

  await sandbox.phone.respondToPairing(String(pairing['id']), true);
  const status = await api.get(`pairings/${String(pairing['id'])}`);
  assert.equal(status.status, 200);
  assert.equal(field(status.json, 'pending'), false);
  assert.equal(field(status.json, 'enabled'), true);
});

test('reads a pairing refused on the phone as not pending and not enabled', async (t) => {
  const { sandbox, api } = await start(t);
  const phrase = await sandbox.phone.createPairingPhrase();
  const id = String(field((await api.post('pairings/create', { pairing_phrase: phrase, user_name: 'u' })).json, 'id'));
  await sandbox.phone.respondToPairing(id, false);
  const status = obj((await api.get(`pairings/${id}`)).json);
  assert.deepEqual([status['pending'], status['enabled']], [false, false]);
});

test('refuses an unknown pairing phrase with 400 and uses each phrase once', async (t) => {
  const { sandbox, api } = await start(t);
  const unknown = await api.post('pairings/create', { pairing_phrase: 'no such phrase', user_name: 'u' });
  assert.equal(unknown.status, 400);
  assert.deepEqual(unknown.json, {
    error_code: 400,
    error_message: 'No pending pairing requests with specified pairing_phrase',
  });
  const phrase = await sandbox.phone.createPairingPhrase();
  assert.equal((await api.post('pairings/create', { pairing_phrase: phrase, user_name: 'u' })).status, 200);
  assert.equal((await api.post('pairings/create', { pairing_phrase: phrase, user_name: 'u' })).status, 400);
});

test('accepts the legacy pairing_token spelling and a user_id instead of a user_name', async (t) => {
  const { sandbox, api } = await start(t);
  const user = obj((await api.post('users/create', { name: 'alice' })).json);
  const phrase = await sandbox.phone.createPairingPhrase();
  const res = await api.post('pairings/create', { pairing_token: phrase, user_id: String(user['id']) });
  assert.equal(res.status, 200, res.text);
  assert.equal(field(res.json, 'user', 'id'), user['id']);
});

test('denies a pairing left pending longer than pairingTimeoutMs', async (t) => {
  let now = Date.now();
  const { sandbox, api } = await start(t, { clock: () => now, pairingTimeoutMs: 60_000 });
  const phrase = await sandbox.phone.createPairingPhrase();
  const id = String(field((await api.post('pairings/create', { pairing_phrase: phrase, user_name: 'u' })).json, 'id'));
  now += 60_000;
  const status = obj((await api.get(`pairings/${id}`)).json);
  assert.deepEqual([status['pending'], status['enabled']], [false, false]);
  await assert.rejects(sandbox.phone.respondToPairing(id, true), { toopherCode: 409 });
});

test('starts an SMS pairing and validates the phone number', async (t) => {
  const { sandbox, api } = await start(t);
  const res = await api.post('pairings/create/sms', { phone_number: '+1 555-555-5555', user_name: 'u', phone_country: '1' });
  assert.equal(res.status, 200, res.text);
  assert.equal(field(res.json, 'pending'), true);
  await sandbox.phone.respondToPairing(String(field(res.json, 'id')), true);
  assert.equal((await api.post('pairings/create/sms', { phone_number: 'call me', user_name: 'u' })).status, 400);
  const missing = await api.post('pairings/create/sms', { user_name: 'u' });
  assert.deepEqual(missing.json, { error_code: 400, error_message: 'Missing required parameter: phone_number' });
});

test('starts a QR pairing and serves its code as a PNG that the phone page can open', async (t) => {
  const { sandbox, api } = await start(t);
  const res = await api.post('pairings/create/qr', { user_name: 'u' });
  assert.equal(res.status, 200);
  const id = String(field(res.json, 'id'));
  const png = await fetch(`${sandbox.apiUrl}/qr/pairings/${id}`, {
    headers: {
      authorization: (await import('../helpers/sign-request.js')).authorizationHeader({
        method: 'GET',
        url: `${sandbox.apiUrl}/qr/pairings/${id}`,
        consumerKey: sandbox.consumerKey,
        consumerSecret: sandbox.consumerSecret,
      }),
    },
  });
  assert.equal(png.status, 200);
  assert.equal(png.headers.get('content-type'), 'image/png');
  const bytes = Buffer.from(await png.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const scanned = await fetch(`${sandbox.url}/r/pairings/${id}`, { redirect: 'manual' });
  assert.equal(scanned.status, 303);
  assert.equal(scanned.headers.get('location'), `/phone#pairing-${id}`);
});

test('answers 404 with a JSON error for unknown ids and unknown endpoints', async (t) => {
  const { api } = await start(t);
  const unknown = await api.get('pairings/12345678-1234-4123-8123-1234567890ab');
  assert.equal(unknown.status, 404);
  assert.equal(field(unknown.json, 'error_code'), 404);
  assert.equal((await api.get('authentication_requests/not-a-uuid')).status, 404);
  const endpoint = await api.get('no/such/endpoint');
  assert.equal(endpoint.status, 404);
  assert.equal(field(endpoint.json, 'error_code'), 404);
});

test('hides every id of another consumer behind 404', async (t) => {
  const consumers = [
    { key: 'alpha', secret: 'alpha-secret' },
    { key: 'beta', secret: 'beta-secret' },
  ];
  const { sandbox, api } = await start(t, { consumers });
  const other = signedApi(sandbox.apiUrl, { consumerKey: 'beta', consumerSecret: 'beta-secret' });
  const pairingId = await pair(sandbox, api, 'jdoe');
  const terminal = obj((await api.post('user_terminals/create', { user_name: 'jdoe', name: 'pc', requester_specified_id: 't1' })).json);
  const request = obj(
    (await api.post('authentication_requests/initiate', { user_name: 'jdoe', requester_specified_terminal_id: 't1' })).json,
  );
  const userId = String(field(request, 'user', 'id'));
  for (const path of [
    `pairings/${pairingId}`,
    `authentication_requests/${String(request['id'])}`,
    `user_terminals/${String(terminal['id'])}`,
    `users/${userId}`,
    `users/${userId}/pairings`,
    `qr/pairings/${pairingId}`,
  ]) {
    assert.equal((await other.get(path)).status, 404, path);
  }
  assert.equal((await other.post(`authentication_requests/${String(request['id'])}/otp_auth`, { otp: '123456' })).status, 404);
  assert.equal((await other.post(`users/${userId}`, { toopher_authentication_enabled: 'false' })).status, 404);
  const byName = await other.post('authentication_requests/initiate', { user_name: 'jdoe', requester_specified_terminal_id: 't1' });
  assert.equal(field(byName.json, 'error_code'), 705);
  assert.deepEqual((await other.get('users', { name: 'jdoe' })).json, []);
  assert.equal(String(field(request, 'user', 'requester', 'name')), 'Sandbox requester 1');
});

test('generates a single-use reset link whose page deactivates the pairing', async (t) => {
  const { sandbox, api } = await start(t);
  const id = await pair(sandbox, api, 'u');
  const link = obj((await api.post(`pairings/${id}/generate_reset_link`, { security_question: '', security_answer: '' })).json);
  const url = String(link['url']);
  assert.ok(url.startsWith(`${sandbox.apiUrl}/pairings/${id}/reset?reset_authorization=`), url);
  assert.equal(typeof link['reset_authorization'], 'string');
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Reset pairing/);
  const done = await fetch(url.split('?')[0] ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ reset_authorization: String(link['reset_authorization']) }).toString(),
  });
  assert.equal(done.status, 200);
  assert.equal(field((await api.get(`pairings/${id}`)).json, 'deactivated'), true);
  assert.equal((await fetch(url)).status, 404);
});

test('records a reset e-mail and requires reset_email', async (t) => {
  const { sandbox, api } = await start(t);
  const id = await pair(sandbox, api, 'u');
  const missing = await api.post(`pairings/${id}/send_reset_link`);
  assert.equal(missing.status, 400);
  const sent = await api.post(`pairings/${id}/send_reset_link`, { reset_email: 'u@example.com' });
  assert.equal(sent.status, 200);
  assert.deepEqual(sent.json, {});
  const outbox = (await (await fetch(`${sandbox.url}/sandbox/reset_emails`)).json()) as Json[];
  assert.equal(outbox.length, 1);
  assert.equal(outbox[0]?.['email'], 'u@example.com');
});

test('deactivates a pairing through the admin deactivated=True form', async (t) => {
  const { sandbox, api } = await start(t);
  const id = await pair(sandbox, api, 'u');
  const res = await api.post(`pairings/${id}`, { deactivated: 'True' });
  assert.equal(res.status, 200);
  assert.deepEqual([field(res.json, 'deactivated'), field(res.json, 'enabled')], [true, false]);
});

test('creates, reads, finds, disables and resets users', async (t) => {
  const { sandbox, api } = await start(t);
  const created = obj((await api.post('users/create', { name: 'bob', foo: 'bar' })).json);
  assert.match(String(created['id']), UUID_V4);
  assert.equal(created['toopher_authentication_enabled'], true);
  const id = String(created['id']);
  assert.deepEqual((await api.get(`users/${id}`)).json, created);
  assert.deepEqual((await api.get('users', { name: 'bob' })).json, [created]);
  assert.deepEqual((await api.get('users', { user_name: 'bob' })).json, [created]);
  assert.deepEqual((await api.get('users', { name: 'nobody' })).json, []);
  const duplicate = await api.post('users/create', { name: 'bob' });
  assert.equal(duplicate.status, 409);

  const disabled = obj((await api.post(`users/${id}`, { toopher_authentication_enabled: 'FALSE' })).json);
  assert.deepEqual([disabled['toopher_authentication_enabled'], disabled['disable_toopher_auth']], [false, true]);
  const enabled = obj((await api.post(`users/${id}`, { disable_toopher_auth: 'no' })).json);
  assert.equal(enabled['toopher_authentication_enabled'], true);
  assert.equal((await api.post(`users/${id}`, { toopher_authentication_enabled: 'maybe' })).status, 400);

  const first = await pair(sandbox, api, 'bob');
  await pair(sandbox, api, 'bob');
  assert.equal(((await api.get(`users/${id}/pairings`)).json as unknown[]).length, 2);
  await sandbox.phone.deactivatePairing(first);
  const active = (await api.get(`users/${id}/pairings`, { deactivated: '0' })).json as Json[];
  assert.equal(active.length, 1);
  assert.equal(active[0]?.['deactivated'], false);

  const reset = await api.post('users/reset', { name: 'bob' });
  assert.equal(reset.status, 200);
  assert.deepEqual(reset.json, {});
  const after = (await api.get(`users/${id}/pairings`, { deactivated: 'false' })).json as unknown[];
  assert.deepEqual(after, []);
  assert.equal(field((await api.post('users/reset', { user_name: 'nobody' })).json, 'error_code'), 705);
});

test('creates user terminals under every alias and reads them back', async (t) => {
  const { sandbox, api } = await start(t);
  await pair(sandbox, api, 'u');
  const a = obj((await api.post('user_terminals/create', { user_name: 'u', name: 'laptop', name_extra: 'x1' })).json);
  assert.deepEqual([a['name'], a['requester_specified_id'], a['name_extra']], ['laptop', 'x1', 'x1']);
  const b = obj(
    (await api.post('user_terminals/create', { user_name: 'u', terminal_name: 'phone', requester_specified_id: 'x2' })).json,
  );
  assert.equal(b['name'], 'phone');
  assert.deepEqual((await api.get(`user_terminals/${String(a['id'])}`)).json, a);
  const unknownUser = await api.post('user_terminals/create', { user_name: 'ghost', name: 'n', name_extra: 'x' });
  assert.equal(unknownUser.status, 409);
  assert.equal(field(unknownUser.json, 'error_code'), 705);
  assert.equal((await api.post('user_terminals/create', { user_name: 'u' })).status, 400);
});

test('authenticates by pairing id and terminal name, reusing the named terminal', async (t) => {
  const { sandbox, api } = await start(t);
  const id = await pair(sandbox, api, 'u');
  const first = obj((await api.post('authentication_requests/initiate', { pairing_id: id, terminal_name: 'desk' })).json);
  assert.equal(first['pending'], true);
  assert.equal(field(first, 'action', 'name'), 'Log In');
  assert.equal(field(first, 'terminal', 'name'), 'desk');
  const second = obj(
    (await api.post('authentication_requests/initiate', { pairing_id: id, terminal_name: 'desk', action_name: 'Pay' })).json,
  );
  assert.equal(field(second, 'terminal', 'id'), field(first, 'terminal', 'id'));
  assert.equal(field(second, 'action', 'name'), 'Pay');
  // No (or an empty) terminal name with a pairing id: the pairing's unnamed terminal (WordPress XML-RPC sends this).
  const unnamed = obj((await api.post('authentication_requests/initiate', { pairing_id: id, terminal_name: '' })).json);
  assert.equal(field(unnamed, 'terminal', 'name'), '');
  const again = obj((await api.post('authentication_requests/initiate', { pairing_id: id })).json);
  assert.equal(field(again, 'terminal', 'id'), field(unnamed, 'terminal', 'id'));
});

test('treats empty strings as absent and ignores unknown parameters (1.x zero-storage form)', async (t) => {
  const { sandbox, api } = await start(t);
  await pair(sandbox, api, 'u');
  await api.post('user_terminals/create', { user_name: 'u', name: 'pc', name_extra: 'k' });
  const res = await api.post('authentication_requests/initiate', {
    pairing_id: '',
    terminal_name: '',
    user_name: 'u',
    terminal_name_extra: 'k',
    action: 'Sign',
    test_param: '42',
    actionName: 'ignored',
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(field(res.json, 'action', 'name'), 'Sign');
});

test('reports the request in the v1 shape with JSON types the SDKs require', async (t) => {
  const { sandbox, api } = await start(t);
  await pair(sandbox, api, 'u');
  await api.post('user_terminals/create', { user_name: 'u', name: 'pc', requester_specified_id: 'k' });
  const res = await api.post('authentication_requests/initiate', { user_name: 'u', requester_specified_terminal_id: 'k' });
  const request = obj(res.json);
  assert.match(String(request['id']), UUID_V4);
  for (const key of ['pending', 'granted', 'automated', 'cancelled']) assert.equal(typeof request[key], 'boolean', key);
  assert.equal(request['reason'], '');
  assert.equal(request['reason_code'], 0);
  assert.equal(field(request, 'terminal', 'requester_specified_id'), 'k');
  assert.equal(field(request, 'terminal', 'user', 'name'), 'u');
  assert.deepEqual((await api.get(`authentication_requests/${String(request['id'])}`)).json, request);
});

test('cancels a pending request', async (t) => {
  const { sandbox, api } = await start(t);
  const id = await pair(sandbox, api, 'u');
  const request = obj((await api.post('authentication_requests/initiate', { pairing_id: id, terminal_name: 't' })).json);
  const cancelled = obj((await api.post(`authentication_requests/${String(request['id'])}/cancel`)).json);
  assert.deepEqual([cancelled['pending'], cancelled['granted'], cancelled['cancelled']], [false, false, true]);
  await assert.rejects(sandbox.phone.respondToAuthenticationRequest(String(request['id']), true), { toopherCode: 409 });
});
