import type { SandboxAutoRespond } from '../types.js';
import type { SimulatedPhone } from './phone.js';

/** Answers new pairings and pushes on the phone's behalf, now or after a delay, when the control API asks. */
export class AutoResponder {
  private readonly _phone: SimulatedPhone;
  private readonly _timers = new Set<NodeJS.Timeout>();
  private _options: SandboxAutoRespond | undefined;

  constructor(phone: SimulatedPhone) {
    this._phone = phone;
  }

  set(options: SandboxAutoRespond | undefined): void {
    this._options = options;
  }

  schedule(kind: 'pairing' | 'request', id: string): void {
    const auto = this._options;
    if (auto === undefined) return;
    const respond = (): void => {
      try {
        if (kind === 'pairing') this._phone.respondToPairing(id, auto.granted);
        else this._phone.respondToRequest(id, auto.granted, auto.automate ?? false);
      } catch {
        // Already answered, deactivated or expired: nothing to do.
      }
    };
    const delayMs = auto.delayMs ?? 0;
    if (delayMs <= 0) {
      respond();
      return;
    }
    const timer = setTimeout(() => {
      this._timers.delete(timer);
      respond();
    }, delayMs);
    timer.unref();
    this._timers.add(timer);
  }

  /** Cancels pending timers. */
  dispose(): void {
    for (const timer of this._timers) clearTimeout(timer);
    this._timers.clear();
  }
}
