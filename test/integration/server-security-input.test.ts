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
