import { ClaimMemory } from '../claim-memory.js';
import { ChangeTracker } from './record-table.js';
import type { SandboxStore } from './sandbox-store.js';
import type { StateBackend } from './state-backend.js';

/**
 * The one way the routes reach the emulator's state: `run(fn)` runs one synchronous piece of domain logic
 * as a transaction. Without a backend (the sandbox) that is just a call. With one (`toopher-server`),
 * transactions of this process run one at a time; each first applies what other instances committed,
 * then runs `fn` with change tracking and commits the records it changed. If `fn` throws, or the commit
 * fails, the touched records are put back and nothing is committed (a backend fault rejects: fail closed).
 */
export class StateAccess {
  readonly store: SandboxStore;
  private readonly _backend: StateBackend | undefined;
  private readonly _tracker: ChangeTracker | undefined;
  private readonly _claims = new ClaimMemory();
  private _cursor = 0;
  private _tail: Promise<unknown> = Promise.resolve();

  /** `tracker` must be the one the store's tables were made with. */
  constructor(store: SandboxStore, persistence?: { readonly backend: StateBackend; readonly tracker: ChangeTracker }) {
    this.store = store;
    this._backend = persistence?.backend;
    this._tracker = persistence?.tracker;
  }

  run<T>(fn: (store: SandboxStore) => T): Promise<T> {
    const backend = this._backend;
    if (backend === undefined) {
      try {
        return Promise.resolve(fn(this.store));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    const next = this._tail.then(() => this._transact(backend, fn));
    this._tail = next.catch(() => undefined);
    return next;
  }

  /** Claims `key` once for `ttlMs` (OAuth and device nonces), across instances when there is a backend. */
  claim(key: string, ttlMs: number, now: number): Promise<boolean> {
    if (this._backend === undefined) return Promise.resolve(this._claims.claim(key, now + ttlMs, now));
    return this._backend.claim(key, ttlMs);
  }

  private async _transact<T>(backend: StateBackend, fn: (store: SandboxStore) => T): Promise<T> {
    const tracker = this._tracker as ChangeTracker;
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    let attempted = false;
    try {
      this._cursor = await backend.transact(this._cursor, (incoming) => {
        if (attempted) tracker.undo();
        attempted = true;
        this.store.applyRemote(incoming.reset, incoming.changes);
        tracker.begin();
        try {
          outcome = { ok: true, value: fn(this.store) };
        } catch (error) {
          outcome = { ok: false, error };
          tracker.undo();
          return [];
        }
        return tracker.changes();
      });
      tracker.settle();
    } catch (err) {
      if (attempted) tracker.undo();
      throw err;
    }
    if (outcome === undefined) throw new Error('The state backend did not run the transaction.');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}
