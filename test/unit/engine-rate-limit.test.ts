import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySharedStore } from '../../src/index.js';
import { PushRateLimiter, type PushCounter } from '../../src/engine/rate-limit.js';

function counterOver(store: MemorySharedStore): PushCounter {
  return {
    count: (key, windowMs) => store.increment(key, windowMs),
    uncount: (key) => store.decrement(key),
  };
}

test('reserves at most the maximum of pushes per user, however many ask at once', async () => {
  const limiter = new PushRateLimiter(5, counterOver(new MemorySharedStore()));
  const answers = await Promise.all(Array.from({ length: 20 }, () => limiter.reserve('ann')));
  assert.equal(answers.filter((a) => a !== undefined).length, 5);
  assert.notEqual(await limiter.reserve('ben'), undefined, 'other users are not limited');
});

test('gives a reservation back when no push was sent', async () => {
  const limiter = new PushRateLimiter(2, counterOver(new MemorySharedStore()));
  assert.notEqual(await limiter.reserve('ann'), undefined);
  const reservation = await limiter.reserve('ann');
  assert.ok(reservation !== undefined);
  assert.equal(await limiter.reserve('ann'), undefined);
  await limiter.release(reservation);
  assert.notEqual(await limiter.reserve('ann'), undefined);
  assert.equal(await limiter.reserve('ann'), undefined);
});

test('frees the pushes of a user after the window', async () => {
  let now = 1_000;
  const limiter = new PushRateLimiter(1, counterOver(new MemorySharedStore({}, () => now)));
  assert.notEqual(await limiter.reserve('ann'), undefined);
  assert.equal(await limiter.reserve('ann'), undefined);
  now += 60_000;
  assert.notEqual(await limiter.reserve('ann'), undefined);
});
