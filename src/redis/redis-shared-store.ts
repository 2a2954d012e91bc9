import { ToopherConfigError, ToopherError } from '../errors.js';
import type { ToopherSharedStore } from '../engine/shared-store.js';
import { INCREMENT_IN_WINDOW, redisSender, sendWithTimeout, type RedisClientLike, type RedisSend } from '../internal/redis-commands.js';

export type { RedisClientLike, NodeRedisClientLike, IoRedisClientLike } from '../internal/redis-commands.js';

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
const DECREMENT_IF_POSITIVE =
  "local n = tonumber(redis.call('GET', KEYS[1])) if n and n > 0 then return redis.call('DECR', KEYS[1]) end return 0";

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
  private readonly _send: RedisSend;
  private readonly _prefix: string;
  private readonly _timeoutMs: number;

  constructor(client: RedisClientLike, options: RedisSharedStoreOptions = {}) {
    const send = redisSender(client);
    if (send === undefined) {
      throw new ToopherConfigError(
        'RedisSharedStore: `client` must be a node-redis client (createClient() from "redis") or an ioredis client (new Redis()).',
      );
    }
    this._send = send;
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
    const reply = await this._command(['EVAL', INCREMENT_IN_WINDOW, '1', this._prefix + key, positiveMs(windowMs, 'windowMs')]);
    if (typeof reply === 'number' && Number.isSafeInteger(reply)) return reply;
    throw new ToopherError('RedisSharedStore: unexpected reply to INCR.', { status: 503 });
  }

  async decrement(key: string): Promise<void> {
    await this._command(['EVAL', DECREMENT_IF_POSITIVE, '1', this._prefix + key]);
  }

  private _command(args: string[]): Promise<unknown> {
    return sendWithTimeout(this._send, args, this._timeoutMs, (message, cause) =>
      new ToopherError(`RedisSharedStore: ${message}`, { status: 503, cause }),
    );
  }
}
