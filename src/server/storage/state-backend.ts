// A copy of the interface file the lead writes as src/sandbox/store/state-backend.ts (SERVER-SPEC.md,
// "State"), so the storage could be built in parallel; the merge keeps one of the two.

export interface RecordChange { readonly kind: string; readonly id: string; readonly value: string | null } // JSON; null = deleted
export interface IncomingChanges { readonly reset: boolean; readonly changes: readonly RecordChange[] }
export interface StateBackend {
  /** Atomically: reads the changes committed after `cursor` (reset=true: every live record, the caller
   *  drops everything first; given for cursor 0 and when tombstones after `cursor` were pruned), passes them
   *  to `body`, and commits what `body` returns so that no other commit lands in between. Optimistic backends
   *  may call `body` again with the changes committed since (the caller starts over). Resolves to the new
   *  cursor (a sequence number; > 0 once anything was committed). Rejects on any backend fault (fail closed). */
  transact(cursor: number, body: (incoming: IncomingChanges) => readonly RecordChange[]): Promise<number>;
  /** Claims `key` once for `ttlMs` (nonces): true the first time, false while it is held. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Adds 1 to a fixed-window counter and returns the new count (rate limits). */
  count(key: string, windowMs: number): Promise<number>;
  close(): Promise<void>;
}
export interface AuditEntry { readonly at: number; readonly type: string; readonly requester?: string; readonly user?: string;
  readonly pairingId?: string; readonly requestId?: string; readonly deviceId?: string; readonly detail?: string }
export interface AuditLog { append(entry: AuditEntry): Promise<void>; recent(limit: number): Promise<AuditEntry[]>; }
