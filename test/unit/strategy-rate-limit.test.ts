import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getSessionState } from '../../src/strategy/pending-state.js';
import { PushRateLimiter } from '../../src/strategy/rate-limit.js';

test('limits pushes counted in the session', () => {
  const limiter = new PushRateLimiter(2);
  const state = getSessionState({}, 'toopher', true);
  limiter.record(state, 'ann', 1_000);
  limiter.record(state, 'ann', 2_000);
  const other = new PushRateLimiter(2);
  assert.equal(other.isLimited(state, 'ann', 3_000), true);
  assert.equal(other.isLimited(state, 'ann', 62_000), false);
});

test('limits pushes counted in memory across sessions', () => {
  const limiter = new PushRateLimiter(2);
  limiter.record(getSessionState({}, 'toopher', true), 'ann', 1_000);
  limiter.record(getSessionState({}, 'toopher', true), 'ann', 2_000);
  const fresh = getSessionState({}, 'toopher', true);
  assert.equal(limiter.isLimited(fresh, 'ann', 3_000), true);
  assert.equal(limiter.isLimited(fresh, 'ben', 3_000), false);
  assert.equal(limiter.isLimited(fresh, 'ann', 61_500), false);
});

test('keeps the in-memory map bounded', () => {
  const limiter = new PushRateLimiter(1, 3);
  const state = getSessionState({}, 'toopher', true);
  for (const name of ['a', 'b', 'c', 'd']) limiter.record(getSessionState({}, 'toopher', true), name, 1_000);
  assert.equal(limiter.isLimited(state, 'a', 1_500), false);
  assert.equal(limiter.isLimited(state, 'd', 1_500), true);
});
