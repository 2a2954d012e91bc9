/**
 * Public types of `passport-toopher/sandbox`. Objects returned by the phone
 * are in the Toopher v1 JSON shape (snake_case), exactly as `/v1` sends them.
 */

/** A requester's credentials (a "consumer" in OAuth terms). */
export interface SandboxConsumer {
  readonly key: string;
  readonly secret: string;
  /** Requester name shown on the phone page and in `user.requester.name` (default `Sandbox requester N`). */
  readonly name?: string;
}

/** Options of {@link createSandbox}. */
export interface SandboxOptions {
  /** Requesters allowed to call `/v1`; each sees only its own users and requests. Default: one random pair. */
  readonly consumers?: readonly SandboxConsumer[];
  /** Interface to listen on (default `127.0.0.1`). The control API is unauthenticated: keep it local. */
  readonly host?: string;
  /** Port to listen on; `0` (default) picks a free one, read it from `url`. */
  readonly port?: number;
  /**
   * Milliseconds since the epoch (default `Date.now`). Drives request and pairing expiry and OTPs; the
   * OAuth timestamp window always uses the real time, so real clients can still sign requests.
   */
  readonly clock?: () => number;
  /** An authentication request still pending after this long reads as timed out (default 120000). */
  readonly pendingTimeoutMs?: number;
  /** A pairing still pending after this long becomes denied (default 300000). */
  readonly pairingTimeoutMs?: number;
  /**
   * Wrong OTPs allowed per pairing within `windowMs` before OTP attempts answer 429 (default 10 per
   * 300000 ms); `false` turns the limit off.
   */
  readonly otpRateLimit?: false | { readonly maxAttempts: number; readonly windowMs: number };
  /** A pairing phrase not used within this long is forgotten (default 600000). */
  readonly phraseTimeoutMs?: number;
  /** Accepted distance between `oauth_timestamp` and the real time, in seconds (default 300). */
  readonly timestampWindowSeconds?: number;
  /** Largest accepted request body in bytes (default 16384); larger bodies get 413. */
  readonly maxBodyBytes?: number;
  /** Longest accepted parameter value in characters (default 1000); longer values get 400. */
  readonly maxParameterLength?: number;
  /**
   * More host names (or `host:port`) the control API and phone page answer to, besides the loopback
   * names and the bound address (default none). Requests naming any other `Host` get 421.
   */
  readonly allowedHosts?: readonly string[];
  /** Unused pairing phrases kept at most; creating more forgets the oldest (default 100). */
  readonly maxPairingPhrases?: number;
}

/** A user as `/v1` returns it. */
export interface SandboxUser {
  readonly id: string;
  readonly name: string;
  readonly toopher_authentication_enabled: boolean;
  /** Legacy (1.x) inverse of `toopher_authentication_enabled`. */
  readonly disable_toopher_auth: boolean;
  readonly requester: { readonly id: string; readonly name: string };
}

/** A pairing as `/v1` returns it. */
export interface SandboxPairing {
  readonly id: string;
  readonly enabled: boolean;
  readonly pending: boolean;
  readonly deactivated: boolean;
  /** Sandbox only: authentications answer reason_code 708 and wait for an OTP. */
  readonly otp_required: boolean;
  readonly totp_length: number;
  readonly reason: string;
  readonly user: SandboxUser;
}

/** A user terminal as `/v1` returns it. */
export interface SandboxUserTerminal {
  readonly id: string;
  readonly name: string;
  readonly requester_specified_id: string;
  /** Legacy (1.x) name of `requester_specified_id`. */
  readonly name_extra: string;
  readonly user: SandboxUser;
}

/** An action as `/v1` returns it. */
export interface SandboxAction {
  readonly id: string;
  readonly name: string;
}

