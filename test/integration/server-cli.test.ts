import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ToopherConfigError } from '../../src/errors.js';
import { loadSandboxDependencies } from '../../src/sandbox/optional-deps.js';
import { SandboxStore } from '../../src/sandbox/store/sandbox-store.js';
import { StateAccess } from '../../src/sandbox/store/state-access.js';
import type { AuditEntry, AuditLog } from '../../src/sandbox/store/state-backend.js';
import { type CliIo, runCli } from '../../src/server/cli-run.js';
import type { ToopherServer, ToopherServerOptions } from '../../src/server/index.js';
import type { OpenedState } from '../../src/server/state.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

class MemoryAudit implements AuditLog {
  readonly entries: AuditEntry[] = [];
  failing = false;
  append(entry: AuditEntry): Promise<void> {
    if (this.failing) return Promise.reject(new Error('audit store down'));
    this.entries.push(entry);
    return Promise.resolve();
  }
  recent(limit: number): Promise<AuditEntry[]> {
    return Promise.resolve(this.entries.slice(-limit));
  }
}

/** One in-memory state that every command opens, as a file would be shared; records opens and closes. */
async function harness(): Promise<{ io: CliIo; out: string[]; err: string[]; audit: MemoryAudit; closes: () => number; state: StateAccess }> {
  await loadSandboxDependencies();
  const store = new SandboxStore({ consumers: [], clock: () => 1_000_000, pendingTimeoutMs: 60_000, pairingTimeoutMs: 60_000, phraseTimeoutMs: 60_000, otpRateLimit: false, devices: true });
  const state = new StateAccess(store);
  const audit = new MemoryAudit();
  const out: string[] = [];
  const err: string[] = [];
  let closes = 0;
  const opened: Pick<OpenedState, 'state' | 'audit' | 'close'> = {
    state,
    audit,
    close: () => {
      closes += 1;
      return Promise.resolve();
    },
  };
  const io: CliIo = {
    env: {},
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    readFile: () => Promise.reject(Object.assign(new Error('no such file'), { code: 'ENOENT' })),
    startServer: () => Promise.reject(new Error('not in this test')),
    openState: () => Promise.resolve(opened),
    serve: () => undefined,
  };
  return { io, out, err, audit, closes: () => closes, state };
}

test('requesters create prints the key and secret once and audits it; list never shows a secret', async () => {
  const h = await harness();
  assert.equal(await runCli(['requesters', 'create', '--name', 'Shop'], h.io), 0);
  const printed = h.out.join('');
  const [requester] = await h.state.run((store) => store.listRequesters());
  assert.ok(requester !== undefined);
  const secret = await h.state.run((store) => store.consumerSecret(requester.key));
  assert.ok(secret !== undefined && secret.length > 20);
  assert.match(printed, new RegExp(`Consumer key: +${requester.key}\\n`));
  assert.match(printed, new RegExp(`Consumer secret: +${secret}\\n`));
  assert.match(printed, /not shown again/);
  assert.deepEqual(h.audit.entries.map(({ type, requester: key }) => ({ type, key })), [{ type: 'requester.created', key: requester.key }]);

  h.out.length = 0;
  assert.equal(await runCli(['requesters', 'list'], h.io), 0);
  assert.equal(h.out.join(''), `${requester.key}\t${requester.id}\tShop\n`);
  h.out.length = 0;
  assert.equal(await runCli(['requesters', 'list', '--json'], h.io), 0);
  assert.deepEqual(JSON.parse(h.out.join('')), [{ key: requester.key, id: requester.id, name: 'Shop' }]);
  assert.doesNotMatch(h.out.join(''), new RegExp(secret));
  assert.equal(h.closes(), 3, 'every command closes the storage');
  assert.deepEqual(h.err, []);
});

test('requesters rotate prints the new secret once; delete removes; an unknown key exits 1', async () => {
  const h = await harness();
  const made = await h.state.run((store) => store.createRequester('Shop'));
  assert.equal(await runCli(['requesters', 'rotate', made.key], h.io), 0);
  const secret = await h.state.run((store) => store.consumerSecret(made.key));
  assert.ok(secret !== undefined && secret !== made.secret);
  assert.match(h.out.join(''), new RegExp(`New consumer secret for ${made.key} \\("Shop"\\): ${secret}\\n`));
  assert.equal(await runCli(['requesters', 'delete', made.key], h.io), 0);
  assert.deepEqual(await h.state.run((store) => store.listRequesters()), []);
  assert.deepEqual(h.audit.entries.map((e) => e.type), ['requester.rotated', 'requester.deleted']);

  assert.equal(await runCli(['requesters', 'rotate', made.key], h.io), 1);
  assert.match(h.err.join(''), /no requester has the consumer key/);
  assert.equal(await runCli(['requesters', 'delete', 'tk-nope'], h.io), 1);
  assert.equal(h.closes(), 4);
});

