import type { ToopherSessionState } from './pending-state.js';
import { recentPushes, recordPush } from './pending-state.js';

/** Pushes are counted over this window. */
export const PUSH_WINDOW_MS = 60_000;

/**
 * At most `max` pushes per user per minute. Counted twice: in the session
 * (works across instances sharing a store) and in a bounded in-memory map
 * (works across sessions, but only within one process). A request is limited
 * when either count is at the maximum.
 */
export class PushRateLimiter {
  private readonly _max: number;
  private readonly _maxUsers: number;
  private readonly _hits = new Map<string, number[]>();

  constructor(max: number, maxUsers = 10_000) {
    this._max = max;
    this._maxUsers = maxUsers;
  }

  /** True when one more push for `userName` would exceed the limit. */
  isLimited(state: ToopherSessionState | undefined, userName: string, now: number): boolean {
    const inSession = recentPushes(state, userName, now, PUSH_WINDOW_MS).length;
    const inMemory = this._recent(userName, now).length;
    return Math.max(inSession, inMemory) >= this._max;
  }

  /** Counts one push for `userName`. */
  record(state: ToopherSessionState, userName: string, now: number): void {
    recordPush(state, userName, now, PUSH_WINDOW_MS);
    const list = this._recent(userName, now);
    list.push(now);
    this._hits.delete(userName);
    this._hits.set(userName, list.slice(-this._max));
    while (this._hits.size > this._maxUsers) {
      const oldest = this._hits.keys().next();
      if (oldest.done === true) break;
      this._hits.delete(oldest.value);
    }
  }

  private _recent(userName: string, now: number): number[] {
    return (this._hits.get(userName) ?? []).filter((at) => at > now - PUSH_WINDOW_MS && at <= now);
  }
}
