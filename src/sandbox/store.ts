import { otplib } from './optional-deps.js';
import { randomId, randomToken } from '../internal/random.js';
import { randomPairingPhrase } from './phrases.js';
import { SandboxError, badRequest, conflict, notFound } from './sandbox-error.js';
import type {
  SandboxAction,
  SandboxAuthenticationRequest,
  SandboxAutoRespond,
  SandboxPairing,
  SandboxUser,
  SandboxUserTerminal,
} from './types.js';

/** Default action name when the requester sends none. */
export const DEFAULT_ACTION_NAME = 'Log In';

const OTP_STEP_SECONDS = 30;
/** ±2 steps of drift, as Toopher's own verifier allowed. */
const OTP_TOLERANCE_SECONDS = 2 * OTP_STEP_SECONDS;

interface ConsumerRecord {
  readonly key: string;
  readonly secret: string;
  readonly id: string;
  readonly name: string;
}

interface UserRecord {
  readonly id: string;
  readonly consumerKey: string;
  name: string;
  enabled: boolean;
}

type PairingStatus = 'pending' | 'enabled' | 'denied';

interface PairingRecord {
  readonly id: string;
  readonly consumerKey: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly otpSecret: string;
  readonly kind: 'phrase' | 'sms' | 'qr';
  status: PairingStatus;
  deactivated: boolean;
  /** The user must answer with an OTP: `initiate` sends no push and answers reason_code 708. */
  otpRequired: boolean;
  reason: string;
  readonly resetTokens: Set<string>;
  /** Clock times of recent wrong OTPs, for the rate limit. */
  otpFailures: number[];
}

interface TerminalRecord {
  readonly id: string;
  readonly consumerKey: string;
  readonly userId: string;
  name: string;
  readonly requesterSpecifiedId: string;
}

interface ActionRecord {
  readonly id: string;
  readonly name: string;
}

type RequestStatus = 'pending' | 'granted' | 'denied' | 'timed_out' | 'cancelled';

interface RequestRecord {
  readonly id: string;
  readonly consumerKey: string;
  readonly userId: string;
  readonly pairingId: string;
  readonly terminalId: string;
  readonly actionId: string;
  readonly createdAt: number;
  readonly automationAllowed: boolean;
  readonly challengeRequired: boolean;
  status: RequestStatus;
  automated: boolean;
  reason: string;
  reasonCode: number;
}

/** What `authentication_requests/initiate` asked for, aliases already resolved. */
export interface InitiateInput {
  readonly pairingId?: string | undefined;
  readonly userName?: string | undefined;
  readonly terminalName?: string | undefined;
  readonly terminalId?: string | undefined;
  readonly requesterSpecifiedTerminalId?: string | undefined;
  readonly actionName?: string | undefined;
  readonly automationAllowed?: boolean | undefined;
  readonly challengeRequired?: boolean | undefined;
  readonly otp?: string | undefined;
}

/** A reset e-mail the sandbox pretended to send. */
export interface SentResetEmail {
  readonly pairingId: string;
  readonly email: string;
  readonly url: string;
}

export interface StoreOptions {
  readonly consumers: readonly { readonly key: string; readonly secret: string; readonly name?: string | undefined }[];
  readonly clock: () => number;
  readonly pendingTimeoutMs: number;
  readonly pairingTimeoutMs: number;
  readonly phraseTimeoutMs: number;
  readonly otpRateLimit: false | { readonly maxAttempts: number; readonly windowMs: number };
  /** Unused phrases kept at most (the oldest are forgotten first). */
  readonly maxPhrases?: number;
}

const USER_UNKNOWN = (): SandboxError => conflict(705, 'No matching user exists.');
const USER_DISABLED = (): SandboxError => conflict(704, 'The specified user has disabled Toopher authentication.');
const PAIRING_DEACTIVATED = (): SandboxError => conflict(707, 'Not allowed: This pairing has been deactivated.');
/** The legacy code and wording the SDKs and the WordPress plugin match (toopher-api.md §4.3). */
const PAIRING_NOT_AUTHORIZED = (): SandboxError => conflict(601, 'Pairing has not been authorized to authenticate');
/** reason_code of a request the user must answer with an OTP (no push is sent). */
export const OTP_REQUIRED_REASON_CODE = 708;
const OTP_REQUIRED_REASON = 'User requires OTP authentication';
const TERMINAL_UNKNOWN = (): SandboxError => conflict(706, 'No matching terminal exists.');

