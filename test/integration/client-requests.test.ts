import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi, ToopherApiError, ToopherConfigError } from '../../src/index.js';
import { createToopherApiWithSeams } from '../../src/api/client.js';
import { startScriptedServer, toopherJson, type RecordedRequest, type ScriptedServer } from '../helpers/scripted-server.js';

let server: ScriptedServer;
let api: ToopherApi;

before(async () => {
  server = await startScriptedServer();
  api = createToopherApiWithSeams(
    { consumerKey: 'key', consumerSecret: 'secret', baseUrl: `${server.url}/v1` },
    { retryBaseDelayMs: 1 },
  );
});
after(() => server.close());

/** Runs `call` and returns the requests it made. */
async function requestsOf(call: () => Promise<unknown>): Promise<RecordedRequest[]> {
  const start = server.requests.length;
  await call();
  return server.requests.slice(start);
}

async function onlyRequestOf(call: () => Promise<unknown>): Promise<RecordedRequest> {
  const requests = await requestsOf(call);
  assert.equal(requests.length, 1);
  const [request] = requests;
  assert.ok(request !== undefined);
  return request;
}

function form(request: RecordedRequest): Array<[string, string]> {
  assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
  return [...new URLSearchParams(request.body.toString('utf8'))];
}

test('pair posts pairing_phrase and user_name as RFC 3986 form bytes to pairings/create', async () => {
  server.enqueue({ body: toopherJson.pairing({ enabled: false, pending: true }) });
  const request = await onlyRequestOf(() => api.pair('awkward turtle', 'user@example.com'));
  assert.equal(request.method, 'POST');
  assert.equal(request.url, '/v1/pairings/create');
  assert.equal(request.body.toString('utf8'), 'pairing_phrase=awkward%20turtle&user_name=user%40example.com');
});

test('pair returns a camelCase pairing that keeps the raw JSON', async () => {
  const json = toopherJson.pairing({ enabled: false, pending: true, totp_length: 6 });
  server.enqueue({ body: json });
  const pairing = await api.pair('awkward turtle', 'jdoe');
  assert.equal(pairing.id, json.id);
  assert.equal(pairing.enabled, false);
  assert.equal(pairing.pending, true);
  assert.equal(pairing.deactivated, false);
  assert.equal(pairing.user.name, 'jdoe');
  assert.equal(pairing.user.toopherAuthenticationEnabled, true);
  assert.deepEqual(pairing.raw, json);
});

test('pair sends extras as given, booleans as true/false', async () => {
  server.enqueue({ body: toopherJson.pairing() });
  const request = await onlyRequestOf(() => api.pair('awkward turtle', 'jdoe', { test_param: 42, flag: false }));
  assert.deepEqual(form(request), [
    ['test_param', '42'],
    ['flag', 'false'],
    ['pairing_phrase', 'awkward turtle'],
    ['user_name', 'jdoe'],
  ]);
});

test('pairQr posts user_name to pairings/create/qr', async () => {
  server.enqueue({ body: toopherJson.pairing() });
  const request = await onlyRequestOf(() => api.pairQr('jdoe'));
  assert.equal(request.url, '/v1/pairings/create/qr');
  assert.deepEqual(form(request), [['user_name', 'jdoe']]);
});

test('pairSms posts phone_number, user_name and phone_country to pairings/create/sms', async () => {
  server.enqueue({ body: toopherJson.pairing() });
  const request = await onlyRequestOf(() => api.pairSms('+1 555-555-5555', 'jdoe', '1'));
  assert.equal(request.url, '/v1/pairings/create/sms');
  assert.deepEqual(form(request), [
    ['phone_number', '+1 555-555-5555'],
    ['user_name', 'jdoe'],
    ['phone_country', '1'],
  ]);
});

test('getQrCodeImage returns the PNG bytes unchanged', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
  server.enqueue({ body: png, headers: { 'content-type': 'image/png' } });
  let image: Buffer | undefined;
  const request = await onlyRequestOf(async () => {
    image = await api.getQrCodeImage('p1');
  });
  assert.equal(request.url, '/v1/qr/pairings/p1');
  assert.deepEqual(image, png);
});

