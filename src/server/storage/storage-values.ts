import { ToopherError } from '../../errors.js';
import type { AuditEntry, RecordChange } from '../../sandbox/store/state-backend.js';

/** Record kinds are short lower-case names (`pairing`, `request`, ...); Redis keys use `kind:id`. */
const KIND = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_ID_LENGTH = 512;

/** A backend fault: the caller fails closed (503). */
export function storageFault(message: string, cause?: unknown): ToopherError {
  return new ToopherError(message, { status: 503, cause });
}

/** A caller's mistake (bad argument): rejects, never reaches the backend. */
export function misuse(message: string): ToopherError {
  return new ToopherError(message, { status: 500 });
}

export function checkCursor(who: string, cursor: number): void {
  if (!Number.isSafeInteger(cursor) || cursor < 0) throw misuse(`${who}: the cursor must be a non-negative integer (got ${String(cursor)}).`);
}

/** A positive whole number of milliseconds (rounded up). */
export function checkMs(who: string, value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 2 ** 40) {
    throw misuse(`${who}: \`${what}\` must be a positive number of milliseconds.`);
  }
  return Math.ceil(value);
}

export function checkKey(who: string, key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) throw misuse(`${who}: a key must be a string of 1 to 1024 characters.`);
}

/** What `body` returned must be well-formed changes, checked before anything is written. */
export function checkChanges(who: string, changes: readonly RecordChange[]): void {
  if (!Array.isArray(changes)) throw misuse(`${who}: the transaction body must return an array of record changes.`);
  for (const change of changes) {
    const { kind, id, value } = (change ?? {}) as Partial<RecordChange>;
    if (typeof kind !== 'string' || !KIND.test(kind)) throw misuse(`${who}: bad record kind ${JSON.stringify(kind)}.`);
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) throw misuse(`${who}: bad ${kind} id.`);
    if (value !== null && typeof value !== 'string') throw misuse(`${who}: the value of ${kind} ${id} must be JSON text or null.`);
  }
}

const OPTIONAL_AUDIT_FIELDS = ['requester', 'user', 'pairingId', 'requestId', 'deviceId', 'detail'] as const;
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** The entry with only the fields of `AuditEntry`, checked; rejects anything else. */
export function auditFields(who: string, entry: AuditEntry): AuditEntry {
  if (typeof entry?.at !== 'number' || !Number.isSafeInteger(entry.at) || entry.at < 0) throw misuse(`${who}: \`at\` must be a time in ms.`);
  if (typeof entry.type !== 'string' || entry.type.length === 0 || entry.type.length > 64) {
    throw misuse(`${who}: \`type\` must be a string of 1 to 64 characters.`);
  }
  const clean: Writable<AuditEntry> = { at: entry.at, type: entry.type };
  for (const field of OPTIONAL_AUDIT_FIELDS) {
    const value = entry[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > 2048) throw misuse(`${who}: \`${field}\` must be a string of at most 2048 characters.`);
    clean[field] = value;
  }
  return clean;
}

/** Reads an entry back from stored name/value pairs (names as in `AuditEntry`). */
export function auditEntryFrom(who: string, fields: ReadonlyMap<string, string>): AuditEntry {
  const at = Number(fields.get('at'));
  const type = fields.get('type');
  if (!Number.isSafeInteger(at) || type === undefined) throw storageFault(`${who}: a stored audit entry is malformed.`);
  const entry: Writable<AuditEntry> = { at, type };
  for (const field of OPTIONAL_AUDIT_FIELDS) {
    const value = fields.get(field);
    if (value !== undefined) entry[field] = value;
  }
  return entry;
}

export function checkLimit(who: string, limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw misuse(`${who}: \`limit\` must be an integer from 1 to 10000.`);
}