/**
 * All state of one sandbox: requesters, users, pairings, terminals, actions,
 * authentication requests, automation rules and pairing phrases. Methods
 * taking a `consumerKey` act for that requester only (others' ids look
 * unknown); the `phone*` methods act for the simulated phone across requesters.
 * Expiry is computed from the clock whenever a record is read.
 */
export class SandboxStore {
  private readonly _clock: () => number;
  private readonly _pendingTimeoutMs: number;
  private readonly _pairingTimeoutMs: number;
  private readonly _phraseTimeoutMs: number;
  private readonly _otpRateLimit: StoreOptions['otpRateLimit'];
  private readonly _maxPhrases: number;
  private readonly _consumers = new Map<string, ConsumerRecord>();
  private readonly _users = new Map<string, UserRecord>();
  private readonly _pairings = new Map<string, PairingRecord>();
  private readonly _terminals = new Map<string, TerminalRecord>();
  /** `consumerKey\0name` -> action */
  private readonly _actions = new Map<string, ActionRecord>();
  private readonly _requests = new Map<string, RequestRecord>();
  /** `userId\0terminalId\0actionName` -> granted */
  private readonly _automations = new Map<string, boolean>();
  /** phrase -> created at */
  private readonly _phrases = new Map<string, number>();
  private readonly _sentEmails: SentResetEmail[] = [];
  private readonly _timers = new Set<NodeJS.Timeout>();
  private _autoRespond: SandboxAutoRespond | undefined;

  constructor(options: StoreOptions) {
    this._clock = options.clock;
    this._pendingTimeoutMs = options.pendingTimeoutMs;
    this._pairingTimeoutMs = options.pairingTimeoutMs;
    this._phraseTimeoutMs = options.phraseTimeoutMs;
    this._otpRateLimit = options.otpRateLimit;
    this._maxPhrases = options.maxPhrases ?? 100;
    options.consumers.forEach((c, index) => {
      const name = c.name ?? `Sandbox requester${options.consumers.length > 1 ? ` ${index + 1}` : ''}`;
      this._consumers.set(c.key, { key: c.key, secret: c.secret, id: randomId(), name });
    });
  }

  /** The secret of a consumer key, for the OAuth verifier. */
  consumerSecret(consumerKey: string): string | undefined {
    return this._consumers.get(consumerKey)?.secret;
  }

  /** Cancels pending auto-respond timers. */
  dispose(): void {
    for (const timer of this._timers) clearTimeout(timer);
    this._timers.clear();
  }

  // ---------------------------------------------------------------- users

  createUser(consumerKey: string, name: string, enabled = true): SandboxUser {
    if (this._findUser(consumerKey, name) !== undefined) {
      throw conflict(409, 'A user with the specified name already exists.');
    }
    return this._userJson(this._insertUser(consumerKey, name, enabled));
  }

  getUser(consumerKey: string, userId: string): SandboxUser {
    return this._userJson(this._ownUser(consumerKey, userId));
  }

  findUsersByName(consumerKey: string, name: string): SandboxUser[] {
    const user = this._findUser(consumerKey, name);
    return user === undefined ? [] : [this._userJson(user)];
  }

  setUserEnabled(consumerKey: string, userId: string, enabled: boolean | undefined): SandboxUser {
    const user = this._ownUser(consumerKey, userId);
    if (enabled !== undefined) user.enabled = enabled;
    return this._userJson(user);
  }

  /** `users/reset`: deactivates every pairing of the named user. */
  resetUser(consumerKey: string, name: string): void {
    const user = this._findUser(consumerKey, name);
    if (user === undefined) throw USER_UNKNOWN();
    for (const pairing of this._pairings.values()) {
      if (pairing.userId === user.id) pairing.deactivated = true;
    }
  }

