import { ToopherConfigError, ToopherError } from '../errors.js';
import type { ToopherSharedStore } from '../strategy/shared-store.js';

/** A node-redis v4 or v5 client (`createClient()` of `redis` or `@redis/client`). */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** An ioredis client (`new Redis()`), v5 or later. */
export interface IoRedisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * What `RedisSharedStore` needs of a client: only a way to send a raw
 * command. Both client libraries fit without an adapter; neither is a
 * dependency of this package.
 */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

/** Options of `new RedisSharedStore(client, options)`. */
export interface RedisSharedStoreOptions {
  /**
   * Put before every key, e.g. `'myapp:'` when several apps share one Redis.
   * Keys are then `myapp:passport-toopher:<kind>:<digest>`. Default `''`.
   */
  readonly prefix?: string;
  /**
   * How long one command may take before it counts as failed (the request
   * then fails closed with a 503). Clients queue commands while Redis is
   * down; this bounds the wait. Default 1000.
   */
  readonly commandTimeoutMs?: number;
}

// One Lua script per operation, so each is atomic on the server.
const INCREMENT =
  "local n = redis.call('INCR', KEYS[1]) if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";
const DECREMENT_IF_POSITIVE =
  "local n = tonumber(redis.call('GET', KEYS[1])) if n and n > 0 then return redis.call('DECR', KEYS[1]) end return 0";

type Send = (args: string[]) => Promise<unknown>;

function senderOf(client: unknown): Send {
  const c = client as Partial<NodeRedisClientLike & IoRedisClientLike> | null;
  // ioredis also has a `sendCommand`, with another signature: test `call` first.
  if (typeof c?.call === 'function') {
    const call = c.call.bind(c);
    return ([command, ...args]) => call(command ?? '', ...args);
  }
  if (typeof c?.sendCommand === 'function') return c.sendCommand.bind(c);
  throw new ToopherConfigError(
    'RedisSharedStore: `client` must be a node-redis client (createClient() from "redis") or an ioredis client (new Redis()).',
  );
}

function positiveMs(value: number, what: string): string {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`RedisSharedStore: \`${what}\` must be a positive number of milliseconds.`);
  return String(Math.ceil(value));
}

/**
 * A {@link ToopherSharedStore} in Redis, for several app instances. Every
 * method is one atomic command (`SET NX PX`, or a Lua script). A Redis error,
 * a closed client or no answer within `commandTimeoutMs` rejects, and the
 * strategy then fails closed (503): nothing is granted.
 *
 * Give it a connected client; the store never connects, quits or listens to
 * its events.
 */
export class RedisSharedStore implements ToopherSharedStore {
  private readonly _send: Send;
  private readonly _prefix: string;
  private readonly _timeoutMs: number;

  constructor(client: RedisClientLike, options: RedisSharedStoreOptions = {}) {
    this._send = senderOf(client);
    const prefix = options.prefix ?? '';
    if (typeof prefix !== 'string' || prefix.length > 100) {
      throw new ToopherConfigError('RedisSharedStore: `prefix` must be a string of at most 100 characters.');
    }
    const timeoutMs = options.commandTimeoutMs ?? 1000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
      throw new ToopherConfigError('RedisSharedStore: `commandTimeoutMs` must be an integer from 1 to 60000.');
    }
    this._prefix = prefix;
    this._timeoutMs = timeoutMs;
  }

  async setIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    const reply = await this._command(['SET', this._prefix + key, '1', 'NX', 'PX', positiveMs(ttlMs, 'ttlMs')]);
    if (reply === 'OK') return true;
    if (reply === null) return false;
    throw new ToopherError('RedisSharedStore: unexpected reply to SET NX.', { status: 503 });
  }

  async increment(key: string, windowMs: number): Promise<number> {
    const reply = await this._command(['EVAL', INCREMENT, '1', this._prefix + key, positiveMs(windowMs, 'windowMs')]);
    if (typeof reply === 'number' && Number.isSafeInteger(reply)) return reply;
    throw new ToopherError('RedisSharedStore: unexpected reply to INCR.', { status: 503 });
  }

  async decrement(key: string): Promise<void> {
    await this._command(['EVAL', DECREMENT_IF_POSITIVE, '1', this._prefix + key]);
  }

  private _command(args: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ToopherError(`RedisSharedStore: Redis did not answer within ${this._timeoutMs} ms.`, { status: 503 }));
      }, this._timeoutMs);
      const settle = (): void => clearTimeout(timer);
      let pending: Promise<unknown>;
      try {
        pending = this._send(args);
      } catch (err) {
        settle();
        reject(new ToopherError(`RedisSharedStore: ${args[0]} failed.`, { status: 503, cause: err }));
        return;
      }
      pending.then(
        (reply) => {
          settle();
          resolve(reply);
        },
        (err: unknown) => {
          settle();
          reject(new ToopherError(`RedisSharedStore: ${args[0]} failed.`, { status: 503, cause: err }));
        },
      );
    });
  }
}
