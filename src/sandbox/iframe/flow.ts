import { SandboxError } from '../sandbox-error.js';
import { OTP_REQUIRED_REASON_CODE } from '../store/request-reasons.js';
import type { SandboxStore } from '../store/sandbox-store.js';
import type { SandboxAuthenticationRequest, SandboxPairing, SandboxUser } from '../types.js';
import type { IframeSession } from './sessions.js';
import { signPostback } from './signature.js';

/**
 * The iframe flow on top of the store: the same calls a requester would make
 * (`initiate`, `pairings/create`, `user_terminals/create`...), so the phone
 * page shows and answers iframe requests like any other.
 */
export class IframeFlow {
  constructor(
    private readonly _store: SandboxStore,
    /** Milliseconds since the epoch; the results' `timestamp`. */
    private readonly _now: () => number,
  ) {}

  /** First stage of a new session. */
  begin(session: IframeSession): void {
    if (session.request.kind === 'manage_user') {
      session.stage = this._activePairing(session) === undefined ? 'pair' : 'manage';
      return;
    }
    this.authenticate(session);
  }

  /** Starts an authentication and moves to the stage its answer calls for (§5's error handling). */
  authenticate(session: IframeSession): void {
    const { request } = session;
    let answer: SandboxAuthenticationRequest;
    try {
      answer = this._store.initiate(request.consumerKey, {
        userName: request.userName,
        requesterSpecifiedTerminalId: session.terminalKey,
        actionName: request.actionName,
        automationAllowed: request.automationAllowed,
        challengeRequired: request.challengeRequired,
      });
    } catch (err) {
      if (!(err instanceof SandboxError)) throw err;
      switch (err.toopherCode) {
        case 706:
          session.stage = 'name_terminal';
          return;
        case 705:
        case 707:
        case 601:
          if (request.allowInlinePairing) {
            session.stage = 'pair';
            return;
          }
          this._finishWithError(session, err);
          return;
        default:
          this._finishWithError(session, err);
          return;
      }
    }
    session.requestId = answer.id;
    if (answer.pending) session.stage = answer.reason_code === OTP_REQUIRED_REASON_CODE ? 'otp' : 'waiting';
    else this._finishWithRequest(session, answer);
  }

  /** Re-reads what the session waits for; moves on when the phone answered. */
  refresh(session: IframeSession): void {
    const { consumerKey } = session.request;
    if (session.stage === 'waiting' && session.requestId !== undefined) {
      const answer = this._store.getAuthenticationRequest(consumerKey, session.requestId);
      if (!answer.pending) this._finishWithRequest(session, answer);
    } else if (session.stage === 'pairing_wait' && session.pairingId !== undefined) {
      const pairing = this._store.getPairing(consumerKey, session.pairingId);
      if (pairing.pending) return;
      if (!pairing.enabled) {
        session.stage = 'pair';
        session.notice = 'The pairing was refused on the phone. Try again with a new phrase.';
      } else if (session.request.kind === 'manage_user') {
        this._finishWithPairing(session, pairing);
      } else {
        this.authenticate(session);
      }
    }
  }

  pairWithPhrase(session: IframeSession, phrase: string): void {
    const pairing = this._store.createPairingWithPhrase(session.request.consumerKey, phrase, { name: session.request.userName });
    session.pairingId = pairing.id;
    delete session.pairingByQr;
    session.stage = 'pairing_wait';
    delete session.notice;
    this.refresh(session);
  }

  /** Inline pairing by QR code: the phone "scans" it on the phone page (Grant), as for `pairings/create/qr`. */
  pairWithQr(session: IframeSession): void {
    const pairing = this._store.createPairingForQr(session.request.consumerKey, session.request.userName);
    session.pairingId = pairing.id;
    session.pairingByQr = true;
    session.stage = 'pairing_wait';
    delete session.notice;
    this.refresh(session);
  }

  nameTerminal(session: IframeSession, name: string): void {
    this._store.createTerminal(session.request.consumerKey, session.request.userName, name, session.terminalKey);
    this.authenticate(session);
  }

  otp(session: IframeSession, otp: string): void {
    if (session.requestId === undefined) return;
    const answer = this._store.authenticateWithOtp(session.request.consumerKey, session.requestId, otp);
    this._finishWithRequest(session, answer);
  }

  /** manage_user: removes the user's pairings; the result is the (requester) user. */
  removePairing(session: IframeSession): void {
    const { consumerKey, userName } = session.request;
    this._store.resetUser(consumerKey, userName);
    const [user] = this._store.findUsersByName(consumerKey, userName);
    if (user !== undefined) this._finishWithUser(session, user);
  }

  /** The user's current pairing as the manage page shows it, if any is active. */
  activePairing(session: IframeSession): SandboxPairing | undefined {
    return this._activePairing(session);
  }

  private _activePairing(session: IframeSession): SandboxPairing | undefined {
    const { consumerKey, userName } = session.request;
    const [user] = this._store.findUsersByName(consumerKey, userName);
    if (user === undefined) return undefined;
    return this._store.userPairings(consumerKey, user.id, false).find((p) => p.enabled);
  }

  private _finishWithRequest(session: IframeSession, r: SandboxAuthenticationRequest): void {
    this._finish(session, 'authentication_request', {
      id: r.id,
      pending: String(r.pending),
      granted: String(r.granted),
      automated: String(r.automated),
      reason: r.reason,
      reason_code: String(r.reason_code),
      terminal_id: r.terminal.id,
      terminal_name: r.terminal.name,
      terminal_requester_specified_id: r.terminal.requester_specified_id,
      pairing_user_id: r.user.id,
      user_name: r.user.name,
      user_toopher_authentication_enabled: String(r.user.toopher_authentication_enabled),
      action_id: r.action.id,
      action_name: r.action.name,
    });
  }

  private _finishWithPairing(session: IframeSession, p: SandboxPairing): void {
    this._finish(session, 'pairing', {
      id: p.id,
      enabled: String(p.enabled),
      pending: String(p.pending),
      pairing_user_id: p.user.id,
      user_name: p.user.name,
      user_toopher_authentication_enabled: String(p.user.toopher_authentication_enabled),
      // 1.x pairing results named the user id `user_id`.
      ...(session.request.legacy ? { user_id: p.user.id } : {}),
    });
  }

  private _finishWithUser(session: IframeSession, u: SandboxUser): void {
    this._finish(session, 'requester_user', {
      id: u.id,
      name: u.name,
      toopher_authentication_enabled: String(u.toopher_authentication_enabled),
    });
  }

  /** The signed error form (§6.3): `error_code` and `error_message` plus the common fields. */
  private _finishWithError(session: IframeSession, err: SandboxError): void {
    this._finish(session, undefined, { error_code: String(err.toopherCode), error_message: err.message });
  }

  private _finish(session: IframeSession, resourceType: string | undefined, fields: Record<string, string>): void {
    const { request } = session;
    const secret = this._store.consumerSecret(request.consumerKey) ?? '';
    const common: Record<string, string> = { session_token: request.sessionToken };
    if (resourceType !== undefined) common['resource_type'] = resourceType;
    if (request.requesterMetadata !== undefined) common['requester_metadata'] = request.requesterMetadata;
    session.result = signPostback({ ...fields, ...common }, secret, this._now() / 1000);
    session.stage = 'done';
    delete session.notice;
  }
}
