import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test, type TestContext } from 'node:test';
import express from 'express';
import { healthHandler, type HealthOptions } from '../../src/server/posture/health.js';
import { close, listen } from '../helpers/listen.js';

async function serve(t: TestContext, options: HealthOptions, onArrival?: () => void): Promise<string> {
  const app = express();
  if (onArrival !== undefined) {
    app.use((_req, _res, next) => {
      onArrival();
      next();
    });
  }
  app.get('/health', healthHandler(options));
  const server = createServer(app);
  const url = await listen(server);
  t.after(() => close(server));
  return url;
}

test('answers 200 {"status":"ok"} when the probe resolves, not cached', async (t) => {
  const url = await serve(t, { probe: () => Promise.resolve(), log: { warn: () => undefined } });
  const res = await fetch(`${url}/health`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.deepEqual(await res.json(), { status: 'ok' });
  assert.equal((await fetch(`${url}/health`, { method: 'HEAD' })).status, 200);
});

test('answers 503 {"status":"unavailable"} when the probe fails, and tells only the log why', async (t) => {
  const logged: Record<string, unknown>[] = [];
  const url = await serve(t, {
    probe: () => Promise.reject(new Error('ECONNREFUSED redis://:hunter2@10.0.0.3:6379')),
    log: { warn: (msg, fields) => logged.push({ msg, ...fields }) },
  });
  const res = await fetch(`${url}/health`);
  assert.equal(res.status, 503);
  assert.equal(await res.text(), '{"status":"unavailable"}');
  assert.equal(logged.length, 1);
  assert.match(String((logged[0]?.['err'] as Error).message), /ECONNREFUSED/);
});

test('a probe that throws synchronously is a failure too', async (t) => {
  const url = await serve(t, {
    probe: () => {
      throw new Error('not open');
    },
    log: { warn: () => undefined },
  });
  assert.equal((await fetch(`${url}/health`)).status, 503);
});

test('answers 503 when the probe never settles', async (t) => {
  const url = await serve(t, { probe: () => new Promise<void>(() => undefined), timeoutMs: 20, log: { warn: () => undefined } });
  const res = await fetch(`${url}/health`);
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { status: 'unavailable' });
});

test('checks that arrive while a probe runs share it', async (t) => {
  let probes = 0;
  let release: () => void = () => undefined;
  let arrivals = 0;
  let allArrived: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => {
    allArrived = resolve;
  });
  const url = await serve(
    t,
    {
      probe: () => {
        probes += 1;
        if (probes > 1) return Promise.resolve();
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      timeoutMs: 600_000,
      log: { warn: () => undefined },
    },
    () => {
      arrivals += 1;
      if (arrivals === 3) allArrived();
    },
  );
  const answers = [1, 2, 3].map(() => fetch(`${url}/health`));
  await arrived;
  await new Promise((resolve) => setImmediate(resolve));
  release();
  assert.deepEqual((await Promise.all(answers)).map((r) => r.status), [200, 200, 200]);
  assert.equal(probes, 1);
  assert.equal((await fetch(`${url}/health`)).status, 200);
  assert.equal(probes, 2);
});
