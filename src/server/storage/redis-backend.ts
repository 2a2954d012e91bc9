import { systemClock, type Clock } from '../../internal/clock.js';
import { INCREMENT_IN_WINDOW } from '../../internal/redis-commands.js';
import { ToopherConfigError } from '../../errors.js';
import { integerReply, luaScript, RedisConnection, type RedisClientLike, type RedisConnectionOptions } from './redis-connection.js';
import type { IncomingChanges, RecordChange, StateBackend } from '../../sandbox/store/state-backend.js';
import { checkChanges, checkCursor, checkKey, checkMs, storageFault } from './storage-values.js';

export interface RedisBackendOptions extends RedisConnectionOptions {
  /** Milliseconds since the epoch (tombstone ages); injectable for tests. Default `Date.now`. */
  readonly clock?: Clock;
  /** How long a deleted record's tombstone is kept for other instances to see. Default 24 h. */
  readonly tombstoneMaxAgeMs?: number;
  /** How many times `transact` runs the body when other instances keep committing first. Default 10. */
  readonly maxAttempts?: number;
}

const WHO = 'RedisBackend';
const PRUNE_BATCH = 1000;
const PRUNE_INTERVAL_MS = 60_000;

// The state's keys share the hash tag {state}, so the scripts also run on Redis Cluster.
// KEYS: seq, records (hash "kind:id" -> JSON), log (zset "kind:id" by the seq of its last change),
// pruned (highest seq of a pruned tombstone). ARGV: cursor, then fields whose current value to add.
const READ = luaScript(`
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
local cursor = tonumber(ARGV[1])
local reset = cursor == 0 or cursor > seq or cursor < tonumber(redis.call('GET', KEYS[4]) or '0')
local out = {seq, reset and 1 or 0}
if reset then
  local all = redis.call('HGETALL', KEYS[2])
  for i = 1, #all do out[#out + 1] = all[i] end
  return out
end
local fields = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[1], '+inf')
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
for i = 1, #fields do
  out[#out + 1] = fields[i]
  out[#out + 1] = redis.call('HGET', KEYS[2], fields[i])
end
return out`);

// KEYS: seq, records, log, tombstones (zset "kind:id" by deletion time). ARGV: expected seq, now,
// then per change: field, '1' live or '0' deleted, value. Returns the new seq, or -1 if seq moved.
const COMMIT = luaScript(`
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
if seq ~= tonumber(ARGV[1]) then return -1 end
local next = seq + 1
for i = 3, #ARGV, 3 do
  local field = ARGV[i]
  if ARGV[i + 1] == '1' then
    redis.call('HSET', KEYS[2], field, ARGV[i + 2])
    redis.call('ZREM', KEYS[4], field)
  else
    redis.call('HDEL', KEYS[2], field)
    redis.call('ZADD', KEYS[4], ARGV[2], field)
  end
  redis.call('ZADD', KEYS[3], next, field)
end
redis.call('SET', KEYS[1], next)
return next`);

// KEYS: tombstones, log, pruned. ARGV: deleted before (ms), batch size. Returns how many were pruned.
const PRUNE = luaScript(`
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local pruned = tonumber(redis.call('GET', KEYS[3]) or '0')
for i = 1, #old do
  local s = tonumber(redis.call('ZSCORE', KEYS[2], old[i]) or '0')
  if s > pruned then pruned = s end
  redis.call('ZREM', KEYS[2], old[i])
  redis.call('ZREM', KEYS[1], old[i])
end
if #old > 0 then redis.call('SET', KEYS[3], pruned) end
return #old`);

const INCREMENT = luaScript(INCREMENT_IN_WINDOW);

/**
 * The server's state in Redis, shared by several server instances.
 * Optimistic: `transact` reads the sequence number and the changes after the
 * cursor in one script, runs the body, and commits in one script only if the
 * sequence number has not moved; otherwise it runs the body again with what
 * was committed since (at most `maxAttempts` times, then rejects). Every
 * Redis error or a command that takes longer than `commandTimeoutMs` rejects.
 */
export class RedisBackend implements StateBackend {
  private readonly _redis: RedisConnection;
  private readonly _clock: Clock;
  private readonly _tombstoneMaxAgeMs: number;
  private readonly _maxAttempts: number;
  private readonly _keys: { seq: string; records: string; log: string; tombstones: string; pruned: string };
  private _lastPruneAt = Number.NEGATIVE_INFINITY;

