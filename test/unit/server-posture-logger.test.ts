import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogEntry } from '../../src/server/options.js';
import { createLogger, isSecretField, jsonLinesSink, pathWithoutQuery, redact } from '../../src/server/posture/logger.js';

function capture(): { entries: LogEntry[]; log: ReturnType<typeof createLogger> } {
  const entries: LogEntry[] = [];
  const log = createLogger((entry) => entries.push(entry), { clock: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
  return { entries, log };
}

test('every entry has the fixed shape {time, level, msg, ...fields}', () => {
  const { entries, log } = capture();
  log.info('started', { port: 4100 });
  log.warn('careful');
  log.error('broken', { status: 503 });
  assert.deepEqual(entries, [
    { time: '2026-01-02T03:04:05.000Z', level: 'info', msg: 'started', port: 4100 },
    { time: '2026-01-02T03:04:05.000Z', level: 'warn', msg: 'careful' },
    { time: '2026-01-02T03:04:05.000Z', level: 'error', msg: 'broken', status: 503 },
  ]);
});

test('fields cannot overwrite time, level or msg', () => {
  const { entries, log } = capture();
  log.info('real', { time: 'fake', level: 'error', msg: 'forged' });
  assert.deepEqual(entries, [{ time: '2026-01-02T03:04:05.000Z', level: 'info', msg: 'real' }]);
});

test('redacts secret-looking fields at any depth and keeps identifiers such as publicKey and consumerKey', () => {
  const { entries, log } = capture();
  log.info('request', {
    consumerKey: 'tk-public',
    publicKey: 'MFkwEwYH',
    consumerSecret: 'S1',
    headers: { Authorization: 'OAuth oauth_signature="S2"', 'x-toopher-signature': 'S3', cookie: 'sid=S4' },
    params: [{ oauth_signature: 'S5' }, { otp: '123456' }, { password: 'S6' }],
    device: { otpSecret: 'S7', subscription: { endpoint: 'https://push.example/S8', keys: { auth: 'S9', p256dh: 'S10' } } },
    csrfToken: 'S11',
    PRIVATE_KEY: 'S12',
    footprint: 'kept',
    authenticated: true,
  });
  const text = JSON.stringify(entries);
  for (let i = 1; i <= 12; i += 1) assert.doesNotMatch(text, new RegExp(`S${i}\\b`), `S${i} leaked`);
  assert.doesNotMatch(text, /123456/);
  const entry = entries[0] as Record<string, unknown>;
  assert.equal(entry['consumerKey'], 'tk-public');
  assert.equal(entry['publicKey'], 'MFkwEwYH');
  assert.equal(entry['footprint'], 'kept');
  assert.equal(entry['authenticated'], true);
  assert.equal(entry['consumerSecret'], '[redacted]');
  assert.deepEqual(entry['headers'], { Authorization: '[redacted]', 'x-toopher-signature': '[redacted]', cookie: '[redacted]' });
});

test('names are split into words before matching', () => {
  for (const name of ['secret', 'otpSecret', 'OTP', 'oauth_signature', 'X-Toopher-Signature', 'apiToken', 'set-cookie', 'keys.auth']) {
    assert.equal(isSecretField(name), true, name);
  }
  for (const name of ['publicKey', 'consumerKey', 'footprint', 'author', 'authenticated', 'tokenizer', 'deviceId', 'phrase']) {
    assert.equal(isSecretField(name), false, name);
  }
});

test('errors become name, message and code; cycles, buffers and bigints do not break a line', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic['self'] = cyclic;
  const err = Object.assign(new Error('backend down', { cause: new Error('ECONNREFUSED') }), { code: 'ECONNREFUSED' });
  const out = redact({ err, cyclic, bytes: Buffer.from('secret bytes'), big: 10n, fn: () => 1 });
  const described = out['err'] as Record<string, unknown>;
  assert.equal(described['name'], 'Error');
  assert.equal(described['message'], 'backend down');
  assert.equal(described['code'], 'ECONNREFUSED');
  assert.equal((described['cause'] as Record<string, unknown>)['message'], 'ECONNREFUSED');
  assert.deepEqual(out['cyclic'], { name: 'loop', self: '[circular]' });
  assert.equal(out['bytes'], '[12 bytes]');
  assert.equal(out['big'], '10');
  assert.equal(out['fn'], undefined);
  assert.doesNotThrow(() => JSON.stringify(out));
});

test('a sink that throws does not break the caller', () => {
  const log = createLogger(() => {
    throw new Error('disk full');
  });
  assert.doesNotThrow(() => log.error('still fine'));
});

test('the JSON-lines sink writes one parseable line per entry', () => {
  const lines: string[] = [];
  const log = createLogger(jsonLinesSink((line) => lines.push(line)), { clock: () => 0 });
  log.info('one', { a: 1 });
  log.warn('two\nlines');
  assert.equal(lines.length, 2);
  assert.ok(lines.every((line) => line.endsWith('\n') && line.indexOf('\n') === line.length - 1));
  assert.deepEqual(JSON.parse(lines[1] ?? ''), { time: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'two\nlines' });
});

test('the logged path drops the query string and the fragment', () => {
  assert.equal(pathWithoutQuery('/v1/users?oauth_signature=abc'), '/v1/users');
  assert.equal(pathWithoutQuery('/app/#qr=p.s'), '/app/');
  assert.equal(pathWithoutQuery('/health'), '/health');
  assert.equal(pathWithoutQuery(`/${'a'.repeat(600)}`).length, 513);
});