test('generateResetLink returns the url and its reset_authorization', async () => {
  const url = 'http://api.toopher.test/v1/pairings/p1/reset?reset_authorization=abcde';
  server.enqueue({ body: { url } });
  const request = await onlyRequestOf(async () => {
    const link = await api.generateResetLink('p1', { security_question: 'pet?', security_answer: 'cat' });
    assert.equal(link.url, url);
    assert.equal(link.resetAuthorization, 'abcde');
  });
  assert.equal(request.url, '/v1/pairings/p1/generate_reset_link');
  assert.deepEqual(form(request), [
    ['security_question', 'pet?'],
    ['security_answer', 'cat'],
  ]);
});

test('emailResetLink posts reset_email and accepts a 201 with an empty list', async () => {
  server.enqueue({ status: 201, body: [] });
  const request = await onlyRequestOf(() => api.emailResetLink('p1', 'jdoe@example.com'));
  assert.equal(request.url, '/v1/pairings/p1/send_reset_link');
  assert.deepEqual(form(request), [['reset_email', 'jdoe@example.com']]);
});

test('authenticate posts pairing_id, terminal_name, action_name and renamed extras', async () => {
  server.enqueue({ body: toopherJson.authenticationRequest() });
  const request = await onlyRequestOf(() =>
    api.authenticate('p1', 'my laptop', 'log in', { automationAllowed: false, challengeRequired: true, otp: '123456' }),
  );
  assert.equal(request.url, '/v1/authentication_requests/initiate');
  assert.deepEqual(form(request), [
    ['automation_allowed', 'false'],
    ['challenge_required', 'true'],
    ['otp', '123456'],
    ['pairing_id', 'p1'],
    ['terminal_name', 'my laptop'],
    ['action_name', 'log in'],
  ]);
});

test('authenticateByUserName posts the zero-storage parameters and no action_name when none is given', async () => {
  server.enqueue({ body: toopherJson.authenticationRequest() });
  const request = await onlyRequestOf(() => api.authenticateByUserName('jdoe', 'a1b2c3'));
  assert.deepEqual(form(request), [
    ['user_name', 'jdoe'],
    ['requester_specified_terminal_id', 'a1b2c3'],
  ]);
});

test('authenticateByUserName returns a camelCase authentication request', async () => {
  server.enqueue({ body: toopherJson.authenticationRequest({ pending: false, granted: true, reason_code: 100 }) });
  const request = await api.authenticateByUserName('jdoe', 'a1b2c3', 'log in');
  assert.equal(request.pending, false);
  assert.equal(request.granted, true);
  assert.equal(request.automated, false);
  assert.equal(request.reasonCode, 100);
  assert.equal(request.terminal.requesterSpecifiedId, 'a1b2c3');
  assert.equal(request.terminal.user?.name, 'jdoe');
  assert.equal(request.user.name, 'jdoe');
  assert.equal(request.action.name, 'log in');
});

test('authenticateWithOtp posts otp to authentication_requests/{id}/otp_auth', async () => {
  server.enqueue({ body: toopherJson.authenticationRequest({ pending: false, granted: true }) });
  const request = await onlyRequestOf(() => api.authenticateWithOtp('a1', '123456'));
  assert.equal(request.url, '/v1/authentication_requests/a1/otp_auth');
  assert.deepEqual(form(request), [['otp', '123456']]);
});

test('getAuthenticationStatus GETs authentication_requests/{id} without a body', async () => {
  server.enqueue({ body: toopherJson.authenticationRequest() });
  const request = await onlyRequestOf(() => api.getAuthenticationStatus('a1'));
  assert.equal(request.method, 'GET');
  assert.equal(request.url, '/v1/authentication_requests/a1');
  assert.equal(request.body.length, 0);
});

test('createUserTerminal posts user_name, name and requester_specified_id', async () => {
  server.enqueue({ body: toopherJson.terminal() });
  const request = await onlyRequestOf(() => api.createUserTerminal('jdoe', 'my laptop', 'a1b2c3'));
  assert.equal(request.url, '/v1/user_terminals/create');
  assert.deepEqual(form(request), [
    ['user_name', 'jdoe'],
    ['name', 'my laptop'],
    ['requester_specified_id', 'a1b2c3'],
  ]);
});

