import { systemClock, type Clock } from '../../internal/clock.js';
import { ToopherConfigError, ToopherError } from '../../errors.js';
import { openDatabases, openSqliteDatabase, type SqliteDatabase } from './sqlite-database.js';
import type { IncomingChanges, RecordChange, StateBackend } from '../../sandbox/store/state-backend.js';
import { BodyFailure, runBody } from './transaction-body.js';
import { checkChanges, checkCursor, checkKey, checkMs, storageFault } from './storage-values.js';

export interface SqliteBackendOptions {
  /** Milliseconds since the epoch; injectable for tests. Default `Date.now`. */
  readonly clock?: Clock;
  /** How long a deleted record's tombstone is kept for other instances to see. Default 24 h. */
  readonly tombstoneMaxAgeMs?: number;
  /** How long to wait for another process's write lock before failing. Default 5000. */
  readonly busyTimeoutMs?: number;
}

/** What one `prune()` removed. */
export interface PruneResult {
  readonly tombstones: number;
  readonly claims: number;
  readonly counters: number;
}

const WHO = 'SqliteBackend';
/** Rows removed per kind and prune, so one transaction stays short. */
const PRUNE_BATCH = 1000;
const PRUNE_INTERVAL_MS = 60_000;

interface Row {
  readonly kind: string;
  readonly id: string;
  readonly value: string | null;
}

/**
 * The server's state in one SQLite file (better-sqlite3, synchronous).
 * Every commit gets the next sequence number; each record row carries the
 * number of the commit that last wrote it, and a deleted record stays as a
 * tombstone (value NULL) for `tombstoneMaxAgeMs`, so an instance reads what
 * changed since its cursor. `transact` runs read, body and write in one
 * `BEGIN IMMEDIATE` transaction: processes sharing the file take turns.
 */
export class SqliteBackend implements StateBackend {
  private readonly _db: SqliteDatabase;
  private readonly _clock: Clock;
  private readonly _tombstoneMaxAgeMs: number;
  private readonly _sql: ReturnType<typeof statements>;
  private _lastPruneAt = Number.NEGATIVE_INFINITY;
  private _closed = false;