  userPairings(consumerKey: string, userId: string, deactivated: boolean | undefined): SandboxPairing[] {
    const user = this._ownUser(consumerKey, userId);
    return [...this._pairings.values()]
      .filter((p) => p.userId === user.id && (deactivated === undefined || p.deactivated === deactivated))
      .map((p) => this._pairingJson(p));
  }

  // ------------------------------------------------------------- pairings

  /** `pairings/create`: uses up a phrase shown by the phone and starts a pending pairing. */
  createPairingWithPhrase(
    consumerKey: string,
    phrase: string,
    user: { readonly name?: string | undefined; readonly id?: string | undefined },
  ): SandboxPairing {
    if (user.name === undefined && user.id === undefined) throw badRequest('Missing required parameter: user_name');
    this._forgetExpiredPhrases();
    const normalized = phrase.trim().toLowerCase().replace(/\s+/g, ' ');
    if (!this._phrases.has(normalized)) {
      throw badRequest('No pending pairing requests with specified pairing_phrase');
    }
    let record: UserRecord;
    if (user.id !== undefined) {
      record = this._ownUser(consumerKey, user.id);
      if (user.name !== undefined) record.name = user.name;
    } else {
      record = this._userForPairing(consumerKey, user.name ?? '');
    }
    this._phrases.delete(normalized);
    return this._pairingJson(this._insertPairing(consumerKey, record, 'phrase'));
  }

  /** `pairings/create/sms`: the phone "replies to the SMS" through the phone page or control API. */
  createPairingBySms(consumerKey: string, phoneNumber: string, userName: string): SandboxPairing {
    if (!/^\+?[0-9][0-9 ().-]{2,30}$/.test(phoneNumber)) throw badRequest('Invalid phone_number');
    return this._pairingJson(this._insertPairing(consumerKey, this._userForPairing(consumerKey, userName), 'sms'));
  }

  /** `pairings/create/qr`: the phone "scans" the code through the phone page or control API. */
  createPairingForQr(consumerKey: string, userName: string): SandboxPairing {
    return this._pairingJson(this._insertPairing(consumerKey, this._userForPairing(consumerKey, userName), 'qr'));
  }

  getPairing(consumerKey: string, pairingId: string): SandboxPairing {
    return this._pairingJson(this._ownPairing(consumerKey, pairingId));
  }

  /** Throws 404 unless the pairing belongs to the consumer. */
  assertPairing(consumerKey: string, pairingId: string): void {
    this._ownPairing(consumerKey, pairingId);
  }

  /** Admin `POST pairings/{id}` with `deactivated=true`. */
  updatePairing(consumerKey: string, pairingId: string, deactivated: boolean | undefined): SandboxPairing {
    const pairing = this._ownPairing(consumerKey, pairingId);
    if (deactivated === true) pairing.deactivated = true;
    return this._pairingJson(pairing);
  }

  /** A single-use token that deactivates the pairing when its reset URL is followed. */
  createResetToken(consumerKey: string, pairingId: string): string {
    const pairing = this._ownPairing(consumerKey, pairingId);
    const token = randomToken(24);
    pairing.resetTokens.add(token);
    return token;
  }

  recordResetEmail(email: SentResetEmail): void {
    this._sentEmails.push(email);
  }

  sentResetEmails(): readonly SentResetEmail[] {
    return this._sentEmails;
  }

  /** Follows a reset link: deactivates the pairing. False when the token is unknown or used. */
  resetPairingWithToken(pairingId: string, token: string): boolean {
    const pairing = this._pairings.get(pairingId);
    if (pairing === undefined || !pairing.resetTokens.delete(token)) return false;
    pairing.deactivated = true;
    pairing.resetTokens.clear();
    return true;
  }

  /** True when a reset token is currently valid (for the reset page). */
  hasResetToken(pairingId: string, token: string): boolean {
    return this._pairings.get(pairingId)?.resetTokens.has(token) ?? false;
  }

