import type { RecordChange } from './state-backend.js';

/** How a table's records become JSON-safe values and back (records are otherwise plain objects). */
export interface RecordCodec<T> {
  encode(record: T): unknown;
  decode(value: unknown): T;
}

/** Plain JSON records (no Sets, Maps or class instances). */
export function jsonCodec<T>(): RecordCodec<T> {
  return { encode: (record) => record, decode: (value) => value as T };
}

interface Touched {
  readonly table: RecordTable<unknown>;
  readonly id: string;
  /** The record's JSON before this transaction touched it; null when it did not exist. */
  readonly before: string | null;
}

/**
 * Which records one transaction touched, and what they were before. Records are mutated in place by the
 * domain code, so every record handed out during a transaction is snapshotted on first access; at the end
 * the snapshots are compared with the records as they are now to find what changed, or restored to undo
 * the transaction. Inactive (the sandbox, memory only), it costs one branch per access.
 */
export class ChangeTracker {
  private _active = false;
  private _touched = new Map<string, Touched>();

  get active(): boolean {
    return this._active;
  }

  begin(): void {
    this._active = true;
    this._touched = new Map();
  }

  /** Called by tables before handing out, replacing or deleting a record. */
  touch<T>(table: RecordTable<T>, id: string, current: T | undefined): void {
    const key = `${table.kind}\u001f${id}`;
    if (this._touched.has(key)) return;
    const before = current === undefined ? null : JSON.stringify(table.codec.encode(current));
    this._touched.set(key, { table: table, id, before });
  }

  /** Ends the transaction: the records whose JSON differs from before it. The snapshots are kept for `undo`. */
  changes(): RecordChange[] {
    this._active = false;
    const out: RecordChange[] = [];
    for (const { table, id, before } of this._touched.values()) {
      const record = table.peek(id);
      const after = record === undefined ? null : JSON.stringify(table.codec.encode(record));
      if (after !== before) out.push({ kind: table.kind, id, value: after });
    }
    return out;
  }

  /** Puts every touched record back as it was before the transaction. */
  undo(): void {
    this._active = false;
    for (const { table, id, before } of this._touched.values()) table.applyRemote(id, before);
    this._touched = new Map();
  }

  /** Forgets the snapshots once the changes are committed. */
  settle(): void {
    this._active = false;
    this._touched = new Map();
  }
}

/**
 * One table of records by id (insertion-ordered, like a Map), the unit of persistence: `kind` names it in
 * the state backend. Reads and writes during a tracked transaction are recorded by the `ChangeTracker`.
 */
export class RecordTable<T> {
  readonly kind: string;
  readonly codec: RecordCodec<T>;
  private readonly _tracker: ChangeTracker | undefined;
  private readonly _rows = new Map<string, T>();

  constructor(kind: string, codec: RecordCodec<T>, tracker: ChangeTracker | undefined) {
    this.kind = kind;
    this.codec = codec;
    this._tracker = tracker;
  }

  get size(): number {
    return this._rows.size;
  }

  get(id: string): T | undefined {
    const record = this._rows.get(id);
    if (this._tracker?.active === true) this._tracker.touch(this, id, record);
    return record;
  }

  has(id: string): boolean {
    return this._rows.has(id);
  }

  set(id: string, record: T): void {
    if (this._tracker?.active === true) this._tracker.touch(this, id, this._rows.get(id));
    this._rows.set(id, record);
  }

  delete(id: string): void {
    if (this._tracker?.active === true) this._tracker.touch(this, id, this._rows.get(id));
    this._rows.delete(id);
  }

  /** Every record, in insertion order (each one touched: the caller may change it). */
  values(): T[] {
    if (this._tracker?.active === true) return [...this._rows.keys()].map((id) => this.get(id) as T);
    return [...this._rows.values()];
  }

  /** `[id, record]` pairs in insertion order (each record touched). */
  entries(): [string, T][] {
    return [...this._rows.keys()].map((id) => [id, this.get(id) as T]);
  }

  /** Ids in insertion order; the records are not handed out, so nothing is touched. */
  ids(): string[] {
    return [...this._rows.keys()];
  }

  /** The record without tracking: only for the tracker itself. */
  peek(id: string): T | undefined {
    return this._rows.get(id);
  }

  /** Applies a change committed elsewhere (or an undo): JSON text, or null for deleted. Untracked. */
  applyRemote(id: string, value: string | null): void {
    if (value === null) this._rows.delete(id);
    else this._rows.set(id, this.codec.decode(JSON.parse(value)));
  }

  clear(): void {
    this._rows.clear();
  }
}
