import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { signedApi, type SignedApi, type SignedResponse } from '../helpers/sign-request.js';

interface Json {
  readonly [key: string]: unknown;
}

interface Fixture {
  readonly sandbox: Sandbox;
  readonly api: SignedApi;
  /** The fake clock's current time; advance with `advance`. */
  advance(ms: number): void;
}

async function start(t: TestContext, options: SandboxOptions = {}): Promise<Fixture> {
  let now = Date.now();
  const sandbox = await createSandbox({ clock: () => now, ...options });
  t.after(() => sandbox.close());
  return {
    sandbox,
    api: signedApi(sandbox.apiUrl, sandbox),
    advance: (ms) => {
      now += ms;
    },
  };
}

function json(res: SignedResponse): Json {
  return res.json as Json;
}

function assertApiError(res: SignedResponse, status: number, code: number): void {
  assert.equal(res.status, status, res.text);
  assert.equal(json(res)['error_code'], code, res.text);
  assert.equal(typeof json(res)['error_message'], 'string');
}

async function pair(f: Fixture, name: string): Promise<string> {
  const phrase = await f.sandbox.phone.createPairingPhrase();
  const id = String(json(await f.api.post('pairings/create', { pairing_phrase: phrase, user_name: name }))['id']);
  await f.sandbox.phone.respondToPairing(id, true);
  return id;
}

/** A paired user `u` with the named terminal `laptop` (requester id `t1`). */
async function ready(t: TestContext, options: SandboxOptions = {}): Promise<Fixture & { pairingId: string }> {
  const f = await start(t, options);
  const pairingId = await pair(f, 'u');
  await f.api.post('user_terminals/create', { user_name: 'u', name: 'laptop', requester_specified_id: 't1' });
  return { ...f, pairingId };
}

const initiate = (f: Fixture, extra: Record<string, string> = {}): Promise<SignedResponse> =>
  f.api.post('authentication_requests/initiate', { user_name: 'u', requester_specified_terminal_id: 't1', ...extra });

test('walks the zero-storage errors in order: 705, 704, 707, 706, then success', async (t) => {
  const f = await start(t);
  const attempt = (): Promise<SignedResponse> => initiate(f);

  assertApiError(await attempt(), 409, 705);
  const user = json(await f.api.post('users/create', { name: 'u' }));
  assertApiError(await attempt(), 409, 705); // known user, never paired

  const pairingId = await pair(f, 'u');
  await f.api.post(`users/${String(user['id'])}`, { toopher_authentication_enabled: 'false' });
  await f.sandbox.phone.deactivatePairing(pairingId);
  const disabled = await attempt();
  assertApiError(disabled, 409, 704); // disabled wins over a deactivated pairing
  assert.equal(json(disabled)['error_message'], 'The specified user has disabled Toopher authentication.');

  await f.api.post(`users/${String(user['id'])}`, { toopher_authentication_enabled: 'true' });
  const deactivated = await attempt();
  assertApiError(deactivated, 409, 707);
  assert.equal(json(deactivated)['error_message'], 'Not allowed: This pairing has been deactivated.');

  await pair(f, 'u');
  assertApiError(await attempt(), 409, 706);

  await f.api.post('user_terminals/create', { user_name: 'u', name: 'laptop', requester_specified_id: 't1' });
  const ok = await attempt();
  assert.equal(ok.status, 200, ok.text);
  assert.equal(json(ok)['pending'], true);
});

test('answers the legacy 601 while the only pairing was never accepted', async (t) => {
  const f = await start(t);
  const phrase = await f.sandbox.phone.createPairingPhrase();
  await f.api.post('pairings/create', { pairing_phrase: phrase, user_name: 'u' });
  const res = await initiate(f);
  assertApiError(res, 409, 601);
  assert.equal((res.json as Record<string, unknown>)['error_message'], 'Pairing has not been authorized to authenticate');
});

test('keeps terminals apart per requester-specified id', async (t) => {
  const f = await ready(t);
  assertApiError(await initiate(f, { requester_specified_terminal_id: 't2' }), 409, 706);
  assertApiError(await initiate(f, { requester_specified_terminal_id: '', terminal_name_extra: 'other' }), 409, 706);
  assert.equal((await initiate(f, { requester_specified_terminal_id: '', terminal_name_extra: 't1' })).status, 200);
});

