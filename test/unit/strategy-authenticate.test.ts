import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ToopherError, ToopherStrategy } from '../../src/index.js';

const strategy = new ToopherStrategy({
  api: { consumerKey: 'key', consumerSecret: 'consumer-secret-value', baseUrl: 'http://127.0.0.1:9/v1' },
  userName: (user: { email: string }) => user.email,
  secret: 'a-secret-that-is-long-enough-0123456789',
  onWarning: () => undefined,
});

type Call = readonly [string, ...unknown[]];

/** Runs authenticate the way Passport does: on Object.create(strategy) with the action functions added. */
function run(req: object): Promise<Call[]> {
  return new Promise((resolve) => {
    const calls: Call[] = [];
    const instance = Object.create(strategy) as ToopherStrategy & Record<string, unknown>;
    for (const name of ['success', 'fail', 'redirect', 'pass', 'error']) {
      instance[name] = (...args: unknown[]) => {
        calls.push([name, ...args]);
        setImmediate(() => resolve(calls));
      };
    }
    instance.authenticate(req as never);
  });
}

test('errors with a message naming express-session when there is no session', async () => {
  const calls = await run({ headers: {}, user: { email: 'ann@example.com' } });
  assert.equal(calls.length, 1);
  const [name, err] = calls[0] ?? [];
  assert.equal(name, 'error');
  assert.ok(err instanceof ToopherError);
  assert.match(err.message, /express-session/);
});

test('errors naming express-session when the session is held in a cookie', async () => {
  const calls = await run({ headers: {}, session: { id: 's' }, user: { email: 'ann@example.com' } });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.[0], 'error');
  assert.match(String((calls[0]?.[1] as Error).message), /express-session/);
});

test('fails with 401 when no first factor put a user on the request', async () => {
  const session = { id: 's', save: (cb: () => void) => cb(), regenerate: (cb: () => void) => cb() };
  const calls = await run({ headers: {}, session });
  assert.deepEqual(calls, [
    ['fail', { message: 'Sign in with your first factor before Toopher: no user is on `req.user`.', code: 'ERR_TOOPHER_NO_USER' }, 401],
  ]);
});

test('errors when the userName option does not give a usable name', async () => {
  const session = { id: 's', save: (cb: () => void) => cb(), regenerate: (cb: () => void) => cb() };
  const calls = await run({ headers: {}, session, user: { email: '' } });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.[0], 'error');
  assert.match(String((calls[0]?.[1] as Error).message), /`userName`/);
});

test('errors naming passport when it cannot serialize the user', async () => {
  const session = { id: 's', save: (cb: () => void) => cb(), regenerate: (cb: () => void) => cb() };
  const calls = await run({ headers: {}, session, user: { email: 'ann@example.com' } });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.[0], 'error');
  assert.match(String((calls[0]?.[1] as Error).message), /passport/);
});
