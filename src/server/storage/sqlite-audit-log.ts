import type { Statement } from 'better-sqlite3';
import { ToopherError } from '../../errors.js';
import type { SqliteBackend } from './sqlite-backend.js';
import { openDatabases } from './sqlite-database.js';
import type { AuditEntry, AuditLog } from '../../sandbox/store/state-backend.js';
import { auditEntryFrom, auditFields, checkLimit, storageFault } from './storage-values.js';

const WHO = 'SqliteAuditLog';

/**
 * The audit log in the backend's SQLite file (same connection): one row per
 * entry, appended only. Triggers abort any UPDATE or DELETE of the table,
 * whoever runs it.
 */
export class SqliteAuditLog implements AuditLog {
  private readonly _backend: SqliteBackend;
  private _statements: { insert: Statement<[number, string]>; recent: Statement<[number], string> } | undefined;

  constructor(backend: SqliteBackend) {
    this._backend = backend;
  }

  append(entry: AuditEntry): Promise<void> {
    return this._run(() => {
      const clean = auditFields(WHO, entry);
      this._sql().insert.run(clean.at, JSON.stringify(clean));
    });
  }

  /** The newest `limit` entries, newest first. */
  recent(limit: number): Promise<AuditEntry[]> {
    return this._run(() => {
      checkLimit(WHO, limit);
      return this._sql()
        .recent.all(limit)
        .map((text) => {
          const stored = Object.entries(JSON.parse(text) as Record<string, string | number>);
          return auditEntryFrom(WHO, new Map(stored.map(([name, value]) => [name, String(value)])));
        });
    });
  }

  private _sql(): NonNullable<SqliteAuditLog['_statements']> {
    const db = openDatabases.get(this._backend);
    if (db === undefined) throw storageFault(`${WHO}: the storage is closed.`);
    this._statements ??= {
      insert: db.prepare('INSERT INTO audit (at, entry) VALUES (?, ?)'),
      recent: db.prepare<[number], string>('SELECT entry FROM audit ORDER BY n DESC LIMIT ?').pluck(),
    };
    return this._statements;
  }

  private _run<T>(step: () => T): Promise<T> {
    try {
      return Promise.resolve(step());
    } catch (err) {
      if (err instanceof ToopherError) return Promise.reject(err);
      return Promise.reject(storageFault(`${WHO}: ${err instanceof Error ? err.message : String(err)}`, err));
    }
  }
}
