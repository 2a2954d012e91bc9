/**
 * Keys claimed once until they expire, in one process's memory, oldest first and bounded: the sandbox's
 * nonces (OAuth and iframe URLs). toopher-server claims through its storage backend instead.
 */
export class ClaimMemory {
  private readonly _expiries = new Map<string, number>();
  private readonly _max: number;

  constructor(max = 1_000_000) {
    this._max = max;
  }

  /** True the first time, false while `key` is held. Expired (and, beyond `max`, the oldest) keys are forgotten. */
  claim(key: string, expiresAt: number, now: number): boolean {
    for (const [k, at] of this._expiries) {
      if (at > now && this._expiries.size < this._max) break;
      this._expiries.delete(k);
    }
    const held = this._expiries.get(key);
    if (held !== undefined && held > now) return false;
    this._expiries.delete(key);
    this._expiries.set(key, expiresAt);
    return true;
  }
}
