import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RedisAuditLog } from '../../src/server/storage/redis-audit-log.js';
import { RedisBackend, type RedisBackendOptions } from '../../src/server/storage/redis-backend.js';
import { SqliteAuditLog } from '../../src/server/storage/sqlite-audit-log.js';
import { SqliteBackend, type SqliteBackendOptions } from '../../src/server/storage/sqlite-backend.js';
import type { AuditLog, StateBackend } from '../../src/sandbox/store/state-backend.js';
import { startRedis } from './processes.js';

/** A clock tests move by hand. */
export class ManualClock {
  now = 1_700_000_000_000;
  readonly read = (): number => this.now;
}

/** One empty store; every `open()` is a new instance with its own connection to it. */
export interface StorageUnderTest {
  readonly clock: ManualClock;
  open(): Promise<StateBackend>;
  auditLog(backend: StateBackend): AuditLog;
  /** Milliseconds until a claim expires, as stored (undefined: no claim). */
  claimExpiresIn(key: string): Promise<number | undefined>;
}

export interface StorageHarness {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  fresh(): Promise<StorageUnderTest>;
}

export function sqliteHarness(options: Omit<SqliteBackendOptions, 'clock'> = {}): StorageHarness & { readonly dir: () => string } {
  let dir: string | undefined;
  let files = 0;
  const raws: Database.Database[] = [];
  const backends: StateBackend[] = [];
  return {
    name: 'SqliteBackend',
    dir: () => dir ?? '',
    start() {
      dir = mkdtempSync(join(tmpdir(), 'toopher-storage-'));
      return Promise.resolve();
    },
    async stop() {
      await Promise.all(backends.map((b) => b.close()));
      for (const raw of raws) raw.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
    fresh() {
      files += 1;
      const path = join(dir ?? '', `state-${files}.db`);
      const clock = new ManualClock();
      let raw: Database.Database | undefined;
      return Promise.resolve({
        clock,
        async open() {
          const backend = await SqliteBackend.open(path, { ...options, clock: clock.read });
          backends.push(backend);
          return backend;
        },
        auditLog: (backend) => new SqliteAuditLog(backend as SqliteBackend),
        claimExpiresIn(key) {
          if (raw === undefined) raws.push((raw = new Database(path)));
          const at = raw.prepare('SELECT expires_at FROM claims WHERE key = ?').pluck().get(key) as number | undefined;
          return Promise.resolve(at === undefined ? undefined : at - clock.now);
        },
      });
    },
  };
}

export function redisHarness(options: Omit<RedisBackendOptions, 'clock' | 'prefix'> = {}): StorageHarness & { url(): string } {
  let server: { url: string; stop(): Promise<void> } | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  let stores = 0;
  // Instances alternate between the two client libraries, so two instances are also two libraries.
  let opened = 0;
  const connect = async (): Promise<{ sendCommand(args: string[]): Promise<unknown> } | Redis> => {
    opened += 1;
    if (opened % 2 === 1) {
      const client = createClient({ url: server?.url ?? '' });
      await client.connect();
      closers.push(() => client.quit());
      return client;
    }
    const client = new Redis(server?.url ?? '', { lazyConnect: true });
    await client.connect();
    closers.push(() => client.quit());
    return client;
  };
  return {
    name: 'RedisBackend',
    url: () => server?.url ?? '',
    async start() {
      server = await startRedis();
    },
    async stop() {
      await Promise.all(closers.map((close) => close()));
      await server?.stop();
    },
    async fresh() {
      stores += 1;
      const prefix = `store-${stores}:`;
      const clock = new ManualClock();
      const probe = await connect();
      return {
        clock,
        async open() {
          return new RedisBackend(await connect(), { ...options, prefix, clock: clock.read });
        },
        auditLog: () => new RedisAuditLog(probe, { prefix }),
        async claimExpiresIn(key) {
          const args = ['PTTL', `${prefix}toopher-server:claim:${key}`];
          const ttl = Number(probe instanceof Redis ? await probe.call('PTTL', args[1] ?? '') : await probe.sendCommand(args));
          return ttl < 0 ? undefined : ttl;
        },
      };
    },
  };
}
