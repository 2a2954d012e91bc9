import type BetterSqlite3 from 'better-sqlite3';
import { ToopherError } from '../../errors.js';
import { isModuleMissing } from '../../internal/module-missing.js';

export type SqliteDatabase = BetterSqlite3.Database;

export const SQLITE_INSTALL_HINT = 'npm install better-sqlite3';

/** The schema this version writes and reads (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 1;
/** `PRAGMA application_id` of a toopher-server file ("Toop"), so a foreign database is refused. */
const APPLICATION_ID = 0x546f6f70;

let driver: typeof BetterSqlite3 | undefined;

/**
 * The open connection of each `SqliteBackend`, for `SqliteAuditLog` (same file, same connection). Kept
 * here rather than on the class so the public declarations never name better-sqlite3's types: apps that
 * do not use SQLite need not install them.
 */
export const openDatabases: WeakMap<object, SqliteDatabase> = new WeakMap();

/** better-sqlite3 is an optional peer dependency: loaded on first use, or rejected with the install step. */
async function loadDriver(): Promise<typeof BetterSqlite3> {
  if (driver !== undefined) return driver;
  try {
    driver = (await import('better-sqlite3')).default;
    return driver;
  } catch (err) {
    if (!isModuleMissing(err, 'better-sqlite3')) throw err;
    throw new ToopherError(
      `toopher-server's SQLite storage needs the package "better-sqlite3" (an optional peer dependency of passport-toopher). Install it where you run the server: ${SQLITE_INSTALL_HINT}`,
      { cause: err },
    );
  }
}

const SCHEMA = `
CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (name, value) VALUES ('seq', 0), ('pruned_seq', 0);
CREATE TABLE records (
  kind TEXT NOT NULL, id TEXT NOT NULL,
  value TEXT,                          -- JSON text; NULL = deleted (a tombstone)
  seq INTEGER NOT NULL,                -- the commit that wrote it
  changed_at INTEGER NOT NULL,         -- ms; tombstones are pruned by age
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX records_by_seq ON records (seq);
CREATE INDEX tombstones_by_age ON records (changed_at) WHERE value IS NULL;
CREATE TABLE claims (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX claims_by_expiry ON claims (expires_at);
CREATE TABLE counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, window_ends INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX counters_by_end ON counters (window_ends);
CREATE TABLE audit (n INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, entry TEXT NOT NULL);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;

function pragmaNumber(db: SqliteDatabase, name: string): number {
  return Number(db.pragma(name, { simple: true }));
}

/** Creates the schema in an empty file, or checks that the file holds a schema this version can use. */
function prepareSchema(db: SqliteDatabase, path: string): void {
  db.transaction(() => {
    const version = pragmaNumber(db, 'user_version');
    const appId = pragmaNumber(db, 'application_id');
    if (version > SCHEMA_VERSION) {
      throw new ToopherError(
        `${path} was written by a newer toopher-server (storage schema ${version}; this version knows up to ${SCHEMA_VERSION}). Upgrade passport-toopher, or restore a backup made by this version.`,
      );
    }
    if (version === SCHEMA_VERSION && appId === APPLICATION_ID) return;
    const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").pluck().get() as number;
    if (version !== 0 || appId !== 0 || tables !== 0) throw new ToopherError(`${path} is not a toopher-server database.`);
    db.exec(SCHEMA);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * Opens (creating if needed) the SQLite file of the server's storage: WAL
 * journal (readers never block the writer), synchronous FULL (a commit
 * survives a power cut), a busy timeout for other processes on the same file.
 */
export async function openSqliteDatabase(path: string, busyTimeoutMs: number): Promise<SqliteDatabase> {
  const Database = await loadDriver();
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(path);
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    prepareSchema(db, path);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof ToopherError) throw err;
    throw new ToopherError(`Cannot open the SQLite storage ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
