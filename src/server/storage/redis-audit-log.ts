import { ToopherConfigError } from '../../errors.js';
import { RedisConnection, type RedisClientLike, type RedisConnectionOptions } from './redis-connection.js';
import type { AuditEntry, AuditLog } from '../../sandbox/store/state-backend.js';
import { auditEntryFrom, auditFields, checkLimit, storageFault } from './storage-values.js';

export interface RedisAuditLogOptions extends RedisConnectionOptions {
  /** About how many entries the stream keeps (older ones are trimmed). Default 1 000 000. */
  readonly maxLength?: number;
}

const WHO = 'RedisAuditLog';

/**
 * The audit log as a Redis stream (`<prefix>toopher-server:audit`): entries
 * are only ever added (XADD, trimmed to about `maxLength`), one field per
 * property of the entry.
 */
export class RedisAuditLog implements AuditLog {
  private readonly _redis: RedisConnection;
  private readonly _key: string;
  private readonly _maxLength: number;

  constructor(client: RedisClientLike, options: RedisAuditLogOptions = {}) {
    this._redis = new RedisConnection(WHO, client, options);
    const maxLength = options.maxLength ?? 1_000_000;
    if (!Number.isSafeInteger(maxLength) || maxLength < 1000) throw new ToopherConfigError(`${WHO}: \`maxLength\` must be an integer of at least 1000.`);
    this._key = this._redis.key('audit');
    this._maxLength = maxLength;
  }

  async append(entry: AuditEntry): Promise<void> {
    const fields = Object.entries(auditFields(WHO, entry)).flatMap(([name, value]) => [name, String(value)]);
    await this._redis.command(['XADD', this._key, 'MAXLEN', '~', String(this._maxLength), '*', ...fields]);
  }

  /** The newest `limit` entries, newest first. */
  async recent(limit: number): Promise<AuditEntry[]> {
    checkLimit(WHO, limit);
    const reply = await this._redis.command(['XREVRANGE', this._key, '+', '-', 'COUNT', String(limit)]);
    if (!Array.isArray(reply)) throw storageFault(`${WHO}: unexpected reply to XREVRANGE.`);
    return reply.map((item: unknown) => {
      const flat: unknown = Array.isArray(item) ? item[1] : undefined;
      if (!Array.isArray(flat) || !flat.every((part) => typeof part === 'string')) throw storageFault(`${WHO}: unexpected stream entry.`);
      const fields = new Map<string, string>();
      for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i] as string, flat[i + 1] as string);
      return auditEntryFrom(WHO, fields);
    });
  }

  /** Later calls reject. The client stays open: it is the caller's. */
  close(): Promise<void> {
    this._redis.close();
    return Promise.resolve();
  }
}