  // ------------------------------------------------------------ terminals

  createTerminal(consumerKey: string, userName: string, name: string, requesterSpecifiedId: string): SandboxUserTerminal {
    const user = this._findUser(consumerKey, userName);
    if (user === undefined) throw USER_UNKNOWN();
    const existing =
      requesterSpecifiedId === '' ? undefined : this._findTerminalByRequesterId(consumerKey, user.id, requesterSpecifiedId);
    if (existing !== undefined) {
      existing.name = name;
      return this._terminalJson(existing);
    }
    return this._terminalJson(this._insertTerminal(consumerKey, user.id, name, requesterSpecifiedId));
  }

  getTerminal(consumerKey: string, terminalId: string): SandboxUserTerminal {
    const terminal = this._terminals.get(terminalId);
    if (terminal?.consumerKey !== consumerKey) throw notFound('user terminal');
    return this._terminalJson(terminal);
  }

  // ------------------------------------------------ authentication requests

  /** `authentication_requests/initiate`, including the zero-storage checks in the reference's order. */
  initiate(consumerKey: string, input: InitiateInput): SandboxAuthenticationRequest {
    let user: UserRecord;
    let pairing: PairingRecord;
    let terminal: TerminalRecord;
    if (input.pairingId !== undefined) {
      pairing = this._ownPairing(consumerKey, input.pairingId);
      user = this._mustUser(pairing.userId);
      if (!user.enabled) throw USER_DISABLED();
      if (pairing.deactivated) throw PAIRING_DEACTIVATED();
      if (pairing.status !== 'enabled') throw PAIRING_NOT_AUTHORIZED();
      terminal = this._resolveTerminal(consumerKey, user, input, true);
    } else if (input.userName !== undefined) {
      const found = this._findUser(consumerKey, input.userName);
      if (found === undefined || !this._hasAnyPairing(found.id)) throw USER_UNKNOWN();
      user = found;
      if (!user.enabled) throw USER_DISABLED();
      const active = this._activePairing(user.id);
      if (active === undefined) throw this._hasDeactivatedPairing(user.id) ? PAIRING_DEACTIVATED() : PAIRING_NOT_AUTHORIZED();
      pairing = active;
      terminal = this._resolveTerminal(consumerKey, user, input, false);
    } else {
      throw badRequest('Missing required parameter: pairing_id or user_name');
    }

    if (input.otp !== undefined) this._assertOtpAllowed(pairing);
    const action = this._action(consumerKey, input.actionName ?? DEFAULT_ACTION_NAME);
    const record: RequestRecord = {
      id: randomId(),
      consumerKey,
      userId: user.id,
      pairingId: pairing.id,
      terminalId: terminal.id,
      actionId: action.id,
      createdAt: this._clock(),
      automationAllowed: input.automationAllowed ?? true,
      challengeRequired: input.challengeRequired ?? false,
      status: 'pending',
      automated: false,
      reason: '',
      reasonCode: 0,
    };
    this._requests.set(record.id, record);

    if (input.otp !== undefined) {
      this._decideWithOtp(record, pairing, input.otp);
    } else if (pairing.otpRequired) {
      // No push: the requester must ask for an OTP and call otp_auth (the RADIUS integration's path).
      record.reasonCode = OTP_REQUIRED_REASON_CODE;
      record.reason = OTP_REQUIRED_REASON;
    } else {
      const rule = this._automations.get(automationKey(user.id, terminal.id, action.name));
      if (rule !== undefined && record.automationAllowed) {
        record.status = rule ? 'granted' : 'denied';
        record.automated = true;
        record.reason = rule ? 'Automatically granted' : 'Automatically denied';
      } else {
        this._scheduleAutoRespond('request', record.id);
      }
    }
    return this._requestJson(record);
  }

  getAuthenticationRequest(consumerKey: string, requestId: string): SandboxAuthenticationRequest {
    return this._requestJson(this._ownRequest(consumerKey, requestId));
  }

