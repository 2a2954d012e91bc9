// The server's persistent storage: one StateBackend and one AuditLog per deployment.
export type { AuditEntry, AuditLog, IncomingChanges, RecordChange, StateBackend } from './state-backend.js';
export { SqliteBackend, type PruneResult, type SqliteBackendOptions } from './sqlite-backend.js';
export { SqliteAuditLog } from './sqlite-audit-log.js';
export { SCHEMA_VERSION, SQLITE_INSTALL_HINT } from './sqlite-database.js';
export { RedisBackend, type RedisBackendOptions } from './redis-backend.js';
export { RedisAuditLog, type RedisAuditLogOptions } from './redis-audit-log.js';
export type { RedisClientLike, RedisConnectionOptions } from './redis-connection.js';
