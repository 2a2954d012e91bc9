import { otplib } from '../optional-deps.js';
import { SandboxError } from '../sandbox-error.js';
import type { PairingRecord, RequestRecord } from './records.js';
import type { SandboxTables } from './tables.js';

const OTP_STEP_SECONDS = 30;
/** ±2 steps of drift, as Toopher's own verifier allowed. */
const OTP_TOLERANCE_SECONDS = 2 * OTP_STEP_SECONDS;

export type OtpRateLimit = false | { readonly maxAttempts: number; readonly windowMs: number };

/** The pairings' TOTP codes: the phone's current code, checking a typed one, and the wrong-OTP rate limit. */
export class OtpCodes {
  private readonly _tables: SandboxTables;
  private readonly _rateLimit: OtpRateLimit;

  /** toopher-server: a code that approved once is used up (the sandbox, for tests, accepts it again). */
  private readonly _singleUse: boolean;

  constructor(tables: SandboxTables, rateLimit: OtpRateLimit, singleUse = false) {
    this._tables = tables;
    this._rateLimit = rateLimit;
    this._singleUse = singleUse;
  }

  /** The code the phone shows now. */
  current(pairing: PairingRecord): string {
    return otplib().generateSync({ secret: pairing.otpSecret, epoch: this._epochSeconds() });
  }

  /** 429 once the pairing had too many wrong OTPs within the window. */
  assertAllowed(pairing: PairingRecord): void {
    const limit = this._rateLimit;
    if (limit === false) return;
    const since = this._tables.clock() - limit.windowMs;
    pairing.otpFailures = pairing.otpFailures.filter((at) => at > since);
    if (pairing.otpFailures.length >= limit.maxAttempts) {
      throw new SandboxError(429, 429, 'Too many wrong OTPs for this pairing; try again later.');
    }
  }

  /** Grants the request on a valid code, denies it (and counts a failure) on any other. */
  decide(record: RequestRecord, pairing: PairingRecord, otp: string): void {
    const step = this._verify(pairing, otp);
    const valid = step !== undefined;
    if (!valid) pairing.otpFailures.push(this._tables.clock());
    else if (this._singleUse) pairing.otpLastStep = step;
    record.status = valid ? 'granted' : 'denied';
    record.automated = false;
    record.reason = valid ? 'Granted with OTP' : 'Invalid OTP';
  }

  /**
   * The time step of a valid code, or undefined. On a server a code is single use (RFC 6238 §5.2): a code of
   * the step that last approved, or of an earlier one, is refused, so a code seen or phished once approves
   * nothing more.
   */
  private _verify(pairing: PairingRecord, otp: string): number | undefined {
    const token = otp.trim();
    if (!/^\d{6}$/.test(token)) return undefined;
    try {
      const result = otplib().verifySync({
        secret: pairing.otpSecret,
        token,
        epoch: this._epochSeconds(),
        epochTolerance: OTP_TOLERANCE_SECONDS,
        ...(pairing.otpLastStep === undefined ? {} : { afterTimeStep: pairing.otpLastStep }),
      });
      // A TOTP result carries its time step; without one (never for TOTP) the code is refused.
      return result.valid && 'timeStep' in result ? result.timeStep : undefined;
    } catch {
      return undefined;
    }
  }

  private _epochSeconds(): number {
    return Math.floor(this._tables.clock() / 1000);
  }
}