  /** `otp_auth`: decides a pending (or timed-out) request; a wrong OTP denies it. */
  authenticateWithOtp(consumerKey: string, requestId: string, otp: string): SandboxAuthenticationRequest {
    const record = this._ownRequest(consumerKey, requestId);
    if (record.status !== 'pending' && record.status !== 'timed_out') {
      throw conflict(409, 'The authentication request is no longer pending.');
    }
    const pairing = this._mustPairing(record.pairingId);
    this._assertOtpAllowed(pairing);
    this._decideWithOtp(record, pairing, otp);
    return this._requestJson(record);
  }

  cancel(consumerKey: string, requestId: string): SandboxAuthenticationRequest {
    const record = this._ownRequest(consumerKey, requestId);
    if (record.status === 'pending') {
      record.status = 'cancelled';
      record.reason = 'Cancelled by requester';
    }
    return this._requestJson(record);
  }

  // ---------------------------------------------------------------- phone

  phoneCreatePhrase(): string {
    this._forgetExpiredPhrases();
    let phrase = randomPairingPhrase();
    while (this._phrases.has(phrase)) phrase = randomPairingPhrase();
    this._phrases.set(phrase, this._clock());
    // Unauthenticated callers must not grow memory or the phone page without bound.
    for (const oldest of this._phrases.keys()) {
      if (this._phrases.size <= this._maxPhrases) break;
      this._phrases.delete(oldest);
    }
    return phrase;
  }

  /** Unused phrases, newest first. */
  phonePhrases(): string[] {
    this._forgetExpiredPhrases();
    return [...this._phrases.keys()].reverse();
  }

  /** For the phone page: unused phrases with their expiry, the time now and the pending timeout. */
  phoneTimes(): { readonly now: number; readonly pendingTimeoutMs: number; readonly phrases: { readonly phrase: string; readonly expiresAt: number }[] } {
    this._forgetExpiredPhrases();
    const phrases = [...this._phrases].reverse().map(([phrase, createdAt]) => ({ phrase, expiresAt: createdAt + this._phraseTimeoutMs }));
    return { now: this._clock(), pendingTimeoutMs: this._pendingTimeoutMs, phrases };
  }

  phoneListPairings(userName?: string): SandboxPairing[] {
    return [...this._pairings.values()]
      .reverse()
      .map((p) => this._pairingJson(p))
      .filter((p) => userName === undefined || p.user.name === userName);
  }

  phoneRespondToPairing(pairingId: string, granted: boolean): void {
    const pairing = this._phonePairing(pairingId);
    if (pairing.status !== 'pending' || pairing.deactivated) {
      throw conflict(409, 'The pairing is not pending.');
    }
    pairing.status = granted ? 'enabled' : 'denied';
    pairing.reason = granted ? 'Accepted on the phone' : 'Refused on the phone';
  }

  /** Makes authentications of this pairing answer reason_code 708 (OTP required) instead of pushing. */
  phoneSetOtpRequired(pairingId: string, required: boolean): void {
    this._phonePairing(pairingId).otpRequired = required;
  }

  phoneDeactivatePairing(pairingId: string): void {
    this._phonePairing(pairingId).deactivated = true;
  }

  phoneOtp(pairingId: string): string {
    const pairing = this._phonePairing(pairingId);
    return otplib().generateSync({ secret: pairing.otpSecret, epoch: Math.floor(this._clock() / 1000) });
  }

  phoneListRequests(userName?: string): SandboxAuthenticationRequest[] {
    return [...this._requests.values()]
      .reverse()
      .map((r) => this._requestJson(r))
      .filter((r) => userName === undefined || r.user.name === userName);
  }

  phoneRespondToRequest(requestId: string, granted: boolean, automate = false): void {
    const record = this._requests.get(requestId);
    if (record === undefined) throw notFound('authentication request');
    this._refreshRequest(record);
    if (record.status !== 'pending') throw conflict(409, 'The authentication request is not pending.');
    if (record.reasonCode === OTP_REQUIRED_REASON_CODE) {
      throw conflict(409, 'This request waits for an OTP typed on the website; the phone gets no push.');
    }
    record.status = granted ? 'granted' : 'denied';
    record.reason = granted ? 'Granted on the phone' : 'Denied on the phone';
    if (automate) {
      const action = this._actionById(record.consumerKey, record.actionId);
      this._automations.set(automationKey(record.userId, record.terminalId, action.name), granted);
    }
  }

