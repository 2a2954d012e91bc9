import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ToopherConfigError } from '../../src/errors.js';
import { createSandbox, type SandboxOptions } from '../../src/sandbox/index.js';

test('refuses unknown and invalid options with a ToopherConfigError naming the option', async () => {
  const cases: [unknown, RegExp][] = [
    [{ baseURL: 'x' }, /`options`: Unrecognized key/],
    [{ port: -1 }, /`port`/],
    [{ pendingTimeoutMs: 0 }, /`pendingTimeoutMs`/],
    [{ consumers: [] }, /`consumers`/],
    [{ consumers: [{ key: 'k', secret: 's' }, { key: 'k', secret: 't' }] }, /unique/],
    [{ clock: 5 }, /`clock`/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(createSandbox(options as SandboxOptions), (err: unknown) => {
      assert.ok(err instanceof ToopherConfigError);
      assert.match(err.message, message);
      return true;
    });
  }
});

test('uses the given consumer and a random one when none is given', async (t) => {
  const given = await createSandbox({ consumers: [{ key: 'k', secret: 's' }] });
  t.after(() => given.close());
  assert.deepEqual([given.consumerKey, given.consumerSecret], ['k', 's']);
  assert.match(given.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(given.apiUrl, `${given.url}/v1`);
  const random = await createSandbox();
  t.after(() => random.close());
  assert.notEqual(random.consumerKey, given.consumerKey);
  assert.ok(random.consumerSecret.length >= 24);
});