test('getUserTerminal and getUser GET their resources by id', async () => {
  server.enqueue({ body: toopherJson.terminal() }, { body: toopherJson.user() });
  const requests = await requestsOf(async () => {
    assert.equal((await api.getUserTerminal('t1')).name, 'my laptop');
    assert.equal((await api.getUser('u1')).name, 'jdoe');
  });
  assert.deepEqual(
    requests.map((r) => `${r.method} ${r.url}`),
    ['GET /v1/user_terminals/t1', 'GET /v1/users/u1'],
  );
});

test('createUser posts name to users/create', async () => {
  server.enqueue({ body: toopherJson.user() });
  const request = await onlyRequestOf(() => api.createUser('jdoe'));
  assert.equal(request.url, '/v1/users/create');
  assert.deepEqual(form(request), [['name', 'jdoe']]);
});

test('getUsersByName sends the name in the query string and returns every user', async () => {
  server.enqueue({ body: [toopherJson.user(), toopherJson.user({ id: 'u2' })] });
  let names: string[] = [];
  const request = await onlyRequestOf(async () => {
    names = (await api.getUsersByName('j doe')).map((user) => user.id);
  });
  assert.equal(request.url, '/v1/users?name=j%20doe');
  assert.equal(names.length, 2);
});

test('getUserPairings sends deactivated only when asked', async () => {
  server.enqueue({ body: [toopherJson.pairing({ deactivated: true })] }, { body: [] });
  const requests = await requestsOf(async () => {
    const [pairing] = await api.getUserPairings('u1', { deactivated: true });
    assert.equal(pairing?.deactivated, true);
    assert.deepEqual(await api.getUserPairings('u1'), []);
  });
  assert.deepEqual(
    requests.map((r) => r.url),
    ['/v1/users/u1/pairings?deactivated=true', '/v1/users/u1/pairings'],
  );
});

test('setToopherEnabledForUser looks the user up by name, then posts toopher_authentication_enabled', async () => {
  server.enqueue({ body: [toopherJson.user({ id: 'u1' })] }, { body: toopherJson.user({ id: 'u1', toopher_authentication_enabled: false }) });
  let enabled: boolean | undefined;
  const requests = await requestsOf(async () => {
    enabled = (await api.setToopherEnabledForUser('jdoe', false)).toopherAuthenticationEnabled;
  });
  assert.deepEqual(
    requests.map((r) => `${r.method} ${r.url}`),
    ['GET /v1/users?name=jdoe', 'POST /v1/users/u1'],
  );
  assert.deepEqual(form(requests[1] as RecordedRequest), [['toopher_authentication_enabled', 'false']]);
  assert.equal(enabled, false);
});

test('setToopherEnabledForUser rejects with a ToopherApiError when no user has the name', async () => {
  server.enqueue({ body: [] });
  const requests = await requestsOf(() =>
    assert.rejects(api.setToopherEnabledForUser('ghost', true), (error: unknown) => {
      assert.ok(error instanceof ToopherApiError);
      assert.match(error.message, /no Toopher user has that name/);
      return true;
    }),
  );
  assert.equal(requests.length, 1, 'nothing is posted');
});

test('setToopherEnabledForUser rejects with a ToopherApiError when several users have the name', async () => {
  server.enqueue({ body: [toopherJson.user(), toopherJson.user({ id: 'u2' })] });
  const requests = await requestsOf(() =>
    assert.rejects(api.setToopherEnabledForUser('jdoe', true), /2 Toopher users have that name/),
  );
  assert.equal(requests.length, 1, 'nothing is posted');
});

test('resetUser posts user_name to users/reset', async () => {
  server.enqueue({ body: [] });
  const request = await onlyRequestOf(() => api.resetUser('jdoe'));
  assert.equal(request.url, '/v1/users/reset');
  assert.deepEqual(form(request), [['user_name', 'jdoe']]);
});

test('path-encodes ids so that "../users" stays inside pairings/', async () => {
  server.enqueue({ body: toopherJson.pairing() });
  const request = await onlyRequestOf(() => api.getPairingStatus('../users'));
  assert.equal(request.url, '/v1/pairings/..%2Fusers');
});

