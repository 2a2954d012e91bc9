import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import express from 'express';
import type { LogEntry } from '../../src/server/options.js';
import { accessLog, createLogger } from '../../src/server/posture/logger.js';
import { close, listen } from '../helpers/listen.js';

test('logs method, path without the query string, status, ms and ip; never query strings, headers or bodies', async (t) => {
  const entries: LogEntry[] = [];
  const log = createLogger((entry) => entries.push(entry), { clock: () => 0 });
  let tick = 0;
  const app = express();
  app.use(accessLog(log, { now: () => (tick += 5) }));
  app.post('/v1/users/create', express.urlencoded({ extended: false }), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).end();
  });
  const server = createServer(app);
  const url = await listen(server);
  t.after(() => close(server));

  const res = await fetch(`${url}/v1/users/create?oauth_signature=QUERYSECRET&oauth_nonce=n1`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'OAuth oauth_signature="HEADERSECRET"' },
    body: 'name=amy&otp=BODYSECRET',
  });
  assert.equal(res.status, 200);
  await res.text();
  assert.equal((await fetch(`${url}/boom`)).status, 500);

  assert.deepEqual(entries, [
    { time: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'request', method: 'POST', path: '/v1/users/create', status: 200, ms: 5, ip: '127.0.0.1' },
    { time: '1970-01-01T00:00:00.000Z', level: 'error', msg: 'request', method: 'GET', path: '/boom', status: 500, ms: 5, ip: '127.0.0.1' },
  ]);
  assert.doesNotMatch(JSON.stringify(entries), /SECRET|oauth|amy/);
});
