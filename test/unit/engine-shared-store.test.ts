import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySharedStore } from '../../src/index.js';
import { sharedStoreKey } from '../../src/engine/shared-store.js';

function fakeClock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let at = start;
  return { now: () => at, advance: (ms) => void (at += ms) };
}

test('sets a key only when it is absent, until it expires', async () => {
  const clock = fakeClock();
  const store = new MemorySharedStore({}, clock.now);
  assert.equal(await store.setIfAbsent('a', 100), true);
  assert.equal(await store.setIfAbsent('a', 100), false);
  assert.equal(await store.setIfAbsent('b', 100), true);
  clock.advance(100);
  assert.equal(await store.setIfAbsent('a', 100), true);
});

test('lets exactly one of many simultaneous claims of a key win', async () => {
  const store = new MemorySharedStore();
  const results = await Promise.all(Array.from({ length: 50 }, () => store.setIfAbsent('grant', 1_000)));
  assert.equal(results.filter(Boolean).length, 1);
});

test('counts within a window that starts at the first increment', async () => {
  const clock = fakeClock();
  const store = new MemorySharedStore({}, clock.now);
  assert.equal(await store.increment('c', 60), 1);
  clock.advance(30);
  assert.equal(await store.increment('c', 60), 2);
  clock.advance(30);
  assert.equal(await store.increment('c', 60), 1);
});

test('decrements an existing counter and never creates one', async () => {
  const clock = fakeClock();
  const store = new MemorySharedStore({}, clock.now);
  await store.decrement('missing');
  assert.equal(await store.increment('missing', 60), 1);
  assert.equal(await store.increment('c', 60), 1);
  assert.equal(await store.increment('c', 60), 2);
  await store.decrement('c');
  assert.equal(await store.increment('c', 60), 2);
  await store.decrement('c');
  await store.decrement('c');
  await store.decrement('c');
  assert.equal(await store.increment('c', 60), 1);
});

test('fails closed when full of live keys and makes room once they expire', async () => {
  const clock = fakeClock();
  const store = new MemorySharedStore({ maxKeys: 2 }, clock.now);
  assert.equal(await store.setIfAbsent('a', 100), true);
  assert.equal(await store.increment('b', 100), 1);
  assert.equal(await store.setIfAbsent('c', 100), false);
  assert.equal(await store.increment('d', 100), Number.MAX_SAFE_INTEGER);
  assert.equal(await store.increment('b', 100), 2, 'existing keys keep working');
  clock.advance(1_000);
  assert.equal(await store.setIfAbsent('c', 100), true);
});

test('refuses a maxKeys that is not a positive integer', () => {
  assert.throws(() => new MemorySharedStore({ maxKeys: 0 }), /maxKeys/);
  assert.throws(() => new MemorySharedStore({ maxKeys: 1.5 }), /maxKeys/);
});

test('builds fixed-length keys that do not depend on separators in user input', () => {
  const a = sharedStoreKey('push', 'ann:x', 'y');
  const b = sharedStoreKey('push', 'ann', 'x:y');
  assert.notEqual(a, b);
  assert.match(a, /^passport-toopher:push:[A-Za-z0-9_-]{43}$/);
  assert.equal(sharedStoreKey('otp', 'x'.repeat(300)).length, a.length - 'push'.length + 'otp'.length);
});