test('path-encodes query and fragment characters in ids', async () => {
  server.enqueue({ body: toopherJson.user() });
  const request = await onlyRequestOf(() => api.getUser('a?b#c d/é'));
  assert.equal(request.url, '/v1/users/a%3Fb%23c%20d%2F%C3%A9');
});

test('refuses ".", ".." and empty ids with a ToopherConfigError before sending anything', async () => {
  const requests = await requestsOf(async () => {
    for (const id of ['.', '..', '']) {
      await assert.rejects(api.getPairingStatus(id), ToopherConfigError);
      await assert.rejects(api.authenticateWithOtp(id, '123456'), ToopherConfigError);
      await assert.rejects(api.getUserPairings(id), ToopherConfigError);
    }
  });
  assert.equal(requests.length, 0);
});

test('refuses an empty user name with a ToopherConfigError before sending anything', async () => {
  const requests = await requestsOf(() => assert.rejects(api.authenticateByUserName('', 'a1b2c3'), /`userName`/));
  assert.equal(requests.length, 0);
});

test('refuses extras that would collide with the OAuth parameters', async () => {
  await assert.rejects(api.pair('awkward turtle', 'jdoe', { oauth_nonce: 'x' }), ToopherConfigError);
});

test('sends the default User-Agent Toopher-TypeScript/<version> (Node <version>)', async () => {
  const request = await onlyRequestOf(() => api.resetUser('jdoe'));
  assert.equal(request.headers['user-agent'], `Toopher-TypeScript/0.1.0 (Node ${process.version.slice(1)})`);
});

test('sends the userAgent option instead when one is given', async () => {
  const client = new ToopherApi({ consumerKey: 'key', consumerSecret: 'secret', baseUrl: `${server.url}/v1`, userAgent: 'my-app/2' });
  const request = await onlyRequestOf(() => client.resetUser('jdoe'));
  assert.equal(request.headers['user-agent'], 'my-app/2');
});

test('reuses one keep-alive connection for consecutive calls', async () => {
  const requests = await requestsOf(async () => {
    await api.resetUser('a');
    await api.resetUser('b');
  });
  assert.equal(requests[0]?.remotePort, requests[1]?.remotePort);
});

test('retries a GET `retry` times on 5xx with a fresh nonce each time, then rejects', async () => {
  server.enqueue({ status: 503, body: 'busy' }, { status: 503, body: 'busy' }, { status: 503, body: 'busy' });
  const start = server.requests.length;
  await assert.rejects(api.getPairingStatus('p1'), (error: unknown) => error instanceof ToopherApiError && error.status === 503);
  const attempts = server.requests.slice(start);
  assert.equal(attempts.length, 3, 'one call and two retries');
  const nonces = new Set(attempts.map((r) => /oauth_nonce="([^"]+)"/.exec(r.headers.authorization ?? '')?.[1]));
  assert.equal(nonces.size, 3);
});

test('retries a GET after a dropped connection and returns the later answer', async () => {
  server.enqueue({ destroy: true }, { body: toopherJson.pairing() });
  const requests = await requestsOf(async () => {
    assert.equal((await api.getPairingStatus('p1')).enabled, true);
  });
  assert.equal(requests.length, 2);
});

test('never retries a POST, even on 503', async () => {
  server.enqueue({ status: 503, body: toopherJson.error(503, 'busy') });
  const requests = await requestsOf(() => assert.rejects(api.pair('awkward turtle', 'jdoe'), ToopherApiError));
  assert.equal(requests.length, 1);
});

test('does not retry a GET when retry is 0', async () => {
  const client = createToopherApiWithSeams(
    { consumerKey: 'key', consumerSecret: 'secret', baseUrl: `${server.url}/v1`, retry: 0 },
    { retryBaseDelayMs: 1 },
  );
  server.enqueue({ status: 500, body: 'down' });
  const requests = await requestsOf(() => assert.rejects(client.getUser('u1'), ToopherApiError));
  assert.equal(requests.length, 1);
});

test('exposes the normalised baseUrl', () => {
  const client = new ToopherApi({ consumerKey: 'key', consumerSecret: 'secret', baseUrl: 'HTTP://LOCALHOST:80/v1/' });
  assert.equal(client.baseUrl, 'http://localhost/v1');
});