test('answers 707 for a deactivated pairing used by id', async (t) => {
  const f = await ready(t);
  await f.sandbox.phone.deactivatePairing(f.pairingId);
  const res = await f.api.post('authentication_requests/initiate', { pairing_id: f.pairingId, terminal_name: 'x' });
  assertApiError(res, 409, 707);
});

test('grants the request at once when initiate carries the current OTP', async (t) => {
  const f = await ready(t);
  const otp = await f.sandbox.phone.getOtp(f.pairingId);
  assert.match(otp, /^\d{6}$/);
  const request = json(await initiate(f, { otp }));
  assert.deepEqual([request['pending'], request['granted'], request['automated']], [false, true, false]);
});

test('accepts an OTP up to two 30-second steps old', async (t) => {
  const f = await ready(t);
  const otp = await f.sandbox.phone.getOtp(f.pairingId);
  f.advance(60_000);
  assert.equal(json(await initiate(f, { otp }))['granted'], true);
});

test('denies the request when initiate carries a wrong or expired OTP', async (t) => {
  const f = await ready(t);
  const wrong = json(await initiate(f, { otp: 'abcdef' }));
  assert.deepEqual([wrong['pending'], wrong['granted'], wrong['reason']], [false, false, 'Invalid OTP']);

  const otp = await f.sandbox.phone.getOtp(f.pairingId);
  f.advance(120_000);
  const expired = json(await initiate(f, { otp }));
  assert.deepEqual([expired['pending'], expired['granted'], expired['reason']], [false, false, 'Invalid OTP']);
});

test('decides a pending request with otp_auth: right OTP grants, wrong OTP denies', async (t) => {
  const f = await ready(t);
  const first = json(await initiate(f));
  const otp = await f.sandbox.phone.getOtp(f.pairingId);
  const granted = json(await f.api.post(`authentication_requests/${String(first['id'])}/otp_auth`, { otp }));
  assert.deepEqual([granted['pending'], granted['granted']], [false, true]);

  const second = json(await initiate(f));
  const denied = json(await f.api.post(`authentication_requests/${String(second['id'])}/otp_auth`, { otp: '000000' === otp ? '111111' : '000000' }));
  assert.deepEqual([denied['pending'], denied['granted'], denied['reason']], [false, false, 'Invalid OTP']);

  const again = await f.api.post(`authentication_requests/${String(second['id'])}/otp_auth`, { otp });
  assertApiError(again, 409, 409);
  assertApiError(await f.api.post(`authentication_requests/${String(second['id'])}/otp_auth`), 400, 400);
});

test('lets otp_auth decide a request that timed out waiting for the phone', async (t) => {
  const f = await ready(t, { pendingTimeoutMs: 30_000 });
  const request = json(await initiate(f));
  f.advance(30_000);
  const otp = await f.sandbox.phone.getOtp(f.pairingId);
  const res = json(await f.api.post(`authentication_requests/${String(request['id'])}/otp_auth`, { otp }));
  assert.equal(res['granted'], true);
});

test('times out a request left pending longer than pendingTimeoutMs', async (t) => {
  const f = await ready(t, { pendingTimeoutMs: 90_000 });
  const request = json(await initiate(f));
  f.advance(89_999);
  const id = String(request['id']);
  assert.equal(json(await f.api.get(`authentication_requests/${id}`))['pending'], true);
  f.advance(1);
  const expired = json(await f.api.get(`authentication_requests/${id}`));
  assert.deepEqual(
    [expired['pending'], expired['granted'], expired['cancelled'], expired['reason']],
    [false, false, false, 'Request timed out'],
  );
  await assert.rejects(f.sandbox.phone.respondToAuthenticationRequest(id, true), { toopherCode: 409, status: 409 });
});

test('reads the phone answer: granted, or denied', async (t) => {
  const f = await ready(t);
  const a = String(json(await initiate(f))['id']);
  const b = String(json(await initiate(f))['id']);
  await f.sandbox.phone.respondToAuthenticationRequest(a, true);
  await f.sandbox.phone.respondToAuthenticationRequest(b, false);
  const ga = json(await f.api.get(`authentication_requests/${a}`));
  const gb = json(await f.api.get(`authentication_requests/${b}`));
  assert.deepEqual([ga['pending'], ga['granted'], ga['automated']], [false, true, false]);
  assert.deepEqual([gb['pending'], gb['granted']], [false, false]);
});

