import { ToopherConfigError } from '../errors.js';
import { isModuleMissing } from '../internal/module-missing.js';
import type { RedisClientLike } from '../internal/redis-commands.js';
import { loadSandboxDependencies } from '../sandbox/optional-deps.js';
import { ChangeTracker } from '../sandbox/store/record-table.js';
import { SandboxStore } from '../sandbox/store/sandbox-store.js';
import { StateAccess } from '../sandbox/store/state-access.js';
import type { AuditLog, StateBackend } from '../sandbox/store/state-backend.js';
import type { ServerStorage } from './options.js';
import { RedisAuditLog, RedisBackend, SqliteAuditLog, SqliteBackend } from './storage/index.js';

export interface StateTimes {
  readonly clock: () => number;
  readonly pendingTimeoutMs: number;
  readonly pairingTimeoutMs: number;
  readonly phraseTimeoutMs: number;
}

export interface OpenedState {
  readonly state: StateAccess;
  readonly backend: StateBackend;
  readonly audit: AuditLog;
  /** Closes the backend (and the Redis connection if this opened it). */
  close(): Promise<void>;
}

const DEFAULT_TIMES: StateTimes = {
  clock: () => Date.now(),
  pendingTimeoutMs: 5 * 60_000,
  pairingTimeoutMs: 10 * 60_000,
  phraseTimeoutMs: 10 * 60_000,
};

/** Wrong OTPs per pairing before it must wait (as the sandbox's default). */
const OTP_RATE_LIMIT = { maxAttempts: 10, windowMs: 15 * 60_000 } as const;

/** Authentication requests are kept a day after they were made (decisions stay in the audit log). */
const REQUEST_RETENTION_MS = 24 * 60 * 60_000;

/**
 * The server's state: the sandbox's domain over persistent storage (a SQLite file, or Redis for several
 * instances). Used by `createToopherServer` and by `toopher-server requesters`, which opens the same
 * storage while a server runs (the server sees the change at its next request).
 */
export async function openState(storage: ServerStorage, times: StateTimes = DEFAULT_TIMES): Promise<OpenedState> {
  await loadSandboxDependencies();
  let backend: StateBackend;
  let audit: AuditLog;
  let quit: (() => Promise<void>) | undefined;
  if ('sqlite' in storage) {
    const sqlite = await SqliteBackend.open(storage.sqlite, { clock: times.clock });
    backend = sqlite;
    audit = new SqliteAuditLog(sqlite);
  } else {
    let client: RedisClientLike;
    if ('redis' in storage) client = storage.redis;
    else {
      const connected = await connectRedis(storage.redisUrl);
      client = connected.client;
      quit = connected.quit;
    }
    const prefix = storage.keyPrefix ?? 'toopher-server:';
    backend = new RedisBackend(client, { prefix, clock: times.clock });
    audit = new RedisAuditLog(client, { prefix });
  }
  const tracker = new ChangeTracker();
  const store = new SandboxStore({
    consumers: [],
    clock: times.clock,
    pendingTimeoutMs: times.pendingTimeoutMs,
    pairingTimeoutMs: times.pairingTimeoutMs,
    phraseTimeoutMs: times.phraseTimeoutMs,
    otpRateLimit: OTP_RATE_LIMIT,
    maxPhrases: 10_000,
    requestRetentionMs: REQUEST_RETENTION_MS,
    tracker,
    devices: true,
  });
  let closing: Promise<void> | undefined;
  return {
    state: new StateAccess(store, { backend, tracker }),
    backend,
    audit,
    close: () => {
      closing ??= (async () => {
        store.dispose();
        await backend.close();
        await quit?.();
      })();
      return closing;
    },
  };
}

async function connectRedis(url: string): Promise<{ client: RedisClientLike; quit: () => Promise<void> }> {
  let redis: typeof import('redis');
  try {
    redis = await import('redis');
  } catch (cause) {
    if (!isModuleMissing(cause, 'redis')) throw cause;
    throw new ToopherConfigError('toopher-server with Redis storage needs the redis package: npm install redis', { cause });
  }
  const client = redis.createClient({ url, socket: { reconnectStrategy: (retries: number) => Math.min(retries * 100, 2_000) } });
  client.on('error', () => undefined); // every command fails closed on its own; the event would crash the process
  await client.connect();
  return {
    client: client as unknown as RedisClientLike,
    // Called after the server finished its requests: nothing is left to send, and a graceful QUIT would
    // wait forever for a Redis that went away.
    quit: () => {
      client.destroy();
      return Promise.resolve();
    },
  };
}