  setAutoRespond(options: SandboxAutoRespond | undefined): void {
    this._autoRespond = options;
  }

  /** Names of users of every requester, sorted, for the phone page's picker. */
  phoneUserNames(): string[] {
    return [...new Set([...this._users.values()].map((u) => u.name))].sort();
  }

  // -------------------------------------------------------------- private

  private _insertUser(consumerKey: string, name: string, enabled: boolean): UserRecord {
    const user: UserRecord = { id: randomId(), consumerKey, name, enabled };
    this._users.set(user.id, user);
    return user;
  }

  private _findUser(consumerKey: string, name: string): UserRecord | undefined {
    for (const user of this._users.values()) {
      if (user.consumerKey === consumerKey && user.name === name) return user;
    }
    return undefined;
  }

  private _userForPairing(consumerKey: string, name: string): UserRecord {
    return this._findUser(consumerKey, name) ?? this._insertUser(consumerKey, name, true);
  }

  private _ownUser(consumerKey: string, userId: string): UserRecord {
    const user = this._users.get(userId);
    if (user?.consumerKey !== consumerKey) throw notFound('user');
    return user;
  }

  private _mustUser(userId: string): UserRecord {
    const user = this._users.get(userId);
    if (user === undefined) throw notFound('user');
    return user;
  }

  private _insertPairing(consumerKey: string, user: UserRecord, kind: PairingRecord['kind']): PairingRecord {
    const pairing: PairingRecord = {
      id: randomId(),
      consumerKey,
      userId: user.id,
      createdAt: this._clock(),
      otpSecret: otplib().generateSecret(),
      kind,
      status: 'pending',
      deactivated: false,
      otpRequired: false,
      reason: '',
      resetTokens: new Set(),
      otpFailures: [],
    };
    this._pairings.set(pairing.id, pairing);
    this._scheduleAutoRespond('pairing', pairing.id);
    return pairing;
  }

  private _ownPairing(consumerKey: string, pairingId: string): PairingRecord {
    const pairing = this._pairings.get(pairingId);
    if (pairing?.consumerKey !== consumerKey) throw notFound('pairing');
    this._refreshPairing(pairing);
    return pairing;
  }

  private _mustPairing(pairingId: string): PairingRecord {
    const pairing = this._pairings.get(pairingId);
    if (pairing === undefined) throw notFound('pairing');
    this._refreshPairing(pairing);
    return pairing;
  }

  private _phonePairing(pairingId: string): PairingRecord {
    return this._mustPairing(pairingId);
  }

  private _refreshPairing(pairing: PairingRecord): void {
    if (pairing.status === 'pending' && this._clock() - pairing.createdAt >= this._pairingTimeoutMs) {
      pairing.status = 'denied';
      pairing.reason = 'Pairing timed out';
    }
  }

  private _hasAnyPairing(userId: string): boolean {
    for (const pairing of this._pairings.values()) if (pairing.userId === userId) return true;
    return false;
  }

  private _hasDeactivatedPairing(userId: string): boolean {
    for (const pairing of this._pairings.values()) if (pairing.userId === userId && pairing.deactivated) return true;
    return false;
  }

  /** The user's newest enabled, not deactivated pairing. */
  private _activePairing(userId: string): PairingRecord | undefined {
    let found: PairingRecord | undefined;
    for (const pairing of this._pairings.values()) {
      if (pairing.userId !== userId) continue;
      this._refreshPairing(pairing);
      if (pairing.status === 'enabled' && !pairing.deactivated) found = pairing;
    }
    return found;
  }

