import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { handleSignals } from '../../src/server/posture/shutdown.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function setup(close: () => Promise<void>): { target: EventEmitter; exits: [number, boolean][]; dispose: () => void } {
  const target = new EventEmitter();
  const exits: [number, boolean][] = [];
  const dispose = handleSignals(close, quiet, { target, exit: (code, immediately) => exits.push([code, immediately]) });
  return { target, exits, dispose };
}

test('SIGTERM closes gracefully and exits 0 once closed', async () => {
  let release: () => void = () => undefined;
  let calls = 0;
  const { target, exits } = setup(() => {
    calls += 1;
    return new Promise<void>((resolve) => {
      release = resolve;
    });
  });
  target.emit('SIGTERM');
  assert.equal(calls, 1);
  assert.deepEqual(exits, []);
  release();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(exits, [[0, false]]);
});

test('a second signal while closing exits at once with 128 + its number', () => {
  const { target, exits } = setup(() => new Promise<void>(() => undefined));
  target.emit('SIGINT');
  target.emit('SIGINT');
  assert.deepEqual(exits, [[130, true]]);
  target.emit('SIGTERM');
  assert.deepEqual(exits, [[130, true], [143, true]]);
});

test('a failed close exits 1', async () => {
  const { target, exits } = setup(() => Promise.reject(new Error('backend')));
  target.emit('SIGINT');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(exits, [[1, false]]);
});

test('the returned function removes the handlers', () => {
  const { target, dispose } = setup(() => Promise.resolve());
  assert.equal(target.listenerCount('SIGTERM'), 1);
  assert.equal(target.listenerCount('SIGINT'), 1);
  dispose();
  assert.equal(target.listenerCount('SIGTERM'), 0);
  assert.equal(target.listenerCount('SIGINT'), 0);
});
