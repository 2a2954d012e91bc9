import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test, type TestContext } from 'node:test';
import express, { type RequestHandler } from 'express';
import { clientBucket, rateLimit, requesterBucket } from '../../src/server/posture/rate-limit.js';
import { close, listen } from '../helpers/listen.js';

/** One fixed-window counter shared by every instance, as `StateBackend.count` is (windows advance by hand). */
function sharedCounter(): { count: (key: string, windowMs: number) => Promise<number>; keys: string[]; nextWindow: () => void } {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  let window = 0;
  return {
    keys,
    count: (key, windowMs) => {
      keys.push(key);
      const slot = `${window}|${windowMs}|${key}`;
      const n = (counts.get(slot) ?? 0) + 1;
      counts.set(slot, n);
      return Promise.resolve(n);
    },
    nextWindow: () => {
      window += 1;
    },
  };
}

interface Instance {
  readonly url: string;
  readonly reached: () => number;
}

async function instance(t: TestContext, limiter: RequestHandler): Promise<Instance> {
  let reached = 0;
  const app = express();
  app.use(limiter, (_req, res) => {
    reached += 1;
    res.json({ ok: true });
  });
  const server: Server = createServer(app);
  const url = await listen(server);
  t.after(() => close(server));
  return { url, reached: () => reached };
}

const silent = { warn: () => undefined, error: () => undefined };

const oauthHeader = (key: string): Record<string, string> => ({
  authorization: `OAuth oauth_consumer_key="${encodeURIComponent(key)}", oauth_nonce="n", oauth_signature="sig%3D"`,
});

test('one limit holds across two instances that share the counter; other requesters are not affected', async (t) => {
  const counter = sharedCounter();
  const warnings: unknown[] = [];
  const make = (): RequestHandler =>
    rateLimit({ name: 'api', count: counter.count, key: requesterBucket, limit: 3, windowMs: 60_000, log: { warn: (msg, f) => warnings.push({ msg, ...f }), error: () => undefined } });
  const a = await instance(t, make());
  const b = await instance(t, make());
  const statuses: number[] = [];
  for (const url of [a.url, b.url, a.url, b.url, a.url]) {
    statuses.push((await fetch(`${url}/v1/users`, { headers: oauthHeader('tk-shop') })).status);
  }
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  assert.equal(a.reached() + b.reached(), 3);

  const refused = await fetch(`${b.url}/v1/users`, { headers: oauthHeader('tk-shop') });
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('retry-after'), '60');
  assert.deepEqual(await refused.json(), { error_code: 429, error_message: 'Too many requests; try again later' });
  assert.equal(warnings.length, 1, 'only the first refusal of a window is logged');

  assert.equal((await fetch(`${a.url}/v1/users`, { headers: oauthHeader('tk-other') })).status, 200);
  counter.nextWindow();
  assert.equal((await fetch(`${b.url}/v1/users`, { headers: oauthHeader('tk-shop') })).status, 200);
});

test('the requester bucket comes from the Authorization header, else the query, else the client address', async (t) => {
  const counter = sharedCounter();
  const app = await instance(t, rateLimit({ name: 'api', count: counter.count, key: requesterBucket, limit: 100, windowMs: 60_000, log: silent }));
  await fetch(`${app.url}/v1/users`, { headers: oauthHeader('tk-a b') });
  await fetch(`${app.url}/v1/users?x=1&oauth_consumer_key=tk-q&oauth_signature=s`);
  await fetch(`${app.url}/v1/users`, { method: 'POST', body: 'oauth_consumer_key=tk-body', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.deepEqual(counter.keys, ['rate\u001fapi\u001frequester:tk-a b', 'rate\u001fapi\u001frequester:tk-q', 'rate\u001fapi\u001fip:127.0.0.1']);
});

test('device API limits answer in its own error shape, per client address', async (t) => {
  const counter = sharedCounter();
  const app = await instance(
    t,
    rateLimit({ name: 'device', count: counter.count, key: clientBucket, limit: 1, windowMs: 60_000, errorShape: 'device', log: silent }),
  );
  assert.equal((await fetch(`${app.url}/device/v1/state`)).status, 200);
  const refused = await fetch(`${app.url}/device/v1/state`);
  assert.equal(refused.status, 429);
  assert.deepEqual(await refused.json(), { error: 'Too many requests; try again later' });
  assert.deepEqual(counter.keys, ['rate\u001fdevice\u001fip:127.0.0.1', 'rate\u001fdevice\u001fip:127.0.0.1']);
});

test('fails closed: when the counter rejects, the request gets 503 and never reaches the handler', async (t) => {
  const errors: unknown[] = [];
  const app = await instance(
    t,
    rateLimit({
      name: 'api',
      count: () => Promise.reject(new Error('redis down')),
      key: requesterBucket,
      limit: 100,
      windowMs: 60_000,
      log: { warn: () => undefined, error: (msg, f) => errors.push({ msg, ...f }) },
    }),
  );
  const res = await fetch(`${app.url}/v1/users`, { headers: oauthHeader('tk-shop') });
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { error_code: 503, error_message: 'Service temporarily unavailable' });
  assert.equal(app.reached(), 0);
  assert.equal(errors.length, 1);
});

test('a request whose key function gives no bucket is not counted', async (t) => {
  const counter = sharedCounter();
  const app = await instance(t, rateLimit({ name: 'x', count: counter.count, key: () => undefined, limit: 1, windowMs: 60_000, log: silent }));
  assert.equal((await fetch(`${app.url}/`)).status, 200);
  assert.equal((await fetch(`${app.url}/`)).status, 200);
  assert.deepEqual(counter.keys, []);
});

test('refuses nonsense limits at construction', () => {
  const count = (): Promise<number> => Promise.resolve(1);
  assert.throws(() => rateLimit({ name: 'x', count, key: clientBucket, limit: 0, windowMs: 60_000, log: silent }), RangeError);
  assert.throws(() => rateLimit({ name: 'x', count, key: clientBucket, limit: 1, windowMs: 10, log: silent }), RangeError);
});
