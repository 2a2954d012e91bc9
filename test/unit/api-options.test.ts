import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ToopherApi, ToopherConfigError } from '../../src/index.js';
import { resolveToopherApiOptions } from '../../src/api/options.js';

const SECRET = 'the-consumer-secret-value';

function configError(options: unknown): ToopherConfigError {
  try {
    new ToopherApi(options as ConstructorParameters<typeof ToopherApi>[0]);
  } catch (error) {
    assert.ok(error instanceof ToopherConfigError, `expected ToopherConfigError, got ${String(error)}`);
    assert.equal(error.code, 'ERR_TOOPHER_CONFIG');
    return error;
  }
  assert.fail('expected the constructor to throw');
}

test('requires baseUrl and says why (the hosted API no longer exists)', () => {
  assert.throws(() => resolveToopherApiOptions({ consumerKey: 'key', consumerSecret: SECRET }), /`baseUrl` is required: the URL of your Toopher API.*no longer exists/);
});

test('fills in the documented defaults', () => {
  const resolved = resolveToopherApiOptions({ consumerKey: 'key', consumerSecret: SECRET, baseUrl: 'https://toopher.example/v1' });
  assert.equal(resolved.timeoutMs, 10_000);
  assert.equal(resolved.retry, 2);
  assert.equal(resolved.userAgent, `Toopher-TypeScript/0.1.0 (Node ${process.version.slice(1)})`);
  assert.ok(Object.isFrozen(resolved));
});

test('accepts any http(s) baseUrl and drops trailing slashes', () => {
  const resolved = resolveToopherApiOptions({ consumerKey: 'k', consumerSecret: 's', baseUrl: 'http://127.0.0.1:8000/v1//' });
  assert.equal(resolved.baseUrl, 'http://127.0.0.1:8000/v1');
});

test('refuses an unknown key such as baseURL, naming it', () => {
  const error = configError({ consumerKey: 'k', consumerSecret: SECRET, baseURL: 'http://x' });
  assert.match(error.message, /unknown option `baseURL`/);
});

test('names a missing consumerSecret', () => {
  const error = configError({ consumerKey: 'k' });
  assert.match(error.message, /`consumerSecret` is required/);
});

test('names a bad option without ever echoing its value', () => {
  const error = configError({ consumerKey: 'k', consumerSecret: 42, timeoutMs: SECRET });
  assert.match(error.message, /`consumerSecret` must be of type string/);
  assert.match(error.message, /`timeoutMs`/);
  assert.ok(!error.message.includes(SECRET));
});

test('refuses a baseUrl that is not http(s), without echoing it', () => {
  const error = configError({ consumerKey: 'k', consumerSecret: 's', baseUrl: 'ftp://secret-host.example/v1' });
  assert.match(error.message, /`baseUrl` must be an http\(s\) URL/);
  assert.ok(!error.message.includes('secret-host'));
});

test('refuses a baseUrl with credentials or a query', () => {
  assert.match(configError({ consumerKey: 'k', consumerSecret: 's', baseUrl: 'https://u:p@h/v1' }).message, /`baseUrl`/);
  assert.match(configError({ consumerKey: 'k', consumerSecret: 's', baseUrl: 'https://h/v1?x=1' }).message, /`baseUrl`/);
});

test('refuses a negative retry and a zero timeoutMs', () => {
  assert.match(configError({ consumerKey: 'k', consumerSecret: 's', retry: -1 }).message, /`retry`/);
  assert.match(configError({ consumerKey: 'k', consumerSecret: 's', timeoutMs: 0 }).message, /`timeoutMs`/);
});

test('refuses an empty consumerKey', () => {
  assert.match(configError({ consumerKey: '', consumerSecret: 's' }).message, /`consumerKey`/);
});

test('refuses options that are not an object', () => {
  assert.match(configError(undefined).message, /Invalid ToopherApi options/);
});