/** An authentication request as `/v1` returns it. */
export interface SandboxAuthenticationRequest {
  readonly id: string;
  readonly pending: boolean;
  readonly granted: boolean;
  readonly automated: boolean;
  readonly cancelled: boolean;
  readonly reason: string;
  readonly reason_code: number;
  readonly automation_allowed: boolean;
  readonly challenge_required: boolean;
  readonly created_seconds_since_epoch: number;
  readonly terminal: SandboxUserTerminal;
  readonly user: SandboxUser;
  readonly action: SandboxAction;
}

/** Scripted failures of `/v1` (the control API and phone page keep working). */
export interface SandboxFaults {
  /**
   * `error` (default): answer `status` with a JSON error body; `garbage`: answer 200 with a body that is
   * not JSON; `reset`: destroy the connection; `hang`: never answer (until `close()`).
   */
  readonly mode?: 'error' | 'garbage' | 'reset' | 'hang';
  /** HTTP status for `error` mode (default 500). */
  readonly status?: number;
  /** Share of matching requests that fail, 0..1 (default 1). */
  readonly rate?: number;
  /** Delay before answering every matching request, faulty or not (default 0). */
  readonly latencyMs?: number;
  /**
   * Only requests whose path starts with one of these, relative to `/v1` (e.g. `authentication_requests`
   * or `/v1/authentication_requests/initiate`). Default: every `/v1` request.
   */
  readonly paths?: readonly string[];
}

/** How the simulated phone answers new pairings and authentication requests by itself. */
export interface SandboxAutoRespond {
  readonly granted: boolean;
  /** Delay before answering (default 0: answered before `/v1` replies). */
  readonly delayMs?: number;
  /** Also store an automation rule for the (user, terminal, action) of each answered request. */
  readonly automate?: boolean;
}

/** The simulated phone: the control API as typed functions, for tests. */
export interface SandboxPhone {
  /** A new digit-free, single-use pairing phrase, as a fresh phone would show it. */
  createPairingPhrase(): Promise<string>;
  /** Pairings of every requester, newest first, optionally only those of users named `userName`. */
  listPairings(userName?: string): Promise<SandboxPairing[]>;
  /** Accepts or refuses a pending pairing. */
  respondToPairing(pairingId: string, granted: boolean): Promise<void>;
  /**
   * Makes the pairing's user answer with a one-time password: `initiate` then sends no push and answers a
   * pending request with `reason_code` 708 ("User requires OTP authentication"), decided by `otp_auth`.
   */
  setOtpRequired(pairingId: string, required: boolean): Promise<void>;
  /** Removes the pairing from the phone: later authentications answer 707. */
  deactivatePairing(pairingId: string): Promise<void>;
  /** The pairing's current 6-digit TOTP (RFC 6238, SHA1, 30 s) at the sandbox clock's time. */
  getOtp(pairingId: string): Promise<string>;
  /** Authentication requests of every requester, newest first, optionally only for users named `userName`. */
  listAuthenticationRequests(userName?: string): Promise<SandboxAuthenticationRequest[]>;
  /** Grants or denies a pending request; `automate` also answers future ones for the same user, terminal and action. */
  respondToAuthenticationRequest(id: string, granted: boolean, automate?: boolean): Promise<void>;
  setFaults(faults: SandboxFaults): Promise<void>;
  clearFaults(): Promise<void>;
  setAutoRespond(options: SandboxAutoRespond): Promise<void>;
  clearAutoRespond(): Promise<void>;
}

/** A running sandbox. */
export interface Sandbox {
  /** `http://HOST:PORT`; the phone page is at `url + '/phone'`. */
  readonly url: string;
  /** `url + '/v1'`: the base URL for a Toopher client. */
  readonly apiUrl: string;
  /** The first consumer's key. */
  readonly consumerKey: string;
  /** The first consumer's secret. */
  readonly consumerSecret: string;
  /**
   * Lets a non-JSON POST through to the control API: send it as the `x-sandbox-token` header. JSON
   * requests need no token (a web page cannot send them cross-origin).
   */
  readonly controlToken: string;
  readonly phone: SandboxPhone;
  /** Stops listening, drops every connection (including hung ones) and cancels timers. */
  close(): Promise<void>;
}
