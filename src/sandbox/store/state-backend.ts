/**
 * Where the emulator's records persist between requests, processes and restarts. The sandbox keeps them
 * in memory only (no backend); `toopher-server` uses SQLite or Redis (`src/server/storage/`). See
 * `docs/server-storage.md` for the protocol.
 */

/** One record as committed: its JSON text, or null once deleted. */
export interface RecordChange {
  readonly kind: string;
  readonly id: string;
  readonly value: string | null;
}

/** What others committed since a cursor; with `reset`, every live record (drop everything first). */
export interface IncomingChanges {
  readonly reset: boolean;
  readonly changes: readonly RecordChange[];
}

export interface StateBackend {
  /**
   * Atomically: reads the changes committed after `cursor` (reset=true: every live record; given for
   * cursor 0 and when tombstones after `cursor` were pruned), passes them to `body`, and commits what
   * `body` returns so that no other commit lands in between. Optimistic backends may call `body` again
   * with the changes committed since (the caller starts over). Resolves to the new cursor. Rejects on
   * any backend fault (fail closed).
   */
  transact(cursor: number, body: (incoming: IncomingChanges) => readonly RecordChange[]): Promise<number>;
  /** Claims `key` once for `ttlMs` (nonces): true the first time, false while it is held. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Adds 1 to a fixed-window counter and returns the new count (rate limits). */
  count(key: string, windowMs: number): Promise<number>;
  close(): Promise<void>;
}

/** One line of the append-only audit log. */
export interface AuditEntry {
  readonly at: number;
  readonly type: string;
  readonly requester?: string | undefined;
  readonly user?: string | undefined;
  readonly pairingId?: string | undefined;
  readonly requestId?: string | undefined;
  readonly deviceId?: string | undefined;
  readonly detail?: string | undefined;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  recent(limit: number): Promise<AuditEntry[]>;
}
