import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CliCommand, CliUsageError, DEFAULT_SQLITE_FILE, parseCli } from '../../src/server/config.js';

function start(argv: readonly string[], env = {}): Extract<CliCommand, { command: 'start' }> {
  const command = parseCli(['start', ...argv], env);
  if (command.command !== 'start') assert.fail(`expected start, got ${command.command}`);
  return command;
}

function usageError(argv: readonly string[], pattern: RegExp, env = {}): void {
  assert.throws(() => parseCli(argv, env), (err: unknown) => err instanceof CliUsageError && pattern.test(err.message), argv.join(' '));
}

test('help for the program and for each command', () => {
  for (const argv of [['--help'], ['-h'], ['help']]) assert.match((parseCli(argv) as { text: string }).text, /Usage: toopher-server <command>/);
  assert.match((parseCli(['start', '--help']) as { text: string }).text, /Usage: toopher-server start/);
  for (const argv of [['requesters', '--help'], ['requesters', 'create', '-h'], ['requesters', 'list', '--help'], ['requesters', 'rotate', '--help']]) {
    assert.match((parseCli(argv) as { text: string }).text, /Usage: toopher-server requesters/);
  }
});

test('start without options uses ./toopher-server.db and leaves the rest to the server defaults', () => {
  assert.deepEqual(start([]), { command: 'start', options: { storage: { sqlite: DEFAULT_SQLITE_FILE } } });
});

test('start reads every flag', () => {
  const command = start([
    '--redis', 'redis://127.0.0.1:6379/2', '--redis-key-prefix', 'mfa:', '--host', '0.0.0.0', '--port', '8443',
    '--public-url', 'https://mfa.example.com', '--tls-cert', 'cert.pem', '--tls-key', 'key.pem',
    '--push-subject', 'mailto:ops@example.com', '--rate-limit-api', '100', '--rate-limit-device', '50',
    '--rate-limit-registrations', '5', '--pending-timeout-ms', '60000', '--pairing-timeout-ms', '120000',
    '--shutdown-timeout-ms', '3000',
  ]);
  assert.deepEqual(command, {
    command: 'start',
    options: {
      storage: { redisUrl: 'redis://127.0.0.1:6379/2', keyPrefix: 'mfa:' },
      host: '0.0.0.0',
      port: 8443,
      publicUrl: 'https://mfa.example.com',
      push: { subject: 'mailto:ops@example.com' },
      rateLimits: { apiPerMinutePerRequester: 100, devicePerMinutePerIp: 50, registrationsPerHourPerIp: 5 },
      pendingTimeoutMs: 60000,
      pairingTimeoutMs: 120000,
      shutdownTimeoutMs: 3000,
    },
    tlsFiles: { cert: 'cert.pem', key: 'key.pem' },
  });
});

test('start reads TOOPHER_SERVER_* variables, and flags win over them', () => {
  const env = {
    TOOPHER_SERVER_SQLITE: '/var/lib/toopher/state.db',
    TOOPHER_SERVER_HOST: '0.0.0.0',
    TOOPHER_SERVER_PORT: '4200',
    TOOPHER_SERVER_PUBLIC_URL: 'https://mfa.example.com',
    TOOPHER_SERVER_TRUST_PROXY: 'loopback, 10.0.0.0/8',
    TOOPHER_SERVER_PUSH_SUBJECT: 'https://example.com/contact',
    TOOPHER_SERVER_PENDING_TIMEOUT_MS: '',
  };
  assert.deepEqual(start([], env).options, {
    storage: { sqlite: '/var/lib/toopher/state.db' },
    host: '0.0.0.0',
    port: 4200,
    publicUrl: 'https://mfa.example.com',
    trustProxy: 'loopback, 10.0.0.0/8',
    push: { subject: 'https://example.com/contact' },
  });
  const flagged = start(['--port', '0', '--redis', 'rediss://cache:6380', '--no-push', '--trust-proxy', '2'], env).options;
  assert.equal(flagged.port, 0);
  assert.deepEqual(flagged.storage, { redisUrl: 'rediss://cache:6380' });
  assert.equal(flagged.push, false);
  assert.equal(flagged.trustProxy, 2);
  assert.deepEqual(start(['--push-subject', 'mailto:a@b.c'], { TOOPHER_SERVER_NO_PUSH: '1' }).options.push, { subject: 'mailto:a@b.c' });
  assert.equal(start([], { TOOPHER_SERVER_NO_PUSH: 'true', TOOPHER_SERVER_PUSH_SUBJECT: 'mailto:a@b.c' }).options.push, false);
  assert.equal(start(['--trust-proxy', 'true']).options.trustProxy, true);
  assert.equal(start(['--trust-proxy', 'false']).options.trustProxy, false);
});

