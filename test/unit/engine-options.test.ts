import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySharedStore, ToopherApi, ToopherConfigError, ToopherStrategy, type ToopherSharedStore } from '../../src/index.js';
import { resolveStrategyOptions } from '../../src/engine/options.js';

const secret = 'a-secret-that-is-long-enough-0123456789';
const api = { consumerKey: 'key', consumerSecret: 'consumer-secret-value', baseUrl: 'http://127.0.0.1:9/v1' };
const base = { api, userName: (user: { email: string }) => user.email, secret, onWarning: () => undefined };

function configError(fn: () => unknown): ToopherConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ToopherConfigError, String(err));
    return err;
  }
  assert.fail('no error');
}

test('applies the documented defaults and freezes the result', () => {
  const config = resolveStrategyOptions(base);
  assert.equal(config.name, 'toopher');
  assert.equal(config.basePath, '/toopher');
  assert.equal(config.enrollment, 'required');
  assert.equal(config.authTimeoutMs, 90_000);
  assert.equal(config.pairingTimeoutMs, 120_000);
  assert.equal(config.pollIntervalMs, 1_000);
  assert.equal(config.failMode, 'closed');
  assert.equal(config.sessionKey, 'toopher');
  assert.equal(config.loginActionName, 'Log In');
  assert.equal(config.maxPushesPerMinute, 5);
  assert.equal(config.maxOtpAttempts, 5);
  assert.equal(config.maxPending, 5);
  assert.deepEqual(config.terminalCookie, { name: 'toopher_terminal', maxAgeMs: 400 * 24 * 60 * 60 * 1000 });
  assert.equal(config.defaultReturnTo, '/');
  assert.ok(config.api instanceof ToopherApi);
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.terminalCookie));
});

test('uses a given ToopherApi instance as is', () => {
  const client = new ToopherApi(api);
  assert.equal(resolveStrategyOptions({ ...base, api: client }).api, client);
});

test('names missing and invalid options without quoting their values', () => {
  assert.match(configError(() => resolveStrategyOptions({})).message, /`api` is required.*`userName` is required.*`secret` is required/);
  const short = configError(() => resolveStrategyOptions({ ...base, secret: 'short-secret-value' }));
  assert.match(short.message, /`secret` must be at least 32 characters/);
  assert.doesNotMatch(short.message, /short-secret-value/);
  assert.match(configError(() => resolveStrategyOptions({ ...base, basePath: 'toopher/' })).message, /`basePath`/);
  assert.match(configError(() => resolveStrategyOptions({ ...base, defaultReturnTo: '//evil.example' })).message, /`defaultReturnTo`/);
  assert.match(configError(() => resolveStrategyOptions({ ...base, sessionKey: 'passport' })).message, /`sessionKey` is reserved/);
  assert.match(configError(() => resolveStrategyOptions({ ...base, maxPending: 0 })).message, /`maxPending`/);
  assert.match(configError(() => resolveStrategyOptions({ ...base, terminalCookie: { name: 'a b' } })).message, /`terminalCookie.name`/);
  assert.match(configError(() => resolveStrategyOptions({ ...base, failMode: 'sometimes' })).message, /`failMode`/);
});

test('refuses unknown options such as typos', () => {
  assert.match(configError(() => resolveStrategyOptions({ ...base, basepath: '/x' })).message, /unknown option `basepath`/);
  assert.match(configError(() => resolveStrategyOptions({ ...base, terminalCookie: { maxAge: 1 } })).message, /unknown option in `terminalCookie` `maxAge`/);
});

test('reports bad API options under `api` without their values', () => {
  const err = configError(() => resolveStrategyOptions({ ...base, api: { consumerKey: 'k', consumerSecret: 'very-secret-value', baseURL: 'x' } }));
  assert.match(err.message, /`api`/);
  assert.doesNotMatch(err.message, /very-secret-value/);
});

test('warns at startup when failMode is open', () => {
  const warnings: string[] = [];
  resolveStrategyOptions({ ...base, failMode: 'open', onWarning: (message: string) => warnings.push(message) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /unreachable/);
  resolveStrategyOptions({ ...base, onWarning: (message: string) => warnings.push(message) });
  assert.equal(warnings.length, 1);
});

test('uses a MemorySharedStore by default and a given shared store as is', () => {
  assert.ok(resolveStrategyOptions(base).store instanceof MemorySharedStore);
  const shared: ToopherSharedStore = { setIfAbsent: () => Promise.resolve(true), increment: () => Promise.resolve(1) };
  assert.equal(resolveStrategyOptions({ ...base, store: shared }).store, shared);
});

test('refuses a store without setIfAbsent and increment functions', () => {
  for (const store of [{}, { setIfAbsent: () => true }, { setIfAbsent: 1, increment: () => 1 }, 'redis', { setIfAbsent: () => true, increment: () => 1, decrement: 1 }]) {
    assert.match(configError(() => resolveStrategyOptions({ ...base, store })).message, /`store` must be an object with `setIfAbsent` and `increment`/);
  }
});

test('validates in the strategy constructor', () => {
  assert.throws(() => new ToopherStrategy({ ...base, secret: '' }), ToopherConfigError);
  const strategy = new ToopherStrategy({ ...base, name: 'second-factor' });
  assert.equal(strategy.name, 'second-factor');
  assert.equal('config' in strategy, false, 'the resolved configuration is internal');
});
