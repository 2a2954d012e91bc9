// The server's persistent storage: one StateBackend and one AuditLog per deployment. Nothing here names
// better-sqlite3's types, so apps without SQLite need not install them.
export type { AuditEntry, AuditLog, IncomingChanges, RecordChange, StateBackend } from '../../sandbox/store/state-backend.js';
export { SqliteBackend, type PruneResult, type SqliteBackendOptions } from './sqlite-backend.js';
export { SqliteAuditLog } from './sqlite-audit-log.js';
export { RedisBackend, type RedisBackendOptions } from './redis-backend.js';
export { RedisAuditLog, type RedisAuditLogOptions } from './redis-audit-log.js';
export type { RedisClientLike, RedisConnectionOptions } from './redis-connection.js';
