import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ToopherConfigError } from '../../src/errors.js';
import { checkListenPolicy, isLoopbackHost, type ListenSettings } from '../../src/server/posture/listen-policy.js';

function decide(settings: ListenSettings): { warnings: readonly string[]; logged: unknown[] } {
  const logged: unknown[] = [];
  const { warnings } = checkListenPolicy(settings, { warn: (msg, fields) => logged.push({ msg, ...fields }) });
  return { warnings, logged };
}

const TLS = { cert: 'CERT', key: 'KEY' };

test('loopback addresses are recognised; wildcards and others are not', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (const host of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', 'mfa.example.com', 'localhost.example.com', '128.0.0.1', '::2']) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});

test('starts on loopback without TLS or a proxy, and on the default host', () => {
  assert.deepEqual(decide({}).warnings, []);
  assert.deepEqual(decide({ host: '127.0.0.1', publicUrl: 'http://127.0.0.1:4100' }).warnings, []);
  assert.deepEqual(decide({ host: '::1' }).warnings, []);
});

test('refuses a non-loopback host without tls or trustProxy, naming both settings', () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.5', 'mfa.example.com']) {
    assert.throws(
      () => decide({ host }),
      (err: unknown) => err instanceof ToopherConfigError && /`tls`/.test(err.message) && /`trustProxy`/.test(err.message),
      host,
    );
  }
});

test('trustProxy false, 0 or empty does not count as a proxy', () => {
  for (const trustProxy of [false, 0, '', '  ']) {
    assert.throws(() => decide({ host: '0.0.0.0', trustProxy, publicUrl: 'https://mfa.example.com' }), ToopherConfigError);
  }
});

test('starts on a public host with tls', () => {
  assert.deepEqual(decide({ host: '0.0.0.0', tls: TLS, publicUrl: 'https://mfa.example.com' }).warnings, []);
  assert.deepEqual(decide({ host: '0.0.0.0', tls: TLS }).warnings, []);
});

test('behind a proxy, publicUrl must be given and https', () => {
  for (const trustProxy of [true, 1, 'loopback']) {
    assert.deepEqual(decide({ host: '0.0.0.0', trustProxy, publicUrl: 'https://mfa.example.com' }).warnings, []);
    assert.throws(() => decide({ host: '0.0.0.0', trustProxy }), /publicUrl/);
    assert.throws(() => decide({ host: '0.0.0.0', trustProxy, publicUrl: 'http://mfa.example.com' }), /https/);
    assert.throws(() => decide({ host: '127.0.0.1', trustProxy, publicUrl: 'http://127.0.0.1:4100' }), ToopherConfigError);
  }
});

test('warns, in the log, about an http publicUrl on a non-loopback host', () => {
  const { warnings, logged } = decide({ host: '0.0.0.0', tls: TLS, publicUrl: 'http://mfa.example.com' });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /http/);
  assert.deepEqual(logged, [{ msg: 'listen policy', warning: warnings[0], host: '0.0.0.0' }]);
});

test('refuses a publicUrl that is not a plain http(s) URL', () => {
  for (const publicUrl of ['mfa.example.com', 'ftp://mfa.example.com', 'https://user:pw@mfa.example.com', 'https://mfa.example.com/?a=1', 'https://mfa.example.com/#x']) {
    assert.throws(() => decide({ publicUrl }), ToopherConfigError, publicUrl);
  }
});
