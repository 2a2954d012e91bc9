import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import {
  authorizationHeader,
  formBody,
  readResponse,
  signedApi,
  signedRequest,
  type SignedResponse,
} from '../helpers/sign-request.js';

const NOT_SIGNED = { error_code: 401, error_message: 'Not a valid OAuth signed request' };

async function start(t: TestContext): Promise<Sandbox> {
  const sandbox = await createSandbox({ consumers: [{ key: 'key', secret: 'secret' }] });
  t.after(() => sandbox.close());
  return sandbox;
}

/** POSTs `body` to `path` with an explicit Authorization header and optional query string. */
async function post(
  sandbox: Sandbox,
  path: string,
  body: Record<string, string>,
  authorization: string | undefined,
  query = '',
): Promise<SignedResponse> {
  const res = await fetch(`${sandbox.apiUrl}/${path}${query === '' ? '' : `?${query}`}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: formBody(body),
  });
  return readResponse(res);
}

function sign(sandbox: Sandbox, path: string, body: Record<string, string>, extra: Partial<{ nonce: string; timestamp: number; consumerSecret: string; url: string }> = {}): string {
  return authorizationHeader({
    method: 'POST',
    url: extra.url ?? `${sandbox.apiUrl}/${path}`,
    consumerKey: sandbox.consumerKey,
    consumerSecret: extra.consumerSecret ?? sandbox.consumerSecret,
    body,
    ...(extra.nonce === undefined ? {} : { nonce: extra.nonce }),
    ...(extra.timestamp === undefined ? {} : { timestamp: extra.timestamp }),
  });
}

const BODY = { name: 'jdoe' };

test('accepts a correctly signed request', async (t) => {
  const sandbox = await start(t);
  const res = await post(sandbox, 'users/create', BODY, sign(sandbox, 'users/create', BODY));
  assert.equal(res.status, 200, res.text);
});

test('accepts parameters whose names share a prefix, sorted by name then value', async (t) => {
  const sandbox = await start(t);
  // `name2` sorts after `name` by name, but before it as a whole `name=…` string.
  const body = { name: 'jdoe-prefix', name2: 'extra', name_x: 'y' };
  const res = await post(sandbox, 'users/create', body, sign(sandbox, 'users/create', body));
  assert.equal(res.status, 200, res.text);
});

test('refuses a bad signature with 401 and the Toopher error body', async (t) => {
  const sandbox = await start(t);
  const res = await post(sandbox, 'users/create', BODY, sign(sandbox, 'users/create', BODY, { consumerSecret: 'wrong' }));
  assert.equal(res.status, 401);
  assert.deepEqual(res.json, NOT_SIGNED);
});

test('refuses a body changed after signing', async (t) => {
  const sandbox = await start(t);
  const res = await post(sandbox, 'users/create', { name: 'mallory' }, sign(sandbox, 'users/create', BODY));
  assert.deepEqual([res.status, res.json], [401, NOT_SIGNED]);
});

test('refuses a request without an Authorization header', async (t) => {
  const sandbox = await start(t);
  const res = await post(sandbox, 'users/create', BODY, undefined);
  assert.deepEqual([res.status, res.json], [401, NOT_SIGNED]);
});

test('refuses an unknown consumer key', async (t) => {
  const sandbox = await start(t);
  const other = signedApi(sandbox.apiUrl, { consumerKey: 'nobody', consumerSecret: 'secret' });
  assert.equal((await other.get('users', { name: 'x' })).status, 401);
});

test('refuses a stale timestamp, in the past or the future', async (t) => {
  const sandbox = await start(t);
  const now = Math.floor(Date.now() / 1000);
  for (const timestamp of [now - 310, now + 310]) {
    const res = await post(sandbox, 'users/create', BODY, sign(sandbox, 'users/create', BODY, { timestamp }));
    assert.deepEqual([res.status, res.json], [401, NOT_SIGNED], String(timestamp));
  }
});

test('refuses a header without oauth_timestamp', async (t) => {
  const sandbox = await start(t);
  const header = sign(sandbox, 'users/create', BODY).replace(/oauth_timestamp="\d+", /, '');
  const res = await post(sandbox, 'users/create', BODY, header);
  assert.deepEqual([res.status, res.json], [401, NOT_SIGNED]);
});

test('refuses a replayed nonce', async (t) => {
  const sandbox = await start(t);
  const header = sign(sandbox, 'users/create', BODY, { nonce: 'once' });
  assert.equal((await post(sandbox, 'users/create', BODY, header)).status, 200);
  const replay = await post(sandbox, 'users/create', BODY, header);
  assert.deepEqual([replay.status, replay.json], [401, NOT_SIGNED]);
});

test('ignores realm and a trailing comma in the Authorization header', async (t) => {
  const sandbox = await start(t);
  const header = authorizationHeader(
    { method: 'POST', url: `${sandbox.apiUrl}/users/create`, consumerKey: 'key', consumerSecret: 'secret', body: BODY },
    { realm: 'http://sandbox/', trailingComma: true },
  );
  assert.equal((await post(sandbox, 'users/create', BODY, header)).status, 200);
});

test('accepts the .NET form: every parameter in both query and body, signed once', async (t) => {
  const sandbox = await start(t);
  const res = await post(sandbox, 'users/create', BODY, sign(sandbox, 'users/create', BODY), formBody(BODY));
  assert.equal(res.status, 200, res.text);
});

test('signs and round-trips reserved, space and non-ASCII characters', async (t) => {
  const sandbox = await start(t);
  const api = signedApi(sandbox.apiUrl, sandbox);
  const name = "O'Brien * (x) ! a+b & c=d 100% é 漢字";
  const created = await api.post('users/create', { name });
  assert.equal(created.status, 200, created.text);
  const found = await api.get('users', { name });
  assert.equal(found.status, 200, found.text);
  assert.equal((found.json as { name: string }[])[0]?.name, name);
});

test('refuses a body over 16 kB with 413 JSON', async (t) => {
  const sandbox = await start(t);
  const body = { name: 'x'.repeat(20_000) };
  const res = await post(sandbox, 'users/create', body, sign(sandbox, 'users/create', body));
  assert.equal(res.status, 413);
  assert.equal((res.json as { error_code: number }).error_code, 413);
});

test('refuses a parameter longer than 1000 characters with 400 JSON', async (t) => {
  const sandbox = await start(t);
  const api = signedApi(sandbox.apiUrl, sandbox);
  const res = await api.post('users/create', { name: 'x'.repeat(1001) });
  assert.equal(res.status, 400);
  assert.equal((res.json as { error_code: number }).error_code, 400);
});

test('answers malformed input with 4xx JSON, never a crash', async (t) => {
  const sandbox = await start(t);
  const api = signedApi(sandbox.apiUrl, sandbox);
  const bad = await api.post('pairings/create', { pairing_phrase: '%%%', user_name: '\u0000' });
  assert.equal(bad.status, 400);
  const garbledHeader = await post(sandbox, 'users/create', BODY, 'OAuth "broken');
  assert.deepEqual([garbledHeader.status, garbledHeader.json], [401, NOT_SIGNED]);
  // A JSON body is not a form: its fields are neither signed nor read.
  const jsonBody = await fetch(`${sandbox.apiUrl}/users/create`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: authorizationHeader({ method: 'POST', url: `${sandbox.apiUrl}/users/create`, consumerKey: 'key', consumerSecret: 'secret' }),
    },
    body: '{"name": ',
  });
  assert.equal(jsonBody.status, 400);
  assert.deepEqual(await jsonBody.json(), { error_code: 400, error_message: 'Missing required parameter: name' });
  const still = await signedRequest(sandbox, 'GET', `${sandbox.apiUrl}/users`, { name: 'jdoe' });
  assert.equal(still.status, 200);
});
