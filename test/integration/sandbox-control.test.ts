import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test, type TestContext } from 'node:test';
import { createSandbox, SandboxError, type Sandbox } from '../../src/sandbox/index.js';
import { authorizationHeader, signedApi, type SignedApi } from '../helpers/sign-request.js';

interface Json {
  readonly [key: string]: unknown;
}

async function start(t: TestContext): Promise<{ sandbox: Sandbox; api: SignedApi }> {
  const sandbox = await createSandbox();
  t.after(() => sandbox.close());
  return { sandbox, api: signedApi(sandbox.apiUrl, sandbox) };
}

async function control(sandbox: Sandbox, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    // A POST is JSON even without fields: the control API refuses other bodies without its token.
    ...(body === undefined && method !== 'POST' ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) }),
  });
  return { status: res.status, json: await res.json() };
}

async function form(sandbox: Sandbox, path: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ sandbox_token: sandbox.controlToken, ...fields }).toString(),
  });
}

test('drives a whole pairing and login through the JSON control API', async (t) => {
  const { sandbox, api } = await start(t);
  const phrase = await control(sandbox, 'POST', '/sandbox/pairing_phrases');
  assert.equal(phrase.status, 200);
  const pairingPhrase = String((phrase.json as Json)['pairing_phrase']);
  assert.match(pairingPhrase, /^[a-z ]+$/);
  await api.post('pairings/create', { pairing_phrase: pairingPhrase, user_name: 'carol' });

  const listed = (await control(sandbox, 'GET', '/sandbox/pairings?user_name=carol')).json as Json[];
  assert.equal(listed.length, 1);
  const pairing = listed[0] ?? {};
  for (const key of ['id', 'enabled', 'pending', 'deactivated', 'user']) assert.ok(key in pairing, key);
  const pairingId = String(pairing['id']);
  assert.deepEqual((await control(sandbox, 'GET', '/sandbox/pairings?user_name=nobody')).json, []);
  assert.equal((await control(sandbox, 'POST', `/sandbox/pairings/${pairingId}/respond`, { granted: true })).status, 200);

  const otp = (await control(sandbox, 'GET', `/sandbox/pairings/${pairingId}/otp`)).json as Json;
  assert.match(String(otp['otp']), /^\d{6}$/);

  await api.post('user_terminals/create', { user_name: 'carol', name: 'pc' });
  const started = (await api.post('authentication_requests/initiate', { user_name: 'carol', terminal_name: 'pc' })).json as Json;
  const requests = (await control(sandbox, 'GET', '/sandbox/authentication_requests?user_name=carol')).json as Json[];
  assert.equal(requests[0]?.['id'], started['id']);
  assert.equal(requests[0]?.['pending'], true);
  const answered = await control(sandbox, 'POST', `/sandbox/authentication_requests/${String(started['id'])}/respond`, {
    granted: true,
    automate: true,
  });
  assert.equal(answered.status, 200);
  const next = (await api.post('authentication_requests/initiate', { user_name: 'carol', terminal_name: 'pc' })).json as Json;
  assert.equal(next['automated'], true);

  assert.equal((await control(sandbox, 'POST', `/sandbox/pairings/${pairingId}/deactivate`)).status, 200);
  const after = await api.post('authentication_requests/initiate', { user_name: 'carol', terminal_name: 'pc' });
  assert.equal((after.json as Json)['error_code'], 707);
});