  static async open(path: string, options: SqliteBackendOptions = {}): Promise<SqliteBackend> {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0 || busyTimeoutMs > 600_000) {
      throw new ToopherConfigError(`${WHO}: \`busyTimeoutMs\` must be an integer from 0 to 600000.`);
    }
    const tombstoneMaxAgeMs = options.tombstoneMaxAgeMs ?? 24 * 3600_000;
    if (!Number.isSafeInteger(tombstoneMaxAgeMs) || tombstoneMaxAgeMs < 1000) {
      throw new ToopherConfigError(`${WHO}: \`tombstoneMaxAgeMs\` must be an integer of at least 1000.`);
    }
    const db = await openSqliteDatabase(path, busyTimeoutMs);
    return new SqliteBackend(db, options.clock ?? systemClock, tombstoneMaxAgeMs);
  }

  private constructor(db: SqliteDatabase, clock: Clock, tombstoneMaxAgeMs: number) {
    this._db = db;
    this._clock = clock;
    this._tombstoneMaxAgeMs = tombstoneMaxAgeMs;
    this._sql = statements(db);
    openDatabases.set(this, db);
  }

  transact(cursor: number, body: (incoming: IncomingChanges) => readonly RecordChange[]): Promise<number> {
    return this._run(() => {
      checkCursor(WHO, cursor);
      const now = this._clock();
      const run = this._db.transaction(() => {
        if (now - this._lastPruneAt >= PRUNE_INTERVAL_MS) this._pruneInTransaction(now);
        const seq = this._meta('seq');
        // A cursor ahead of the file means the file was replaced or restored: start from its state.
        const reset = cursor === 0 || cursor < this._meta('pruned_seq') || cursor > seq;
        const rows = reset ? this._sql.live.all() : this._sql.since.all(cursor);
        const changes = rows.map((row) => ({ kind: row.kind, id: row.id, value: row.value }));
        const out = runBody(body, { reset, changes });
        checkChanges(WHO, out);
        if (out.length === 0) return seq;
        const next = seq + 1;
        for (const change of out) this._sql.write.run(change.kind, change.id, change.value, next, now);
        this._sql.setMeta.run(next, 'seq');
        return next;
      });
      return run.immediate();
    });
  }

  claim(key: string, ttlMs: number): Promise<boolean> {
    return this._run(() => {
      checkKey(WHO, key);
      const ttl = checkMs(WHO, ttlMs, 'ttlMs');
      const now = this._clock();
      // Inserts, or takes over an expired claim; a live claim is left alone (0 rows changed).
      return this._sql.claim.run(key, now + ttl, now).changes === 1;
    });
  }

  count(key: string, windowMs: number): Promise<number> {
    return this._run(() => {
      checkKey(WHO, key);
      const windowLength = checkMs(WHO, windowMs, 'windowMs');
      const now = this._clock();
      return present(this._sql.count.get({ key, ends: now + windowLength, now }), 'the counter');
    });
  }

  /**
   * Removes expired claims and counters, and tombstones older than
   * `tombstoneMaxAgeMs` (at most 1000 of each per call). `transact` does this
   * by itself once a minute; an instance whose cursor predates a pruned
   * tombstone then gets a reset.
   */
  prune(): Promise<PruneResult> {
    return this._run(() => {
      const now = this._clock();
      return this._db.transaction(() => this._pruneInTransaction(now)).immediate();
    });
  }

  close(): Promise<void> {
    if (!this._closed) {
      this._closed = true;
      openDatabases.delete(this);
      this._db.close();
    }
    return Promise.resolve();
  }

  private _pruneInTransaction(now: number): PruneResult {
    this._lastPruneAt = now;
    const old = this._sql.oldTombstones.all(now - this._tombstoneMaxAgeMs, PRUNE_BATCH);
    let pruned = this._meta('pruned_seq');
    for (const row of old) {
      this._sql.deleteRecord.run(row.kind, row.id);
      pruned = Math.max(pruned, row.seq);
    }
    if (old.length > 0) this._sql.setMeta.run(pruned, 'pruned_seq');
    return {
      tombstones: old.length,
      claims: this._sql.pruneClaims.run(now, PRUNE_BATCH).changes,
      counters: this._sql.pruneCounters.run(now, PRUNE_BATCH).changes,
    };
  }

  private _meta(name: 'seq' | 'pruned_seq'): number {
    return present(this._sql.meta.get(name), name);
  }

  private _checkOpen(): void {
    if (this._closed) throw storageFault(`${WHO}: the storage is closed.`);
  }

  /** Runs a synchronous step; any fault (lock timeout, disk, corrupt file) rejects with a 503. */
  // eslint-disable-next-line @typescript-eslint/require-await -- async turns every throw into a rejection
  private async _run<T>(step: () => T): Promise<T> {
    try {
      this._checkOpen();
      return step();
    } catch (err) {
      if (err instanceof BodyFailure) throw err.error;
      if (err instanceof ToopherError) throw err;
      throw storageFault(`${WHO}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }
}

/** A value the schema guarantees; its absence means a damaged file, and the call fails closed. */
function present(value: number | undefined, what: string): number {
  if (value === undefined) throw storageFault(`${WHO}: ${what} is missing from the database.`);
  return value;
}

function statements(db: SqliteDatabase) {
  return {
    meta: db.prepare<[string], number>('SELECT value FROM meta WHERE name = ?').pluck(),
    setMeta: db.prepare<[number, string]>('UPDATE meta SET value = ? WHERE name = ?'),
    live: db.prepare<[], Row>('SELECT kind, id, value FROM records WHERE value IS NOT NULL'),
    since: db.prepare<[number], Row>('SELECT kind, id, value FROM records WHERE seq > ? ORDER BY seq'),
    write: db.prepare<[string, string, string | null, number, number]>(
      `INSERT INTO records (kind, id, value, seq, changed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value, seq = excluded.seq, changed_at = excluded.changed_at`,
    ),
    oldTombstones: db.prepare<[number, number], { kind: string; id: string; seq: number }>(
      'SELECT kind, id, seq FROM records WHERE value IS NULL AND changed_at < ? ORDER BY changed_at LIMIT ?',
    ),
    deleteRecord: db.prepare<[string, string]>('DELETE FROM records WHERE kind = ? AND id = ?'),
    claim: db.prepare<[string, number, number]>(
      `INSERT INTO claims (key, expires_at) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE claims.expires_at <= ?`,
    ),
    count: db
      .prepare<[{ key: string; ends: number; now: number }], number>(
        `INSERT INTO counters (key, count, window_ends) VALUES (@key, 1, @ends)
         ON CONFLICT (key) DO UPDATE SET
           count = CASE WHEN window_ends <= @now THEN 1 ELSE count + 1 END,
           window_ends = CASE WHEN window_ends <= @now THEN excluded.window_ends ELSE window_ends END
         RETURNING count`,
      )
      .pluck(),
    pruneClaims: db.prepare<[number, number]>('DELETE FROM claims WHERE key IN (SELECT key FROM claims WHERE expires_at <= ? LIMIT ?)'),
    pruneCounters: db.prepare<[number, number]>(
      'DELETE FROM counters WHERE key IN (SELECT key FROM counters WHERE window_ends <= ? LIMIT ?)',
    ),
  };
}
