import { ToopherError } from '../errors.js';
import { debug } from '../internal/debug.js';
import { flowLifeMs } from './flow.js';
import type { ResolvedToopherConfig } from './options.js';
import { sharedStoreKey, type ToopherSharedStore } from './shared-store.js';

/**
 * The engine's calls to the shared `store`: claims (a grant used, a flow
 * ended, a poll slot taken) and counters. A rejection or a malformed answer
 * becomes a 503 `ToopherError`: nothing is granted on a store fault.
 */
export class GuardedStore {
  private readonly _store: ToopherSharedStore;
  private readonly _config: Pick<ResolvedToopherConfig, 'clock' | 'pairingTimeoutMs' | 'authTimeoutMs'>;

  constructor(config: Pick<ResolvedToopherConfig, 'store' | 'clock' | 'pairingTimeoutMs' | 'authTimeoutMs'>) {
    this._store = config.store;
    this._config = config;
  }

  /**
   * Marks a grant used, across every instance sharing `store`. True only the
   * first time, so a grant runs its action once.
   */
  claimGrant(grantId: string, expiresAt: number): Promise<boolean> {
    const ttlMs = Math.max(1, Math.ceil(expiresAt - this._config.clock()));
    return this._claim(sharedStoreKey('grant', grantId), ttlMs);
  }

  /**
   * Ends a flow for good, across every instance sharing `store`. True only
   * for the first call: the one request allowed to complete the flow (sign
   * in, or mint its grant). The mark outlives every copy of the record, so a
   * concurrent request that saves an older copy of the session back cannot
   * make the flow complete again, however long `authTimeoutMs` is.
   */
  endFlow(flowId: string): Promise<boolean> {
    return this._claim(sharedStoreKey('end', flowId), flowLifeMs(this._config));
  }

  /** Takes the slot `key` for `ttlMs` (one status check per poll interval); false when another request holds it. */
  claimSlot(key: string, ttlMs: number): Promise<boolean> {
    return this._claim(key, ttlMs);
  }

  /** Adds one to a shared counter and returns its value. */
  count(key: string, windowMs: number): Promise<number> {
    const ttlMs = Math.max(1, Math.ceil(windowMs));
    return this._call('increment', () => this._store.increment(key, ttlMs), (v) => typeof v === 'number' && !Number.isNaN(v));
  }

  /**
   * Gives one back to a shared counter when the store can. Best effort: a
   * failure only leaves the count one too high (stricter, never looser).
   */
  async uncount(key: string): Promise<void> {
    const store = this._store;
    if (store.decrement === undefined) return;
    try {
      await store.decrement(key);
    } catch (err) {
      debug('store decrement failed: %s', err instanceof Error ? err.name : typeof err);
    }
  }

  private _claim(key: string, ttlMs: number): Promise<boolean> {
    return this._call('setIfAbsent', () => this._store.setIfAbsent(key, ttlMs), (v) => typeof v === 'boolean');
  }

  private async _call<T>(what: string, call: () => Promise<T>, valid: (value: unknown) => boolean): Promise<T> {
    let value: T;
    try {
      value = await call();
    } catch (err) {
      throw new ToopherError(`The \`store\` option's \`${what}\` failed, so nothing was done. Check the shared store (e.g. Redis).`, {
        cause: err,
        status: 503,
      });
    }
    if (!valid(value)) {
      throw new ToopherError(`The \`store\` option's \`${what}\` answered with a wrong type, so nothing was done.`, { status: 503 });
    }
    return value;
  }
}
