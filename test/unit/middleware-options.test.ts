import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createToopher, ToopherConfigError, ToopherStrategy } from '../../src/index.js';

const base = {
  api: { consumerKey: 'key', consumerSecret: 'consumer-secret-value', baseUrl: 'http://127.0.0.1:9/v1' },
  userName: (user: { email: string }) => user.email,
  secret: 'a-secret-that-is-long-enough-0123456789',
  onWarning: () => undefined,
};

test('returns a router carrying the strategy, the guard factory and an error handler', () => {
  const toopher = createToopher(base);
  assert.equal(typeof toopher, 'function');
  assert.ok(toopher.strategy instanceof ToopherStrategy);
  assert.equal(toopher.strategy.name, 'toopher');
  assert.equal(typeof toopher.require('Pay'), 'function');
  assert.equal(toopher.errorHandler.length, 4);
});

test('validates page options', () => {
  assert.throws(() => createToopher({ ...base, views: { pending: 42 as never } }), /`views.pending`/);
  assert.throws(() => createToopher({ ...base, views: { page: () => '' } as never }), /unknown option in `views` `page`/);
  assert.throws(() => createToopher({ ...base, strings: { pairTitle: 1 as never } }), ToopherConfigError);
  createToopher({ ...base, views: { pending: 'toopher/pending', result: () => 'ok' }, strings: { pairTitle: 'Koppeln' } });
});

test('validates guard options at route definition', () => {
  const toopher = createToopher(base);
  assert.throws(() => toopher.require(''), /action name/);
  assert.throws(() => toopher.require('x'.repeat(101)), ToopherConfigError);
  assert.throws(() => toopher.require('Pay', { maxAgeMs: -1 }), /`maxAgeMs`/);
  assert.throws(() => toopher.require('Pay', { maxAge: 1 } as never), /unknown option `maxAge`/);
  assert.throws(() => toopher.require('Pay', { csrf: 'no' } as never), /`csrf`/);
  assert.equal(typeof toopher.require('Pay', { csrf: false }), 'function');
});
