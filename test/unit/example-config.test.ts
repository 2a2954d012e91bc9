import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, deriveKey, isLoopback, loadConfig } from '../../example-app/config.js';

const generated = (): string => 'generated-secret-generated-secret-0123';

test('the example app starts on 3000 and 3001 with the embedded sandbox when nothing is set', () => {
  const config = loadConfig({}, generated);
  assert.equal(config.port, 3000);
  assert.equal(config.sandboxPort, 3001);
  assert.equal(config.toopherApi, undefined);
  assert.equal(config.authTimeoutMs, 90_000);
  assert.equal(config.pairingTimeoutMs, 120_000);
  assert.equal(config.sessionSecret, generated());
});

test('a bad setting stops the example app with a message naming the variable, not its value', () => {
  const cases: [Record<string, string>, string][] = [
    [{ PORT: 'eighty' }, 'PORT'],
    [{ SANDBOX_PORT: '70000' }, 'SANDBOX_PORT'],
    [{ TOOPHER_API_URL: 'ftp://x.example/v1', TOOPHER_CONSUMER_KEY: 'k', TOOPHER_CONSUMER_SECRET: 's' }, 'TOOPHER_API_URL'],
    [{ TOOPHER_API_URL: 'https://api.example/v1' }, 'TOOPHER_CONSUMER_KEY'],
    [{ TOOPHER_CONSUMER_SECRET: 'hunter2-hunter2' }, 'TOOPHER_API_URL'],
    [{ SESSION_SECRET: 'too-short-secret' }, 'SESSION_SECRET'],
    [{ NODE_ENV: 'production' }, 'SESSION_SECRET'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [{ TOOPHER_AUTH_TIMEOUT_SECONDS: '0' }, 'TOOPHER_AUTH_TIMEOUT_SECONDS'],
    [{ TOOPHER_PAIRING_TIMEOUT_SECONDS: 'soon' }, 'TOOPHER_PAIRING_TIMEOUT_SECONDS'],
    [{ TOOPHER_ENROLLMENT: 'sometimes' }, 'TOOPHER_ENROLLMENT'],
  ];
  for (const [env, name] of cases) {
    assert.throws(
      () => loadConfig(env, generated),
      (err: unknown) => err instanceof ConfigError && err.message.includes(name) && !err.message.includes('hunter2'),
      JSON.stringify(env),
    );
  }
});

test('the example app uses another Toopher API when its URL and credentials are given', () => {
  const config = loadConfig(
    { TOOPHER_API_URL: 'http://127.0.0.1:9/v1', TOOPHER_CONSUMER_KEY: 'key', TOOPHER_CONSUMER_SECRET: 'secret' },
    generated,
  );
  assert.deepEqual(config.toopherApi, { baseUrl: 'http://127.0.0.1:9/v1', consumerKey: 'key', consumerSecret: 'secret' });
});

test('the session cookie and passport-toopher each get a key of their own from SESSION_SECRET', () => {
  const secret = 'session-secret-session-secret-0123456789';
  const cookieKey = deriveKey(secret, 'session-cookie');
  const toopherKey = deriveKey(secret, 'passport-toopher');
  assert.notEqual(cookieKey, toopherKey);
  assert.notEqual(cookieKey, secret);
  assert.ok(toopherKey.length >= 32);
  assert.equal(deriveKey(secret, 'session-cookie'), cookieKey);
});

test('only loopback addresses count as reachable from this machine alone', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) assert.equal(isLoopback(host), true, host);
  for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '']) assert.equal(isLoopback(host), false, host);
});