test('automates later requests for the same user, terminal and action after "grant and automate"', async (t) => {
  const f = await ready(t);
  const first = String(json(await initiate(f))['id']);
  await f.sandbox.phone.respondToAuthenticationRequest(first, true, true);
  const next = json(await initiate(f));
  assert.deepEqual([next['pending'], next['granted'], next['automated']], [false, true, true]);
  const otherAction = json(await initiate(f, { action_name: 'Delete account' }));
  assert.equal(otherAction['pending'], true);
  await f.api.post('user_terminals/create', { user_name: 'u', name: 'tablet', requester_specified_id: 't2' });
  assert.equal(json(await initiate(f, { requester_specified_terminal_id: 't2' }))['pending'], true);
});

test('never automates a request sent with automation_allowed=false', async (t) => {
  const f = await ready(t);
  const first = String(json(await initiate(f))['id']);
  await f.sandbox.phone.respondToAuthenticationRequest(first, true, true);
  for (const value of ['false', 'False', '0', 'NO']) {
    const res = json(await initiate(f, { automation_allowed: value }));
    assert.deepEqual([res['pending'], res['automated'], res['automation_allowed']], [true, false, false], value);
  }
  assertApiError(await initiate(f, { automation_allowed: 'sometimes' }), 400, 400);
});

test('stores an automatic denial when the phone denies with automate', async (t) => {
  const f = await ready(t);
  const first = String(json(await initiate(f))['id']);
  await f.sandbox.phone.respondToAuthenticationRequest(first, false, true);
  const next = json(await initiate(f));
  assert.deepEqual([next['pending'], next['granted'], next['automated']], [false, false, true]);
});

test('auto-responds to pairings and requests at once, or after a delay', async (t) => {
  const f = await start(t);
  await f.sandbox.phone.setAutoRespond({ granted: true });
  const phrase = await f.sandbox.phone.createPairingPhrase();
  const pairing = json(await f.api.post('pairings/create', { pairing_phrase: phrase, user_name: 'u' }));
  assert.equal(pairing['enabled'], true);
  await f.api.post('user_terminals/create', { user_name: 'u', name: 'pc' });
  const now = json(await f.api.post('authentication_requests/initiate', { user_name: 'u', terminal_name: 'pc' }));
  assert.equal(now['granted'], true);

  await f.sandbox.phone.setAutoRespond({ granted: false, delayMs: 20 });
  const later = json(await f.api.post('authentication_requests/initiate', { user_name: 'u', terminal_name: 'pc' }));
  assert.equal(later['pending'], true);
  const deadline = Date.now() + 5_000;
  let status = later;
  while (status['pending'] === true && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    status = json(await f.api.get(`authentication_requests/${String(later['id'])}`));
  }
  assert.deepEqual([status['pending'], status['granted']], [false, false]);

  await f.sandbox.phone.clearAutoRespond();
  const manual = json(await f.api.post('authentication_requests/initiate', { user_name: 'u', terminal_name: 'pc' }));
  assert.equal(manual['pending'], true);
});

test('answers 429 after too many wrong OTPs for a pairing, until the window passes', async (t) => {
  const f = await ready(t, { otpRateLimit: { maxAttempts: 2, windowMs: 60_000 } });
  await initiate(f, { otp: '000001' });
  await initiate(f, { otp: '000002' });
  const otp = await f.sandbox.phone.getOtp(f.pairingId);
  assertApiError(await initiate(f, { otp }), 429, 429);
  const pending = (await initiate(f)).json as Json;
  assertApiError(await f.api.post(`authentication_requests/${String(pending['id'])}/otp_auth`, { otp }), 429, 429);
  f.advance(60_001);
  const fresh = await f.sandbox.phone.getOtp(f.pairingId);
  assert.equal(json(await initiate(f, { otp: fresh }))['granted'], true);
});

test('a correct OTP does not count toward the wrong-OTP limit', async (t) => {
  const f = await ready(t, { otpRateLimit: { maxAttempts: 2, windowMs: 60_000 } });
  for (let i = 0; i < 3; i += 1) {
    const otp = await f.sandbox.phone.getOtp(f.pairingId);
    assert.equal(json(await initiate(f, { otp }))['granted'], true, `correct code ${i + 1}`);
  }
});
