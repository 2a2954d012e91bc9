/**
 * toopher-server attacked with malformed input: every answer to client input is a clear 4xx, never a 500.
 * Real server on 127.0.0.1, a real SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createToopherServer } from '../../src/server/index.js';
import { authorizationHeader } from '../helpers/sign-request.js';

test('attack: a malformed percent-encoding in a device API path is a 400, not a 500 (before any signature)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'toopher-server-input-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const errors: unknown[] = [];
  const server = await createToopherServer({
    storage: { sqlite: join(dir, 'state.db') },
    port: 0,
    log: (entry) => {
      if (entry.level === 'error') errors.push(entry);
    },
  });
  t.after(() => server.close());
  const unsigned = {
    'x-toopher-device': 'a'.repeat(43),
    'x-toopher-timestamp': String(Date.now()),
    'x-toopher-nonce': 'b'.repeat(22),
    'x-toopher-signature': 'c'.repeat(86),
  };
  for (const [method, path] of [
    ['GET', '/device/v1/pairings/%ZZ/otp-secret'],
    ['POST', '/device/v1/pairings/%E0%A4%A/decision'],
    ['DELETE', '/device/v1/pairings/%'],
    ['POST', '/device/v1/requests/%C0%80/decision'],
  ] as const) {
    const response = await fetch(`${server.url}${path}`, { method, headers: unsigned });
    assert.equal(response.status, 400, `${method} ${path}`);
    assert.equal(typeof ((await response.json()) as { error?: unknown }).error, 'string');
  }
  assert.deepEqual(errors, [], 'client mistakes are not logged as server errors');
});

test('attack: a signed API call with an oversized oauth_nonce is refused with a 4xx, not a 500', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'toopher-server-input-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await createToopherServer({ storage: { sqlite: join(dir, 'state.db') }, port: 0, log: () => undefined });
  t.after(() => server.close());
  const shop = await server.requesters.create('Shop');
  const url = `${server.apiUrl}/users/create`;
  const body = { name: 'ann' };
  for (const nonce of ['n'.repeat(1100), 'n'.repeat(8000)]) {
    const authorization = authorizationHeader({ method: 'POST', url, consumerKey: shop.key, consumerSecret: shop.secret, body, nonce });
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
    assert.ok(response.status >= 400 && response.status < 500, `nonce of ${nonce.length}: ${response.status}`);
  }
});
