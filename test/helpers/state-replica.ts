import type { IncomingChanges, RecordChange, StateBackend } from '../../src/sandbox/store/state-backend.js';

export interface ReplicaTx {
  get(kind: string, id: string): string | undefined;
  set(kind: string, id: string, value: string): void;
  delete(kind: string, id: string): void;
}

/**
 * What the server's StateAccess does with a StateBackend, reduced to a map:
 * a local copy of the records, a cursor, and runs that apply the incoming
 * changes, change the copy in place, and hand the changed records to commit.
 */
export class StateReplica {
  cursor = 0;
  /** `kind/id` -> JSON text. */
  readonly records = new Map<string, string>();
  /** Every `incoming` the backend passed, in order. */
  readonly seen: IncomingChanges[] = [];
  bodyCalls = 0;

  constructor(readonly backend: StateBackend) {}

  async run(fn: (tx: ReplicaTx) => void): Promise<void> {
    try {
      this.cursor = await this.backend.transact(this.cursor, (incoming) => this._body(incoming, fn));
    } catch (err) {
      // The body may have run and changed the copy without a commit: start over from the store next time.
      this.cursor = 0;
      throw err;
    }
  }

  /** Brings the copy up to date (a run that changes nothing). */
  sync(): Promise<void> {
    return this.run(() => undefined);
  }

  snapshot(): Record<string, string> {
    return Object.fromEntries([...this.records].sort(([a], [b]) => a.localeCompare(b)));
  }

  private _body(incoming: IncomingChanges, fn: (tx: ReplicaTx) => void): RecordChange[] {
    this.bodyCalls += 1;
    this.seen.push(incoming);
    if (incoming.reset) this.records.clear();
    for (const { kind, id, value } of incoming.changes) {
      if (value === null) this.records.delete(`${kind}/${id}`);
      else this.records.set(`${kind}/${id}`, value);
    }
    const before = new Map<string, string | undefined>();
    const written = new Map<string, RecordChange>();
    const write = (kind: string, id: string, value: string | null): void => {
      const key = `${kind}/${id}`;
      if (!before.has(key)) before.set(key, this.records.get(key));
      if (value === null) this.records.delete(key);
      else this.records.set(key, value);
      written.set(key, { kind, id, value });
    };
    try {
      fn({
        get: (kind, id) => this.records.get(`${kind}/${id}`),
        set: (kind, id, value) => write(kind, id, value),
        delete: (kind, id) => write(kind, id, null),
      });
    } catch (err) {
      for (const [key, value] of before) {
        if (value === undefined) this.records.delete(key);
        else this.records.set(key, value);
      }
      throw err;
    }
    return [...written.values()];
  }
}

/** Adds 1 to the JSON number in record `counter/<id>`. */
export function increment(replica: StateReplica, id = 'c'): Promise<void> {
  return replica.run((tx) => tx.set('counter', id, String(Number(tx.get('counter', id) ?? '0') + 1)));
}