  private _insertTerminal(consumerKey: string, userId: string, name: string, requesterSpecifiedId: string): TerminalRecord {
    const terminal: TerminalRecord = { id: randomId(), consumerKey, userId, name, requesterSpecifiedId };
    this._terminals.set(terminal.id, terminal);
    return terminal;
  }

  private _findTerminalByRequesterId(consumerKey: string, userId: string, requesterSpecifiedId: string): TerminalRecord | undefined {
    for (const t of this._terminals.values()) {
      if (t.consumerKey === consumerKey && t.userId === userId && t.requesterSpecifiedId === requesterSpecifiedId) return t;
    }
    return undefined;
  }

  private _findTerminalByName(consumerKey: string, userId: string, name: string): TerminalRecord | undefined {
    for (const t of this._terminals.values()) {
      if (t.consumerKey === consumerKey && t.userId === userId && t.name === name) return t;
    }
    return undefined;
  }

  /**
   * Finds the terminal of an initiate call: by Toopher id; by the requester's
   * id (its display name is then ignored; 706 when unknown, unless
   * `createMissing` and a name was given); or by display name. With a
   * `pairing_id` (`createMissing`) an unknown name makes a new terminal and no
   * name at all uses the pairing's unnamed terminal (the WordPress XML-RPC path
   * sends `terminal_name=""`); by user name an unknown name is 706, as the 2.0
   * SDKs' tests expect.
   */
  private _resolveTerminal(consumerKey: string, user: UserRecord, input: InitiateInput, createMissing: boolean): TerminalRecord {
    if (input.terminalId !== undefined) {
      const terminal = this._terminals.get(input.terminalId);
      if (terminal?.consumerKey !== consumerKey || terminal.userId !== user.id) throw notFound('user terminal');
      if (input.terminalName !== undefined) terminal.name = input.terminalName;
      return terminal;
    }
    if (input.requesterSpecifiedTerminalId !== undefined) {
      const terminal = this._findTerminalByRequesterId(consumerKey, user.id, input.requesterSpecifiedTerminalId);
      if (terminal !== undefined) return terminal;
      if (createMissing && input.terminalName !== undefined) {
        return this._insertTerminal(consumerKey, user.id, input.terminalName, input.requesterSpecifiedTerminalId);
      }
      throw TERMINAL_UNKNOWN();
    }
    if (input.terminalName !== undefined) {
      const named = this._findTerminalByName(consumerKey, user.id, input.terminalName);
      if (named !== undefined) return named;
      if (createMissing) return this._insertTerminal(consumerKey, user.id, input.terminalName, '');
      throw TERMINAL_UNKNOWN();
    }
    if (createMissing) {
      return this._findTerminalByName(consumerKey, user.id, '') ?? this._insertTerminal(consumerKey, user.id, '', '');
    }
    throw TERMINAL_UNKNOWN();
  }

  private _action(consumerKey: string, name: string): ActionRecord {
    const key = `${consumerKey}\0${name}`;
    let action = this._actions.get(key);
    if (action === undefined) {
      action = { id: randomId(), name };
      this._actions.set(key, action);
    }
    return action;
  }

  private _actionById(consumerKey: string, actionId: string): ActionRecord {
    for (const [key, action] of this._actions) {
      if (action.id === actionId && key.startsWith(`${consumerKey}\0`)) return action;
    }
    throw notFound('action');
  }

  private _ownRequest(consumerKey: string, requestId: string): RequestRecord {
    const record = this._requests.get(requestId);
    if (record?.consumerKey !== consumerKey) throw notFound('authentication request');
    return record;
  }

  private _refreshRequest(record: RequestRecord): void {
    if (record.status === 'pending' && this._clock() - record.createdAt >= this._pendingTimeoutMs) {
      record.status = 'timed_out';
      record.reason = 'Request timed out';
    }
  }

  /** 429 once the pairing had too many wrong OTPs within the window. */
  private _assertOtpAllowed(pairing: PairingRecord): void {
    const limit = this._otpRateLimit;
    if (limit === false) return;
    const since = this._clock() - limit.windowMs;
    pairing.otpFailures = pairing.otpFailures.filter((at) => at > since);
    if (pairing.otpFailures.length >= limit.maxAttempts) {
      throw new SandboxError(429, 429, 'Too many wrong OTPs for this pairing; try again later.');
    }
  }

