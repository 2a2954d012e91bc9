import { randomToken } from '../../internal/random.js';

/** Which iframe page a signed URL opened. */
export type IframeKind = 'authenticate' | 'manage_user';

/** Where an iframe session stands; each stage renders one page. */
export type IframeStage =
  | 'pair' // inline pairing: ask for a phrase
  | 'pairing_wait' // a pairing was made; waiting for the phone to accept it
  | 'name_terminal' // the user is known but this browser is not: ask for a device name
  | 'waiting' // an authentication request is pending on the phone
  | 'otp' // the pairing requires an OTP (reason_code 708): ask for it
  | 'manage' // manage_user: show the pairing, offer to remove it
  | 'done'; // the signed result is ready to be handed to the parent page

/** What the signed URL asked for (toopher-api.md §6.2), defaults applied. */
export interface IframeRequest {
  readonly kind: IframeKind;
  /** `web/pair` and `web/auth` (1.x): the same flow; the pairing result also carries `user_id`. */
  readonly legacy: boolean;
  readonly consumerKey: string;
  readonly userName: string;
  readonly resetEmail: string;
  readonly actionName: string;
  readonly sessionToken: string;
  readonly requesterMetadata: string | undefined;
  readonly automationAllowed: boolean;
  readonly challengeRequired: boolean;
  readonly allowInlinePairing: boolean;
}

export interface IframeSession {
  readonly id: string;
  /** Hidden field of every form of the session's pages. */
  readonly formToken: string;
  readonly request: IframeRequest;
  /** This browser's terminal key (a cookie on the sandbox's origin). */
  readonly terminalKey: string;
  /** `postMessage` target: the embedding page's origin when the browser told us (Referer), else `*`. */
  readonly targetOrigin: string;
  readonly expiresAt: number;
  stage: IframeStage;
  pairingId?: string;
  /** The pending pairing waits for its QR code to be scanned (the page shows it). */
  pairingByQr?: boolean;
  requestId?: string;
  /** A short message shown on the current page (wrong phrase, refused pairing...). */
  notice?: string;
  /** The signed result, once `stage` is `done`. */
  result?: Readonly<Record<string, string>>;
}

/**
 * The sandbox's iframe sessions, in this process (like all sandbox state).
 * Bounded in count and time: a page that opens many signed URLs cannot grow
 * memory without bound.
 */
export class IframeSessions {
  private readonly _sessions = new Map<string, IframeSession>();

  constructor(
    private readonly _now: () => number,
    private readonly _ttlMs = 15 * 60_000,
    private readonly _max = 1000,
  ) {}

  create(request: IframeRequest, terminalKey: string, targetOrigin: string, stage: IframeStage): IframeSession {
    this._forgetExpired();
    const session: IframeSession = {
      id: randomToken(18),
      formToken: randomToken(18),
      request,
      terminalKey,
      targetOrigin,
      expiresAt: this._now() + this._ttlMs,
      stage,
    };
    this._sessions.set(session.id, session);
    for (const oldest of this._sessions.keys()) {
      if (this._sessions.size <= this._max) break;
      this._sessions.delete(oldest);
    }
    return session;
  }

  get(id: string): IframeSession | undefined {
    const session = this._sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this._now()) {
      this._sessions.delete(id);
      return undefined;
    }
    return session;
  }

  private _forgetExpired(): void {
    const now = this._now();
    for (const [id, session] of this._sessions) if (session.expiresAt <= now) this._sessions.delete(id);
  }
}