test('the Redis storage takes its URL and key prefix from the environment', () => {
  const env = { TOOPHER_SERVER_REDIS_URL: 'redis://:pw@cache:6379', TOOPHER_SERVER_REDIS_KEY_PREFIX: 'mfa:' };
  assert.deepEqual(start([], env).options.storage, { redisUrl: 'redis://:pw@cache:6379', keyPrefix: 'mfa:' });
  // A key prefix in the environment is ignored for a SQLite file given on the command line.
  assert.deepEqual(start(['--sqlite', 'x.db'], env).options.storage, { sqlite: 'x.db' });
});

test('bad start arguments are usage errors with a clear message', () => {
  usageError(['start', '--sqlite', 'a.db', '--redis', 'redis://x'], /not both/);
  usageError(['start'], /not both/, { TOOPHER_SERVER_SQLITE: 'a.db', TOOPHER_SERVER_REDIS_URL: 'redis://x' });
  usageError(['start', '--redis', 'http://x'], /redis:\/\//);
  usageError(['start', '--redis-key-prefix', 'p'], /needs Redis/);
  usageError(['start', '--port', '65536'], /--port must be an integer from 0 to 65535/);
  usageError(['start', '--port', '12ab'], /--port/);
  usageError(['start'], /--port/, { TOOPHER_SERVER_PORT: '-1' });
  usageError(['start', '--tls-cert', 'c.pem'], /together/);
  usageError(['start', '--push-subject', 'mailto:a@b.c', '--no-push'], /not both/);
  usageError(['start', '--push-subject', 'ops@example.com'], /mailto:/);
  usageError(['start'], /NO_PUSH must be/, { TOOPHER_SERVER_NO_PUSH: 'maybe' });
  usageError(['start', '--public-url', 'mfa.example.com'], /--public-url/);
  usageError(['start', '--trust-proxy', 'a;b'], /--trust-proxy/);
  usageError(['start', '--pending-timeout-ms', '0'], /--pending-timeout-ms/);
  usageError(['start', '--host', ''], /--host must not be empty/);
  usageError(['start', '--bogus'], /bogus/);
  usageError(['start', 'now'], /unexpected argument "now"/);
});

test('requesters commands', () => {
  assert.deepEqual(parseCli(['requesters', 'create', '--name', ' Shop ']), { command: 'requesters create', storage: { sqlite: DEFAULT_SQLITE_FILE }, name: 'Shop' });
  assert.deepEqual(parseCli(['requesters', 'list', '--json', '--sqlite', 'a.db']), { command: 'requesters list', storage: { sqlite: 'a.db' }, json: true });
  assert.deepEqual(parseCli(['requesters', 'rotate', 'tk-1'], { TOOPHER_SERVER_REDIS_URL: 'redis://x' }), {
    command: 'requesters rotate',
    storage: { redisUrl: 'redis://x' },
    key: 'tk-1',
  });
  assert.deepEqual(parseCli(['requesters', 'delete', '--sqlite', 'a.db', 'tk-1']), { command: 'requesters delete', storage: { sqlite: 'a.db' }, key: 'tk-1' });
});

test('bad requesters arguments are usage errors', () => {
  usageError(['requesters'], /needs an action/);
  usageError(['requesters', 'show'], /unknown requesters action "show"/);
  usageError(['requesters', 'create'], /--name/);
  usageError(['requesters', 'create', '--name', '  '], /--name/);
  usageError(['requesters', 'create', '--name', 'a\u0007b'], /printable/);
  usageError(['requesters', 'create', '--name', 'x'.repeat(101)], /at most 100/);
  usageError(['requesters', 'create', '--name', 'Shop', 'extra'], /unexpected argument/);
  usageError(['requesters', 'list', 'extra'], /unexpected argument/);
  usageError(['requesters', 'rotate'], /usage: requesters rotate <consumer key>/);
  usageError(['requesters', 'delete', 'a', 'b'], /usage: requesters delete/);
  usageError(['requesters', 'list', '--name', 'x'], /name/);
});

test('a missing or unknown command is a usage error', () => {
  usageError([], /a command is needed/);
  usageError(['serve'], /unknown command "serve"/);
  usageError(['--port', '1'], /unknown command "--port"/);
});