  private _decideWithOtp(record: RequestRecord, pairing: PairingRecord, otp: string): void {
    const valid = this._verifyOtp(pairing, otp);
    if (!valid) pairing.otpFailures.push(this._clock());
    record.status = valid ? 'granted' : 'denied';
    record.automated = false;
    record.reason = valid ? 'Granted with OTP' : 'Invalid OTP';
  }

  private _verifyOtp(pairing: PairingRecord, otp: string): boolean {
    const token = otp.trim();
    if (!/^\d{6}$/.test(token)) return false;
    try {
      return otplib().verifySync({
        secret: pairing.otpSecret,
        token,
        epoch: Math.floor(this._clock() / 1000),
        epochTolerance: OTP_TOLERANCE_SECONDS,
      }).valid;
    } catch {
      return false;
    }
  }

  private _forgetExpiredPhrases(): void {
    const now = this._clock();
    for (const [phrase, createdAt] of this._phrases) {
      if (now - createdAt >= this._phraseTimeoutMs) this._phrases.delete(phrase);
    }
  }

  private _scheduleAutoRespond(kind: 'pairing' | 'request', id: string): void {
    const auto = this._autoRespond;
    if (auto === undefined) return;
    const respond = (): void => {
      try {
        if (kind === 'pairing') this.phoneRespondToPairing(id, auto.granted);
        else this.phoneRespondToRequest(id, auto.granted, auto.automate ?? false);
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

  private _consumer(consumerKey: string): ConsumerRecord {
    const consumer = this._consumers.get(consumerKey);
    if (consumer === undefined) throw notFound('requester');
    return consumer;
  }

  private _userJson(user: UserRecord): SandboxUser {
    const consumer = this._consumer(user.consumerKey);
    return {
      id: user.id,
      name: user.name,
      toopher_authentication_enabled: user.enabled,
      disable_toopher_auth: !user.enabled,
      requester: { id: consumer.id, name: consumer.name },
    };
  }

  private _pairingJson(pairing: PairingRecord): SandboxPairing {
    this._refreshPairing(pairing);
    return {
      id: pairing.id,
      enabled: pairing.status === 'enabled' && !pairing.deactivated,
      pending: pairing.status === 'pending' && !pairing.deactivated,
      deactivated: pairing.deactivated,
      otp_required: pairing.otpRequired,
      totp_length: 6,
      reason: pairing.reason,
      user: this._userJson(this._mustUser(pairing.userId)),
    };
  }

  private _terminalJson(terminal: TerminalRecord): SandboxUserTerminal {
    return {
      id: terminal.id,
      name: terminal.name,
      requester_specified_id: terminal.requesterSpecifiedId,
      name_extra: terminal.requesterSpecifiedId,
      user: this._userJson(this._mustUser(terminal.userId)),
    };
  }

  private _requestJson(record: RequestRecord): SandboxAuthenticationRequest {
    this._refreshRequest(record);
    const terminal = this._terminals.get(record.terminalId);
    if (terminal === undefined) throw notFound('user terminal');
    const action = this._actionById(record.consumerKey, record.actionId);
    const actionJson: SandboxAction = { id: action.id, name: action.name };
    return {
      id: record.id,
      pending: record.status === 'pending',
      granted: record.status === 'granted',
      automated: record.automated,
      cancelled: record.status === 'cancelled',
      reason: record.reason,
      reason_code: record.reasonCode,
      automation_allowed: record.automationAllowed,
      challenge_required: record.challengeRequired,
      created_seconds_since_epoch: Math.floor(record.createdAt / 1000),
      terminal: this._terminalJson(terminal),
      user: this._userJson(this._mustUser(record.userId)),
      action: actionJson,
    };
  }
}

function automationKey(userId: string, terminalId: string, actionName: string): string {
  return `${userId}\0${terminalId}\0${actionName}`;
}