  constructor(client: RedisClientLike, options: RedisBackendOptions = {}) {
    this._redis = new RedisConnection(WHO, client, options);
    const tombstoneMaxAgeMs = options.tombstoneMaxAgeMs ?? 24 * 3600_000;
    if (!Number.isSafeInteger(tombstoneMaxAgeMs) || tombstoneMaxAgeMs < 1000) {
      throw new ToopherConfigError(`${WHO}: \`tombstoneMaxAgeMs\` must be an integer of at least 1000.`);
    }
    const maxAttempts = options.maxAttempts ?? 10;
    if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 1000) {
      throw new ToopherConfigError(`${WHO}: \`maxAttempts\` must be an integer from 1 to 1000.`);
    }
    this._clock = options.clock ?? systemClock;
    this._tombstoneMaxAgeMs = tombstoneMaxAgeMs;
    this._maxAttempts = maxAttempts;
    const key = (name: string): string => this._redis.key(`{state}:${name}`);
    this._keys = { seq: key('seq'), records: key('records'), log: key('log'), tombstones: key('tombstones'), pruned: key('pruned') };
  }

  /**
   * Runs `body` until a commit succeeds. After a lost race the body gets the
   * changes committed since its last read, plus the stored value (or null)
   * of every record its previous attempt returned, which was not committed:
   * applying them puts the caller's copy back in step with the store.
   */
  async transact(cursor: number, body: (incoming: IncomingChanges) => readonly RecordChange[]): Promise<number> {
    checkCursor(WHO, cursor);
    const now = this._clock();
    if (now - this._lastPruneAt >= PRUNE_INTERVAL_MS) await this.prune();
    const k = this._keys;
    let from = cursor;
    let uncommitted: string[] = [];
    for (let attempt = 1; ; attempt += 1) {
      const read = this._parseRead(await this._redis.script(READ, [k.seq, k.records, k.log, k.pruned], [String(from), ...uncommitted]));
      const out = body(read.incoming);
      checkChanges(WHO, out);
      if (out.length === 0) return read.seq;
      const args = [String(read.seq), String(now)];
      for (const { kind, id, value } of out) args.push(`${kind}:${id}`, value === null ? '0' : '1', value ?? '');
      const reply = integerReply(WHO, await this._redis.script(COMMIT, [k.seq, k.records, k.log, k.tombstones], args), 'the commit');
      if (reply > 0) return reply;
      if (attempt >= this._maxAttempts) {
        throw storageFault(`${WHO}: other instances committed first ${attempt} times in a row; giving up.`);
      }
      from = read.seq;
      uncommitted = out.map(({ kind, id }) => `${kind}:${id}`);
    }
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    checkKey(WHO, key);
    const ttl = checkMs(WHO, ttlMs, 'ttlMs');
    const reply = await this._redis.command(['SET', this._redis.key(`claim:${key}`), '1', 'NX', 'PX', String(ttl)]);
    if (reply === 'OK') return true;
    if (reply === null) return false;
    throw storageFault(`${WHO}: unexpected reply to SET NX.`);
  }

  async count(key: string, windowMs: number): Promise<number> {
    checkKey(WHO, key);
    const windowLength = checkMs(WHO, windowMs, 'windowMs');
    const reply = await this._redis.script(INCREMENT, [this._redis.key(`count:${key}`)], [String(windowLength)]);
    return integerReply(WHO, reply, 'INCR');
  }

  /**
   * Removes up to 1000 tombstones older than `tombstoneMaxAgeMs` (claims and
   * counters expire by their TTL). `transact` does this by itself once a minute.
   */
  async prune(): Promise<{ readonly tombstones: number }> {
    const now = this._clock();
    this._lastPruneAt = now;
    const k = this._keys;
    const olderThan = String(now - this._tombstoneMaxAgeMs);
    const reply = await this._redis.script(PRUNE, [k.tombstones, k.log, k.pruned], [olderThan, String(PRUNE_BATCH)]);
    return { tombstones: integerReply(WHO, reply, 'the prune') };
  }

  /** Later calls reject. The client stays open: it is the caller's. */
  close(): Promise<void> {
    this._redis.close();
    return Promise.resolve();
  }

  private _parseRead(reply: unknown): { seq: number; incoming: IncomingChanges } {
    if (!Array.isArray(reply) || reply.length < 2 || reply.length % 2 !== 0) throw storageFault(`${WHO}: unexpected reply to the read.`);
    const seq = integerReply(WHO, reply[0], 'the read');
    const changes: RecordChange[] = [];
    for (let i = 2; i < reply.length; i += 2) {
      const field: unknown = reply[i];
      const value: unknown = reply[i + 1];
      const colon = typeof field === 'string' ? field.indexOf(':') : -1;
      if (typeof field !== 'string' || colon < 1 || (value !== null && typeof value !== 'string')) {
        throw storageFault(`${WHO}: unexpected record in the read.`);
      }
      changes.push({ kind: field.slice(0, colon), id: field.slice(colon + 1), value });
    }
    return { seq, incoming: { reset: reply[1] === 1, changes } };
  }
}
