import { sharedStoreKey } from './shared-store.js';

/** Pushes are counted over this window. */
export const PUSH_WINDOW_MS = 60_000;

/** The shared counter calls the limiter needs (`GuardedStore` provides them over the `store` option). */
export interface PushCounter {
  count(key: string, windowMs: number): Promise<number>;
  uncount(key: string): Promise<void>;
}

/**
 * At most `max` pushes per user per minute, counted in the shared store so
 * every session, tab and instance sees the same count. A push is reserved
 * before the API is called (one atomic increment), so parallel sign-ins
 * cannot all pass the check; the reservation is given back when no push was
 * sent.
 */
export class PushRateLimiter {
  private readonly _max: number;
  private readonly _counter: PushCounter;

  constructor(max: number, counter: PushCounter) {
    this._max = max;
    this._counter = counter;
  }

  /**
   * Takes one of the user's pushes for this minute. Resolves the counter's
   * key (pass it to `release`) or undefined (and nothing taken) when none is left.
   */
  async reserve(userName: string): Promise<string | undefined> {
    const key = sharedStoreKey('push', userName);
    const count = await this._counter.count(key, PUSH_WINDOW_MS);
    if (count <= this._max) return key;
    await this._counter.uncount(key);
    return undefined;
  }

  /** Gives back a reservation (the key `reserve` resolved) that did not lead to a push. */
  release(reservation: string): Promise<void> {
    return this._counter.uncount(reservation);
  }
}
