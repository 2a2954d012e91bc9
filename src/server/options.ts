import { z } from 'zod';
import { ToopherConfigError } from '../errors.js';
import type { RedisClientLike } from '../internal/redis-commands.js';

/** One structured log line (JSON): never secrets, signatures, one-time passwords or query strings. */
export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly [field: string]: unknown;
}

export type ServerStorage =
  | { readonly sqlite: string }
  | { readonly redisUrl: string; readonly keyPrefix?: string | undefined }
  | { readonly redis: RedisClientLike; readonly keyPrefix?: string | undefined };

export interface ToopherServerOptions {
  /** Where users, pairings, requests, devices and requesters persist: a SQLite file, or Redis for several instances. */
  readonly storage: ServerStorage;
  /** Default 127.0.0.1. Any other address needs `tls` or `trustProxy`. */
  readonly host?: string;
  /** Default 4100; 0 picks a free port. */
  readonly port?: number;
  /** The address phones and websites use (QR links, the phone app); default: the listening address. */
  readonly publicUrl?: string;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Express's `trust proxy`: set when a TLS-terminating proxy forwards to this server. */
  readonly trustProxy?: boolean | number | string;
  /** Web Push (VAPID `subject`, a mailto: or https: URL), or false for none (the app then polls only). */
  readonly push?: { readonly subject: string; readonly allowInsecureLoopbackEndpoints?: boolean; readonly timeoutMs?: number } | false;
  readonly rateLimits?: {
    readonly apiPerMinutePerRequester?: number;
    readonly apiPerMinutePerIp?: number;
    readonly devicePerMinutePerIp?: number;
    readonly registrationsPerHourPerIp?: number;
  };
  readonly pendingTimeoutMs?: number;
  readonly pairingTimeoutMs?: number;
  readonly phraseTimeoutMs?: number;
  readonly timestampWindowSeconds?: number;
  /** Default: JSON lines on stdout. */
  readonly log?: (entry: LogEntry) => void;
  /** Milliseconds since the epoch (tests). */
  readonly clock?: () => number;
  /** How long `close()` lets in-flight requests finish (default 10 s). */
  readonly shutdownTimeoutMs?: number;
}

const minutes = (n: number): number => n * 60_000;

const schema = z.object({
  storage: z.union([
    z.object({ sqlite: z.string().min(1) }).strict(),
    z.object({ redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'), keyPrefix: z.string().min(1).max(100).optional() }).strict(),
    z.object({ redis: z.custom<RedisClientLike>((v) => typeof v === 'object' && v !== null, 'must be a node-redis or ioredis client'), keyPrefix: z.string().min(1).max(100).optional() }).strict(),
  ]),
  host: z.string().min(1).max(255).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(4100),
  publicUrl: z.string().url().regex(/^https?:\/\//, 'must be an http(s) URL').optional(),
  tls: z.object({ cert: z.union([z.string().min(1), z.instanceof(Buffer)]), key: z.union([z.string().min(1), z.instanceof(Buffer)]) }).strict().optional(),
  trustProxy: z.union([z.boolean(), z.number().int().min(0), z.string().min(1)]).optional(),
  push: z
    .union([
      z.literal(false),
      z
        .object({
          subject: z.string().regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'must be a mailto: address or an https: URL'),
          allowInsecureLoopbackEndpoints: z.boolean().default(false),
          timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
        })
        .strict(),
    ])
    .default(false),
  rateLimits: z
    .object({
      apiPerMinutePerRequester: z.number().int().positive().default(6_000),
      // Unsigned or forged calls cost a transaction each before the signature check refuses them.
      apiPerMinutePerIp: z.number().int().positive().default(12_000),
      devicePerMinutePerIp: z.number().int().positive().default(300),
      registrationsPerHourPerIp: z.number().int().positive().default(30),
    })
    .strict()
    .prefault({}),
  pendingTimeoutMs: z.number().int().positive().default(minutes(5)),
  pairingTimeoutMs: z.number().int().positive().default(minutes(10)),
  phraseTimeoutMs: z.number().int().positive().default(minutes(10)),
  timestampWindowSeconds: z.number().int().positive().max(3600).default(300),
  log: z.custom<(entry: LogEntry) => void>((v) => typeof v === 'function', 'must be a function').optional(),
  clock: z.custom<() => number>((v) => typeof v === 'function', 'must be a function').optional(),
  shutdownTimeoutMs: z.number().int().positive().max(600_000).default(10_000),
}).strict();

export type ResolvedServerOptions = z.output<typeof schema>;

export function resolveServerOptions(options: ToopherServerOptions): ResolvedServerOptions {
  const result = schema.safeParse(options);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue === undefined || issue.path.length === 0 ? 'options' : issue.path.join('.');
    throw new ToopherConfigError(`Invalid toopher-server option \`${path}\`: ${issue?.message ?? 'invalid'}`, { cause: result.error });
  }
  return result.data;
}
