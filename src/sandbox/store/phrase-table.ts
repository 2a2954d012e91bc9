import type { PhraseRecord } from './records.js';
import type { RecordTable } from './record-table.js';

export interface UnusedPhrase {
  readonly phrase: string;
  readonly expiresAt: number;
  readonly deviceId?: string | undefined;
}

/**
 * The unused pairing phrases (phrase -> record, oldest first), capped and expiring: unauthenticated callers
 * make them, so they must not grow memory or the phone page without bound. Part of `SandboxTables`.
 */
export class PhraseTable {
  constructor(
    readonly table: RecordTable<PhraseRecord>,
    private readonly _clock: () => number,
    readonly timeoutMs: number,
    private readonly _max: number,
  ) {}

  /** Stores a new phrase (of one device, on a server), forgetting the oldest beyond the cap. */
  insert(phrase: string, deviceId?: string): PhraseRecord {
    const record: PhraseRecord = deviceId === undefined ? { createdAt: this._clock() } : { createdAt: this._clock(), deviceId };
    this.table.set(phrase, record);
    for (const oldest of this.table.ids()) {
      if (this.table.size <= this._max) break;
      this.table.delete(oldest);
    }
    return record;
  }

  /** The phrase's record while it is unused and unexpired. */
  get(phrase: string): PhraseRecord | undefined {
    this._forgetExpired();
    return this.table.get(phrase);
  }

  has(phrase: string): boolean {
    this._forgetExpired();
    return this.table.has(phrase);
  }

  delete(phrase: string): void {
    this.table.delete(phrase);
  }

  /** Unused phrases with their expiry, newest first. */
  unused(): UnusedPhrase[] {
    this._forgetExpired();
    return this.table
      .entries()
      .reverse()
      .map(([phrase, p]) => ({ phrase, expiresAt: p.createdAt + this.timeoutMs, deviceId: p.deviceId }));
  }

  private _forgetExpired(): void {
    const now = this._clock();
    for (const [phrase, p] of this.table.entries()) {
      if (now - p.createdAt >= this.timeoutMs) this.table.delete(phrase);
    }
  }
}
