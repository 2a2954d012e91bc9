import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { inspect } from 'node:util';
import { TimeoutError as GotTimeoutError } from 'got';
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
  isToopherApiError,
} from '../../src/index.js';
import { createToopherApiWithSeams } from '../../src/api/client.js';
import { close, listen } from '../helpers/listen.js';
import { startScriptedServer, toopherJson, type ScriptedServer } from '../helpers/scripted-server.js';

const SECRET = 'very-secret-consumer-secret';
let server: ScriptedServer;
let api: ToopherApi;

before(async () => {
  server = await startScriptedServer();
  api = createToopherApiWithSeams(
    { consumerKey: 'key', consumerSecret: SECRET, baseUrl: `${server.url}/v1` },
    { retryBaseDelayMs: 1 },
  );
});
after(() => server.close());

/** Runs `call`, expecting a rejection, and returns the error. */
async function failure(call: Promise<unknown>): Promise<ToopherApiError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ToopherApiError, `expected a ToopherApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to reject');
}

/** No message, inspected form or JSON of the error leaks credentials. */
function assertNoSecrets(error: Error): void {
  for (const text of [error.message, inspect(error, { depth: 6 }), JSON.stringify(error)]) {
    assert.ok(!text.includes(SECRET), 'consumer secret leaked');
    assert.ok(!text.includes('oauth_signature'), 'signature leaked');
    assert.ok(!/authorization/i.test(text), 'Authorization header leaked');
  }
}

const zeroStorage = (): Promise<unknown> => api.authenticateByUserName('jdoe', 'a1b2c3', 'log in');

test('maps error_code 704 to UserDisabledError with code and status', async () => {
  server.enqueue({ status: 409, body: toopherJson.error(704, 'The specified user has disabled Toopher authentication.') });
  const error = await failure(zeroStorage());
  assert.ok(error instanceof UserDisabledError);
  assert.equal(error.toopherCode, 704);
  assert.equal(error.status, 409);
  assert.equal(error.endpoint, 'authentication_requests/initiate');
  assert.match(error.message, /disabled Toopher authentication/);
});

test('maps error_code 705 to UserUnknownError', async () => {
  server.enqueue({ status: 409, body: toopherJson.error(705, 'No matching user exists.') });
  const error = await failure(zeroStorage());
  assert.ok(error instanceof UserUnknownError);
  assert.ok(isToopherApiError(error, 705));
});

test('maps error_code 706 to TerminalUnknownError', async () => {
  server.enqueue({ status: 409, body: toopherJson.error(706, 'No matching terminal exists.') });
  const error = await failure(zeroStorage());
  assert.ok(error instanceof TerminalUnknownError);
  assert.equal(error.toopherCode, 706);
});

test('maps error_code 707 to PairingDeactivatedError', async () => {
  server.enqueue({ status: 409, body: toopherJson.error(707, 'Not allowed: This pairing has been deactivated.') });
  const error = await failure(zeroStorage());
  assert.ok(error instanceof PairingDeactivatedError);
  assert.equal(error.toopherCode, 707);
});

test('maps the legacy error_code 601 to PairingDeactivatedError', async () => {
  server.enqueue({ status: 403, body: toopherJson.error(601, 'This pairing has not been authorized to authenticate.') });
  const error = await failure(zeroStorage());
  assert.ok(error instanceof PairingDeactivatedError);
  assert.equal(error.toopherCode, 601);
  assert.equal(error.status, 403);
});

test('maps the "pairing has been deactivated" message under another code to PairingDeactivatedError', async () => {
  server.enqueue({ status: 409, body: toopherJson.error(42, 'Pairing has been deactivated') });
  const error = await failure(zeroStorage());
  assert.ok(error instanceof PairingDeactivatedError);
  assert.equal(error.toopherCode, 42);
});

test('maps the "pairing has not been authorized" message without a code to PairingDeactivatedError', async () => {
  server.enqueue({ status: 403, body: { error_message: 'Pairing has not been authorized to authenticate' } });
  const error = await failure(zeroStorage());
  assert.ok(error instanceof PairingDeactivatedError);
  assert.equal(error.toopherCode, undefined);
  assert.equal(error.code, 'ERR_TOOPHER_PAIRING_DEACTIVATED');
});

for (const [code, status] of [[704, 500], [705, 500], [706, 429], [707, 401], [704, 404], [601, 500], [705, 403]] as const) {
  test(`does not trust error_code ${code} under HTTP ${status}: a plain ToopherApiError`, async () => {
    server.enqueue({ status, body: toopherJson.error(code, 'No matching user exists.') });
    const error = await failure(zeroStorage());
    assert.equal(error.constructor, ToopherApiError);
    assert.equal(error.toopherCode, code);
    assert.equal(error.code, 'ERR_TOOPHER_API');
    assert.equal(error.status, status);
  });
}

test('does not trust a "pairing has been deactivated" message under HTTP 503', async () => {
  server.enqueue({ status: 503, body: { error_message: 'Pairing has been deactivated' } });
  const error = await failure(zeroStorage());
  assert.equal(error.constructor, ToopherApiError);
});

test('maps any other error_code to a plain ToopherApiError carrying code, status and message', async () => {
  server.enqueue({ status: 409, body: toopherJson.error(42, 'what') });
  const error = await failure(zeroStorage());
  assert.equal(error.constructor, ToopherApiError);
  assert.equal(error.toopherCode, 42);
  assert.equal(error.status, 409);
  assert.match(error.message, /what/);
});

test('reports a rejected signature as a 401 ToopherApiError that hints at the credentials', async () => {
  server.enqueue({ status: 401, body: toopherJson.error(401, 'Not a valid OAuth signed request') });
  const error = await failure(api.getUser('some-user'));
  assert.equal(error.constructor, ToopherApiError);
  assert.equal(error.status, 401);
  assert.equal(error.toopherCode, 401);
  assert.match(error.message, /`consumerSecret`/);
  assertNoSecrets(error);
});

test('reports HTTP 500 with an error body as a ToopherApiError with status 500', async () => {
  server.enqueue({ status: 500, body: toopherJson.error(500, 'internal error') });
  const error = await failure(zeroStorage());
  assert.equal(error.constructor, ToopherApiError);
  assert.equal(error.status, 500);
});

test('reports HTTP 429 as a ToopherApiError with status 429 without retrying', async () => {
  const before = server.requests.length;
  server.enqueue({ status: 429, body: toopherJson.error(429, 'rate limit exceeded') });
  const error = await failure(api.getPairingStatus('p1'));
  assert.equal(error.status, 429);
  assert.equal(server.requests.length, before + 1);
});

test('reports an HTML error page as a ToopherResponseError with the status', async () => {
  server.enqueue({ status: 502, body: '<html>Bad gateway</html>' });
  const error = await failure(api.resetUser('jdoe'));
  assert.ok(error instanceof ToopherResponseError);
  assert.equal(error.status, 502);
});

test('reports a 200 body that is not JSON as a ToopherResponseError', async () => {
  server.enqueue({ status: 200, body: 'lol if you think this is json' });
  const error = await failure(api.getPairingStatus('p1'));
  assert.ok(error instanceof ToopherResponseError);
  assert.equal(error.status, 200);
  assert.match(error.message, /not JSON/);
});

test('reports an empty 200 body as a ToopherResponseError', async () => {
  server.enqueue({ status: 200 });
  const error = await failure(api.pairQr('jdoe'));
  assert.ok(error instanceof ToopherResponseError);
  assert.match(error.message, /empty body/);
});

test('reports a reply missing a required field as a ToopherResponseError naming the field', async () => {
  const pairing: Record<string, unknown> = toopherJson.pairing();
  delete pairing['pending'];
  server.enqueue({ body: pairing });
  const error = await failure(api.getPairingStatus('p1'));
  assert.ok(error instanceof ToopherResponseError);
  assert.match(error.message, /missing `pending`/);
});

test('reports a reply with a wrongly typed nested field as a ToopherResponseError naming its path', async () => {
  server.enqueue({ body: toopherJson.authenticationRequest({ terminal: { id: 't1', name: 7 } }) });
  const error = await failure(api.getAuthenticationStatus('a1'));
  assert.ok(error instanceof ToopherResponseError);
  assert.match(error.message, /`terminal\.name` is invalid/);
});

test('rejects with ToopherTimeoutError when the API answers later than timeoutMs', async (t) => {
  const slow = await startScriptedServer({ delayMs: 10_000, body: toopherJson.pairing() });
  t.after(() => slow.close());
  const client = new ToopherApi({ consumerKey: 'key', consumerSecret: SECRET, baseUrl: `${slow.url}/v1`, timeoutMs: 50 });
  const error = await failure(client.getPairingStatus('p1'));
  assert.ok(error instanceof ToopherTimeoutError);
  assert.ok(error.cause instanceof GotTimeoutError, 'got error is the cause');
  assert.match(error.message, /`timeoutMs` \(50 ms\)/);
  assert.equal(slow.requests.length, 1, 'a timed-out GET is not retried');
  assertNoSecrets(error);
});

test('rejects with ToopherNetworkError when the connection is refused', async () => {
  const closed = createServer();
  const url = await listen(closed);
  await close(closed);
  const client = new ToopherApi({ consumerKey: 'key', consumerSecret: SECRET, baseUrl: `${url}/v1`, retry: 0 });
  const error = await failure(client.pair('awkward turtle', 'jdoe'));
  assert.ok(error instanceof ToopherNetworkError);
  assert.match(error.message, /ECONNREFUSED/);
  assert.equal(error.status, undefined);
  assert.ok(error.cause instanceof Error);
  assertNoSecrets(error);
});

test('rejects with ToopherNetworkError when the server drops the connection of a POST', async () => {
  const before = server.requests.length;
  server.enqueue({ destroy: true });
  const error = await failure(api.createUser('jdoe'));
  assert.ok(error instanceof ToopherNetworkError);
  assert.equal(server.requests.length, before + 1);
});

test('rejects with ToopherTimeoutError when the caller aborts a call in flight', async (t) => {
  const slow = await startScriptedServer({ delayMs: 10_000, body: toopherJson.authenticationRequest() });
  t.after(() => slow.close());
  const client = new ToopherApi({ consumerKey: 'key', consumerSecret: SECRET, baseUrl: `${slow.url}/v1` });
  const controller = new AbortController();
  const call = failure(client.getAuthenticationStatus('a1', { signal: controller.signal }));
  await slow.waitForRequests(1);
  controller.abort();
  const error = await call;
  assert.ok(error instanceof ToopherTimeoutError);
  assert.match(error.message, /aborted/);
});

test('rejects at once with ToopherTimeoutError when the signal is already aborted', async () => {
  const before = server.requests.length;
  const error = await failure(
    api.authenticateByUserName('jdoe', 'a1b2c3', undefined, { signal: AbortSignal.abort() }),
  );
  assert.ok(error instanceof ToopherTimeoutError);
  assert.equal(server.requests.length, before);
});

test('never puts the secret, signature or Authorization header in any error', async () => {
  const errors: Error[] = [];
  server.enqueue(
    { status: 409, body: toopherJson.error(705, 'No matching user exists.') },
    { status: 500, body: 'oops' },
    { status: 200, body: 'not json' },
    { destroy: true },
  );
  for (let i = 0; i < 4; i += 1) errors.push(await failure(api.createUser('jdoe')));
  for (const error of errors) assertNoSecrets(error);
});
