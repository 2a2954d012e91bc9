import { randomId } from '../../internal/random.js';
import { badRequest, conflict, notFound } from '../sandbox-error.js';
import type { SandboxAuthenticationRequest } from '../types.js';
import type { AutoResponder } from './auto-respond.js';
import { PAIRING_DEACTIVATED, PAIRING_NOT_AUTHORIZED, TERMINAL_UNKNOWN, USER_DISABLED, USER_UNKNOWN } from './errors.js';
import type { JsonShapes } from './json.js';
import type { OtpCodes } from './otp.js';
import type { PairingRecord, RequestRecord, TerminalRecord, UserRecord } from './records.js';
import { OTP_REQUIRED_REASON, OTP_REQUIRED_REASON_CODE } from './request-reasons.js';
import type { SandboxTables } from './tables.js';

/** Default action name when the requester sends none. */
export const DEFAULT_ACTION_NAME = 'Log In';

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

/** The `authentication_requests/*` endpoints, for one requester at a time. */
export class Authentication {
  private readonly _tables: SandboxTables;
  private readonly _json: JsonShapes;
  private readonly _otp: OtpCodes;
  private readonly _autoResponder: AutoResponder;

  constructor(tables: SandboxTables, json: JsonShapes, otp: OtpCodes, autoResponder: AutoResponder) {
    this._tables = tables;
    this._json = json;
    this._otp = otp;
    this._autoResponder = autoResponder;
  }

  /** `authentication_requests/initiate`, including the zero-storage checks in the reference's order. */
  initiate(consumerKey: string, input: InitiateInput): SandboxAuthenticationRequest {
    const tables = this._tables;
    let user: UserRecord;
    let pairing: PairingRecord;
    let terminal: TerminalRecord;
    if (input.pairingId !== undefined) {
      pairing = tables.ownPairing(consumerKey, input.pairingId);
      user = tables.mustUser(pairing.userId);
      if (!user.enabled) throw USER_DISABLED();
      if (pairing.deactivated) throw PAIRING_DEACTIVATED();
      if (pairing.status !== 'enabled') throw PAIRING_NOT_AUTHORIZED();
      terminal = this._resolveTerminal(consumerKey, user, input, true);
    } else if (input.userName !== undefined) {
      const found = tables.findUser(consumerKey, input.userName);
      if (found === undefined || tables.pairingsOfUser(found.id).length === 0) throw USER_UNKNOWN();
      user = found;
      if (!user.enabled) throw USER_DISABLED();
      const active = this._activePairing(user.id);
      if (active === undefined) {
        throw tables.pairingsOfUser(user.id).some((p) => p.deactivated) ? PAIRING_DEACTIVATED() : PAIRING_NOT_AUTHORIZED();
      }
      pairing = active;
      terminal = this._resolveTerminal(consumerKey, user, input, false);
    } else {
      throw badRequest('Missing required parameter: pairing_id or user_name');
    }

    if (input.otp !== undefined) this._otp.assertAllowed(pairing);
    const action = tables.action(consumerKey, input.actionName ?? DEFAULT_ACTION_NAME);
    const record: RequestRecord = {
      id: randomId(),
      consumerKey,
      userId: user.id,
      pairingId: pairing.id,
      terminalId: terminal.id,
      actionId: action.id,
      createdAt: tables.clock(),
      automationAllowed: input.automationAllowed ?? true,
      challengeRequired: input.challengeRequired ?? false,
      status: 'pending',
      automated: false,
      reason: '',
      reasonCode: 0,
    };
    tables.insertRequest(record);

    if (input.otp !== undefined) {
      this._otp.decide(record, pairing, input.otp);
    } else if (pairing.otpRequired) {
      // No push: the requester must ask for an OTP and call otp_auth (the RADIUS integration's path).
      record.reasonCode = OTP_REQUIRED_REASON_CODE;
      record.reason = OTP_REQUIRED_REASON;
    } else {
      const rule = tables.automation(user.id, terminal.id, action.name);
      if (rule !== undefined && record.automationAllowed) {
        record.status = rule ? 'granted' : 'denied';
        record.automated = true;
        record.reason = rule ? 'Automatically granted' : 'Automatically denied';
      } else {
        this._autoResponder.schedule('request', record.id);
      }
    }
    return this._json.request(record);
  }

  get(consumerKey: string, requestId: string): SandboxAuthenticationRequest {
    return this._json.request(this._tables.ownRequest(consumerKey, requestId));
  }

  /** `otp_auth`: decides a pending (or timed-out) request; a wrong OTP denies it. */
  authenticateWithOtp(consumerKey: string, requestId: string, otp: string): SandboxAuthenticationRequest {
    const record = this._tables.ownRequest(consumerKey, requestId);
    if (record.status !== 'pending' && record.status !== 'timed_out') {
      throw conflict(409, 'The authentication request is no longer pending.');
    }
    const pairing = this._tables.mustPairing(record.pairingId);
    this._otp.assertAllowed(pairing);
    this._otp.decide(record, pairing, otp);
    return this._json.request(record);
  }

  cancel(consumerKey: string, requestId: string): SandboxAuthenticationRequest {
    const record = this._tables.ownRequest(consumerKey, requestId);
    if (record.status === 'pending') {
      record.status = 'cancelled';
      record.reason = 'Cancelled by requester';
    }
    return this._json.request(record);
  }

  /** The user's newest enabled, not deactivated pairing. */
  private _activePairing(userId: string): PairingRecord | undefined {
    let found: PairingRecord | undefined;
    for (const pairing of this._tables.pairingsOfUser(userId)) {
      this._tables.refreshPairing(pairing);
      if (pairing.status === 'enabled' && !pairing.deactivated) found = pairing;
    }
    return found;
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
    const tables = this._tables;
    if (input.terminalId !== undefined) {
      const terminal = tables.findTerminal(input.terminalId);
      if (terminal?.consumerKey !== consumerKey || terminal.userId !== user.id) throw notFound('user terminal');
      if (input.terminalName !== undefined) terminal.name = input.terminalName;
      return terminal;
    }
    if (input.requesterSpecifiedTerminalId !== undefined) {
      const terminal = tables.findTerminalByRequesterId(consumerKey, user.id, input.requesterSpecifiedTerminalId);
      if (terminal !== undefined) return terminal;
      if (createMissing && input.terminalName !== undefined) {
        return tables.insertTerminal(consumerKey, user.id, input.terminalName, input.requesterSpecifiedTerminalId);
      }
      throw TERMINAL_UNKNOWN();
    }
    if (input.terminalName !== undefined) {
      const named = tables.findTerminalByName(consumerKey, user.id, input.terminalName);
      if (named !== undefined) return named;
      if (createMissing) return tables.insertTerminal(consumerKey, user.id, input.terminalName, '');
      throw TERMINAL_UNKNOWN();
    }
    if (createMissing) {
      return tables.findTerminalByName(consumerKey, user.id, '') ?? tables.insertTerminal(consumerKey, user.id, '', '');
    }
    throw TERMINAL_UNKNOWN();
  }
}
