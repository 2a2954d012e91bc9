import { randomPairingPhrase } from '../phrases.js';
import { conflict } from '../sandbox-error.js';
import type { SandboxAuthenticationRequest, SandboxPairing } from '../types.js';
import type { JsonShapes } from './json.js';
import type { OtpCodes } from './otp.js';
import { OTP_REQUIRED_REASON_CODE } from './request-reasons.js';
import type { SandboxTables } from './tables.js';

export interface PhoneTimes {
  readonly now: number;
  readonly pendingTimeoutMs: number;
  readonly phrases: { readonly phrase: string; readonly expiresAt: number }[];
}

/**
 * What the simulated phone does, across requesters: shows pairing phrases,
 * lists and answers pairings and authentication requests, shows the OTP.
 */
export class SimulatedPhone {
  private readonly _tables: SandboxTables;
  private readonly _json: JsonShapes;
  private readonly _otp: OtpCodes;

  constructor(tables: SandboxTables, json: JsonShapes, otp: OtpCodes) {
    this._tables = tables;
    this._json = json;
    this._otp = otp;
  }

  createPhrase(): string {
    let phrase = randomPairingPhrase();
    while (this._tables.hasPhrase(phrase)) phrase = randomPairingPhrase();
    this._tables.insertPhrase(phrase);
    return phrase;
  }

  /** Unused phrases, newest first. */
  phrases(): string[] {
    return this._tables.unusedPhrases().map((p) => p.phrase);
  }

  /** For the phone page: unused phrases with their expiry, the time now and the pending timeout. */
  times(): PhoneTimes {
    const phrases = this._tables.unusedPhrases();
    return { now: this._tables.clock(), pendingTimeoutMs: this._tables.pendingTimeoutMs, phrases };
  }

  /** Names of users of every requester, sorted, for the phone page's picker. */
  userNames(): string[] {
    return [...new Set(this._tables.allUsers().map((u) => u.name))].sort();
  }

  /** Newest first, optionally of one user name. */
  listPairings(userName?: string): SandboxPairing[] {
    return [...this._tables.allPairings()]
      .reverse()
      .map((p) => this._json.pairing(p))
      .filter((p) => userName === undefined || p.user.name === userName);
  }

  respondToPairing(pairingId: string, granted: boolean): void {
    const pairing = this._tables.mustPairing(pairingId);
    if (pairing.status !== 'pending' || pairing.deactivated) {
      throw conflict(409, 'The pairing is not pending.');
    }
    pairing.status = granted ? 'enabled' : 'denied';
    pairing.reason = granted ? 'Accepted on the phone' : 'Refused on the phone';
  }

  /** Makes authentications of this pairing answer reason_code 708 (OTP required) instead of pushing. */
  setOtpRequired(pairingId: string, required: boolean): void {
    this._tables.mustPairing(pairingId).otpRequired = required;
  }

  deactivatePairing(pairingId: string): void {
    this._tables.mustPairing(pairingId).deactivated = true;
  }

  otp(pairingId: string): string {
    return this._otp.current(this._tables.mustPairing(pairingId));
  }

  /** Newest first, optionally of one user name. */
  listRequests(userName?: string): SandboxAuthenticationRequest[] {
    return [...this._tables.allRequests()]
      .reverse()
      .map((r) => this._json.request(r))
      .filter((r) => userName === undefined || r.user.name === userName);
  }

  /** Grants or denies a pending push; `automate` remembers the answer for this terminal and action. */
  respondToRequest(requestId: string, granted: boolean, automate = false): void {
    const record = this._tables.mustRequest(requestId);
    if (record.status !== 'pending') throw conflict(409, 'The authentication request is not pending.');
    if (record.reasonCode === OTP_REQUIRED_REASON_CODE) {
      throw conflict(409, 'This request waits for an OTP typed on the website; the phone gets no push.');
    }
    record.status = granted ? 'granted' : 'denied';
    record.reason = granted ? 'Granted on the phone' : 'Denied on the phone';
    if (automate) {
      const action = this._tables.actionById(record.consumerKey, record.actionId);
      this._tables.setAutomation(record.userId, record.terminalId, action.name, granted);
    }
  }
}
