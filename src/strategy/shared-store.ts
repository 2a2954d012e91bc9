import { createHash } from 'node:crypto';
import { systemClock, type Clock } from '../internal/clock.js';
import { debug } from '../internal/debug.js';

/**
 * Small shared state that must hold across every instance of your app for
 * the safety rules to hold across them: a flow completes (signs in, or
 * mints its grant) exactly once and a grant is consumed exactly once,
 * pushes per user per minute and wrong one-time passwords per user are
 * counted in one place, and Toopher is asked for a pending request's status
 * at most once per `pollIntervalMs`.
 *
 * The default, {@link MemorySharedStore}, lives in the process: enough for
 * one instance. With several instances pass one store they all share, e.g.
 * backed by Redis. Every method must be atomic.
 *
 * Keys start with `passport-toopher:` and are at most about 100 characters
 * (user names are hashed). Values are tiny; every key expires.
 */
export interface ToopherSharedStore {
  /**
   * Stores `key` for `ttlMs` milliseconds unless it is already there.
   * Resolves `true` when this call stored it, `false` when it existed.
   * Redis: `SET key 1 NX PX ttlMs` (true when the reply is `OK`).
   */
  setIfAbsent(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Adds one to the counter at `key` and resolves its new value. A missing
   * counter starts at 0 and expires `windowMs` milliseconds after it was
   * created. Redis: `INCR key` then `PEXPIRE key windowMs NX` (in one `MULTI`).
   */
  increment(key: string, windowMs: number): Promise<number>;
  /**
   * Optional. Subtracts one from the counter at `key` when it exists; never
   * creates it. Gives back a push reservation when no push was sent (the API
   * failed, approved automatically or asked to pair or name the browser).
   * Without it every such attempt still counts toward `maxPushesPerMinute`.
   * Redis: `EVAL "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0" 1 key`.
   */
  decrement?(key: string): Promise<void>;
}

/** Options of `new MemorySharedStore(options)`. */
export interface MemorySharedStoreOptions {
  /**
   * Most keys held at once; expired keys are dropped first. When it is full
   * of live keys the store fails closed: grants are refused and limits
   * count as reached. Default 100000.
   */
  readonly maxKeys?: number;
}

interface Entry {
  value: number;
  readonly expiresAt: number;
}

/** Full sweeps for expired keys run at most this often when the store is full. */
const SWEEP_INTERVAL_MS = 1_000;

/**
 * The default {@link ToopherSharedStore}: a bounded in-memory map, shared by
 * everything in this process (and nothing outside it).
 */
export class MemorySharedStore implements ToopherSharedStore {
  private readonly _entries = new Map<string, Entry>();
  private readonly _maxKeys: number;
  private readonly _clock: Clock;
  private _lastSweep = Number.NEGATIVE_INFINITY;

  /** `clock` is a test seam; leave it out. */
  constructor(options: MemorySharedStoreOptions = {}, clock: Clock = systemClock) {
    const maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
      throw new TypeError('MemorySharedStore: `maxKeys` must be a positive integer.');
    }
    this._maxKeys = maxKeys;
    this._clock = clock;
  }

  setIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    const now = this._clock();
    if (this._live(key, now) !== undefined) return Promise.resolve(false);
    if (!this._hasRoom(now)) return Promise.resolve(false);
    this._entries.set(key, { value: 1, expiresAt: now + ttlMs });
    return Promise.resolve(true);
  }

  increment(key: string, windowMs: number): Promise<number> {
    const now = this._clock();
    const entry = this._live(key, now);
    if (entry !== undefined) {
      entry.value += 1;
      return Promise.resolve(entry.value);
    }
    if (!this._hasRoom(now)) return Promise.resolve(Number.MAX_SAFE_INTEGER);
    this._entries.set(key, { value: 1, expiresAt: now + windowMs });
    return Promise.resolve(1);
  }

  decrement(key: string): Promise<void> {
    const entry = this._live(key, this._clock());
    if (entry !== undefined && entry.value > 0) entry.value -= 1;
    return Promise.resolve();
  }

  private _live(key: string, now: number): Entry | undefined {
    const entry = this._entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry;
    this._entries.delete(key);
    return undefined;
  }

  private _hasRoom(now: number): boolean {
    if (this._entries.size < this._maxKeys) return true;
    if (now - this._lastSweep >= SWEEP_INTERVAL_MS) {
      this._lastSweep = now;
      for (const [key, entry] of this._entries) {
        if (entry.expiresAt <= now) this._entries.delete(key);
      }
    }
    if (this._entries.size < this._maxKeys) return true;
    debug('MemorySharedStore is full (%d keys): failing closed', this._maxKeys);
    return false;
  }
}

/** `passport-toopher:<kind>:<digest of parts>`: fixed length, no separators from user input. */
export function sharedStoreKey(kind: 'grant' | 'push' | 'otp' | 'poll' | 'end', ...parts: readonly string[]): string {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
  return `passport-toopher:${kind}:${digest}`;
}