test('answers control errors as JSON: unknown ids 404, bad bodies 400', async (t) => {
  const { sandbox } = await start(t);
  const unknown = await control(sandbox, 'POST', '/sandbox/pairings/nope/respond', { granted: true });
  assert.equal(unknown.status, 404);
  assert.equal((unknown.json as Json)['error_code'], 404);
  assert.equal((await control(sandbox, 'GET', '/sandbox/pairings/nope/otp')).status, 404);
  assert.equal((await control(sandbox, 'POST', '/sandbox/authentication_requests/nope/respond', { granted: false })).status, 404);
  const noGranted = await control(sandbox, 'POST', '/sandbox/pairings/nope/respond', { automate: 'x' });
  assert.equal(noGranted.status, 400);
  assert.equal((await control(sandbox, 'POST', '/sandbox/faults', { mode: 'explode' })).status, 400);
  assert.equal((await control(sandbox, 'POST', '/sandbox/faults', { rate: 2 })).status, 400);
  assert.equal((await control(sandbox, 'POST', '/sandbox/auto_respond', {})).status, 400);
  const broken = await fetch(`${sandbox.url}/sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"mode":',
  });
  assert.equal(broken.status, 400);
  assert.equal(((await broken.json()) as Json)['error_code'], 400);
});

test('rejects phone calls on unknown ids with a SandboxError', async (t) => {
  const { sandbox } = await start(t);
  await assert.rejects(sandbox.phone.getOtp('nope'), (err: unknown) => err instanceof SandboxError && err.toopherCode === 404);
  await assert.rejects(sandbox.phone.respondToAuthenticationRequest('nope', true), SandboxError);
  await assert.rejects(sandbox.phone.setFaults({ rate: -1 }), SandboxError);
});

test('fails /v1 with the scripted status and JSON body, leaving control routes alone', async (t) => {
  const { sandbox, api } = await start(t);
  assert.equal((await control(sandbox, 'POST', '/sandbox/faults', { status: 503, rate: 1, latencyMs: 0, mode: 'error' })).status, 200);
  const res = await api.get('users', { name: 'x' });
  assert.equal(res.status, 503);
  assert.equal((res.json as Json)['error_code'], 503);
  assert.equal((await control(sandbox, 'GET', '/sandbox/pairings')).status, 200);
  assert.equal((await fetch(`${sandbox.url}/phone`)).status, 200);
  assert.equal((await control(sandbox, 'DELETE', '/sandbox/faults')).status, 200);
  assert.equal((await api.get('users', { name: 'x' })).status, 200);
});

test('answers garbage that is not JSON in garbage mode', async (t) => {
  const { sandbox, api } = await start(t);
  await sandbox.phone.setFaults({ mode: 'garbage' });
  const res = await api.get('users', { name: 'x' });
  assert.equal(res.status, 200);
  assert.throws(() => res.json, SyntaxError);
});

test('drops the connection in reset mode', async (t) => {
  const { sandbox, api } = await start(t);
  await sandbox.phone.setFaults({ mode: 'reset' });
  await assert.rejects(api.get('users', { name: 'x' }), TypeError);
});

test('applies faults only to the listed paths and only at the given rate', async (t) => {
  const { sandbox, api } = await start(t);
  await sandbox.phone.setFaults({ status: 500, paths: ['/v1/authentication_requests'] });
  assert.equal((await api.get('users', { name: 'x' })).status, 200);
  assert.equal((await api.get('authentication_requests/x')).status, 500);
  await sandbox.phone.setFaults({ status: 500, rate: 0 });
  assert.equal((await api.get('users', { name: 'x' })).status, 200);
  await sandbox.phone.setFaults({ latencyMs: 5 });
  assert.equal((await api.get('users', { name: 'x' })).status, 200);
  await sandbox.phone.clearFaults();
});

test('never answers in hang mode, and close() ends the hung request', async (t) => {
  const sandbox = await createSandbox();
  t.after(() => sandbox.close());
  await sandbox.phone.setFaults({ mode: 'hang' });
  const url = `${sandbox.apiUrl}/users?name=x`;
  let settled = false;
  const pending = new Promise<string>((resolve) => {
    const req = httpRequest(url, {
      headers: {
        authorization: authorizationHeader({ method: 'GET', url, consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret }),
      },
    });
    req.on('response', () => resolve('answered'));
    req.on('error', () => resolve('dropped'));
    req.end();
  }).finally(() => {
    settled = true;
  });
  // The control API still answers while /v1 hangs.
  assert.equal((await control(sandbox, 'GET', '/sandbox/pairings')).status, 200);
  assert.equal(settled, false);
  await sandbox.close();
  assert.equal(await pending, 'dropped');
});

test('serves an accessible phone page without script that refreshes itself', async (t) => {
  const { sandbox, api } = await start(t);
  await sandbox.phone.createPairingPhrase();
  const phrase = await sandbox.phone.createPairingPhrase();
  await api.post('pairings/create', { pairing_phrase: phrase, user_name: '<b>eve</b>' });
  const [pairing] = await sandbox.phone.listPairings('<b>eve</b>');
  assert.ok(pairing);
  await sandbox.phone.respondToPairing(pairing.id, true);
  await api.post('authentication_requests/initiate', { pairing_id: pairing.id, terminal_name: 'Kiosk & <i>', action_name: 'Pay' });

  const res = await fetch(`${sandbox.url}/phone`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await res.text();
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /<meta http-equiv="refresh" content="\d+">/);
  assert.match(html, /<html lang="en">/);
  assert.match(html, /&lt;b&gt;eve&lt;\/b&gt;/);
  assert.doesNotMatch(html, /<b>eve<\/b>/);
  assert.match(html, /Kiosk &amp; &lt;i&gt;/);
  assert.match(html, />Pay</);
  for (const label of ['Grant', 'Deny', 'Grant and automate', 'Deactivate', 'New pairing phrase']) {
    assert.match(html, new RegExp(`<button type="submit">${label}</button>`), label);
  }
  assert.match(html, new RegExp(`<code class="otp">${await sandbox.phone.getOtp(pairing.id)}</code>`));
  const off = await (await fetch(`${sandbox.url}/phone?refresh=off`)).text();
  assert.doesNotMatch(off, /http-equiv="refresh"/);
});

test('answers phone page forms with a redirect back to the page', async (t) => {
  const { sandbox, api } = await start(t);
  const created = await form(sandbox, '/sandbox/pairing_phrases', { return_to: '/phone?user_name=x' });
  assert.equal(created.status, 303);
  assert.match(created.headers.get('location') ?? '', /^\/phone\?user_name=x&notice=New%20pairing%20phrase/);
  const [phrase] = (await control(sandbox, 'GET', '/sandbox/pairing_phrases')).json as string[];
  assert.ok(phrase);
  const pairing = (await api.post('pairings/create', { pairing_phrase: phrase, user_name: 'u' })).json as Json;
  const granted = await form(sandbox, `/sandbox/pairings/${String(pairing['id'])}/respond`, { granted: 'true', return_to: '/phone' });
  assert.equal(granted.status, 303);
  assert.equal(granted.headers.get('location'), '/phone');
  const [listed] = await sandbox.phone.listPairings('u');
  assert.equal(listed?.enabled, true);
  const offsite = await form(sandbox, '/sandbox/pairing_phrases', { return_to: 'https://evil.example/' });
  assert.match(offsite.headers.get('location') ?? '', /^\/phone\?notice=/);
  const failed = await form(sandbox, '/sandbox/pairings/nope/deactivate', { return_to: '/phone' });
  assert.equal(failed.status, 303);
  assert.match(failed.headers.get('location') ?? '', /notice=No%20pairing/);
});

test('closes quickly even with an idle keep-alive connection open', async () => {
  const sandbox = await createSandbox();
  const res = await fetch(`${sandbox.url}/sandbox/pairings`, { headers: { connection: 'keep-alive' } });
  await res.text();
  await sandbox.close();
  await sandbox.close();
  await assert.rejects(fetch(`${sandbox.url}/sandbox/pairings`));
});