test('when the audit log cannot be written, the change is reported and the exit code is 1', async () => {
  const h = await harness();
  h.audit.failing = true;
  assert.equal(await runCli(['requesters', 'create', '--name', 'Shop'], h.io), 1);
  assert.match(h.out.join(''), /Consumer secret: /, 'the requester exists, so its secret is still shown');
  assert.match(h.err.join(''), /AUDIT LOG APPEND FAILED/);
  assert.match(h.err.join(''), /could not be written to the audit log/);
});

test('usage errors exit 2 with the message and a pointer to --help; help exits 0', async () => {
  const h = await harness();
  assert.equal(await runCli(['start', '--port', 'x'], h.io), 2);
  assert.match(h.err.join(''), /--port must be an integer.*\nRun toopher-server --help/s);
  assert.equal(await runCli(['--help'], h.io), 0);
  assert.match(h.out.join(''), /Usage: toopher-server/);
});

test('start reads the TLS files, passes the options and a log sink, and logs where it listens without credentials', async () => {
  const h = await harness();
  const dir = await mkdtemp(join(tmpdir(), 'toopher-cli-'));
  try {
    await writeFile(join(dir, 'cert.pem'), 'CERT');
    await writeFile(join(dir, 'key.pem'), 'KEY');
    let given: ToopherServerOptions | undefined;
    let served = false;
    const server: ToopherServer = {
      url: 'https://127.0.0.1:4100',
      apiUrl: 'https://127.0.0.1:4100/v1',
      appUrl: 'https://127.0.0.1:4100/app/',
      requesters: undefined as unknown as ToopherServer['requesters'],
      qrLink: () => Promise.reject(new Error('not used')),
      close: () => Promise.resolve(),
    };
    const io: CliIo = {
      ...h.io,
      readFile: async (path) => (await import('node:fs/promises')).readFile(path),
      startServer: (options) => {
        given = options;
        return Promise.resolve(server);
      },
      serve: () => {
        served = true;
      },
    };
    const argv = ['start', '--redis', 'redis://:hunter2@cache:6379', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')];
    assert.equal(await runCli(argv, io), undefined, 'start keeps running');
    assert.ok(given !== undefined && served);
    assert.deepEqual(given.storage, { redisUrl: 'redis://:hunter2@cache:6379' });
    assert.equal(String(given.tls?.cert), 'CERT');
    assert.equal(String(given.tls?.key), 'KEY');
    assert.equal(typeof given.log, 'function');
    const line = JSON.parse(h.out.join('')) as Record<string, unknown>;
    assert.equal(line['msg'], 'toopher-server started');
    assert.equal(line['apiUrl'], 'https://127.0.0.1:4100/v1');
    assert.equal(line['storage'], 'redis redis://cache:6379');
    assert.doesNotMatch(h.out.join(''), /hunter2/);

    assert.equal(await runCli(['start', '--tls-cert', join(dir, 'none.pem'), '--tls-key', join(dir, 'key.pem')], io), 2);
    assert.match(h.err.join(''), /cannot read --tls-cert .*none\.pem: ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a configuration the server refuses exits 2; any other failure exits 1', async () => {
  const h = await harness();
  const refusing: CliIo = { ...h.io, startServer: () => Promise.reject(new ToopherConfigError('Refusing to listen on "0.0.0.0"')) };
  assert.equal(await runCli(['start', '--host', '0.0.0.0'], refusing), 2);
  assert.match(h.err.join(''), /Refusing to listen/);
  assert.equal(await runCli(['start'], h.io), 1);
});

function runBin(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'dist/server/cli.js'), ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

test('the built toopher-server bin prints help with exit 0 and refuses bad arguments with exit 2', async () => {
  const help = await runBin(['start', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: toopher-server start/);
  const bad = await runBin(['requesters', 'create']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /requesters create needs --name/);
});
