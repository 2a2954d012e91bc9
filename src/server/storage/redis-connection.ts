import { createHash } from 'node:crypto';
import { ToopherConfigError } from '../../errors.js';
import { redisSender, sendWithTimeout, type RedisClientLike, type RedisSend } from '../../internal/redis-commands.js';
import { storageFault } from './storage-values.js';

export type { RedisClientLike } from '../../internal/redis-commands.js';

/** Options shared by `RedisBackend` and `RedisAuditLog`. */
export interface RedisConnectionOptions {
  /** Put before every key, e.g. `'myapp:'` when several deployments share one Redis. Default `''`. */
  readonly prefix?: string;
  /** How long one command may take before it counts as failed (fail closed). Default 2000. */
  readonly commandTimeoutMs?: number;
}

/**
 * One Redis client as the storage uses it: prefixed keys, every command
 * bounded by `commandTimeoutMs`, any error or timeout a 503 `ToopherError`.
 * The client stays the caller's: this never connects, quits or listens to it.
 */
export class RedisConnection {
  readonly who: string;
  private readonly _send: RedisSend;
  private readonly _prefix: string;
  private readonly _timeoutMs: number;
  private _closed = false;

  constructor(who: string, client: RedisClientLike, options: RedisConnectionOptions) {
    this.who = who;
    const send = redisSender(client);
    if (send === undefined) {
      throw new ToopherConfigError(`${who}: \`client\` must be a node-redis client (createClient() from "redis") or an ioredis client (new Redis()).`);
    }
    const prefix = options.prefix ?? '';
    if (typeof prefix !== 'string' || prefix.length > 100) throw new ToopherConfigError(`${who}: \`prefix\` must be a string of at most 100 characters.`);
    const timeoutMs = options.commandTimeoutMs ?? 2000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
      throw new ToopherConfigError(`${who}: \`commandTimeoutMs\` must be an integer from 1 to 60000.`);
    }
    this._send = send;
    this._prefix = prefix;
    this._timeoutMs = timeoutMs;
  }

  /** `prefix` + `toopher-server:` + name. */
  key(name: string): string {
    return `${this._prefix}toopher-server:${name}`;
  }

  async command(args: string[]): Promise<unknown> {
    if (this._closed) throw storageFault(`${this.who}: the storage is closed.`);
    return sendWithTimeout(this._send, args, this._timeoutMs, (message, cause) => storageFault(`${this.who}: ${message}`, cause));
  }

  /** Runs a Lua script by its SHA1 (EVALSHA), loading it with EVAL when Redis does not know it yet. */
  async script(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.command(['EVALSHA', script.sha, ...tail]);
    } catch (err) {
      if (!/NOSCRIPT/.test(String((err as { cause?: unknown }).cause))) throw err;
      return this.command(['EVAL', script.source, ...tail]);
    }
  }

  close(): void {
    this._closed = true;
  }
}

export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** A reply that must be a safe integer, else the storage fails closed. */
export function integerReply(who: string, reply: unknown, what: string): number {
  if (typeof reply === 'number' && Number.isSafeInteger(reply)) return reply;
  throw storageFault(`${who}: unexpected reply to ${what}.`);
}
