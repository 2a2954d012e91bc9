/**
 * Every error this package throws or passes to `next()` is a `ToopherError`.
 * API failures of any kind (HTTP errors, network, timeouts, malformed replies)
 * are `ToopherApiError`s, so one `instanceof` check covers a failed call.
 *
 * `code` is always a string naming the kind of error (`'ERR_TOOPHER_...'`,
 * as Node and got name theirs); Toopher's numeric `error_code` is
 * `toopherCode` on `ToopherApiError`.
 */

export class ToopherError extends Error {
  /** The kind of error, e.g. `'ERR_TOOPHER_TIMEOUT'`; stable, for programs to branch on. */
  readonly code: string = 'ERR_TOOPHER';
  /** HTTP status Express's error handler should answer with, when one applies. */
  readonly status: number | undefined;

  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options?.status;
  }
}

/** A bad option given to a constructor or factory; thrown synchronously at startup. */
export class ToopherConfigError extends ToopherError {
  override readonly code: string = 'ERR_TOOPHER_CONFIG';
}

export interface ToopherApiErrorOptions {
  /** HTTP status of the API response; undefined when no response arrived. */
  readonly status?: number;
  /** The API's numeric `error_code`, when it sent one. */
  readonly toopherCode?: number;
  /** Endpoint path relative to the base URL, e.g. `authentication_requests/initiate`. */
  readonly endpoint?: string;
  readonly cause?: unknown;
}

/** Any failed call to the Toopher API. */
export class ToopherApiError extends ToopherError {
  override readonly code: string = 'ERR_TOOPHER_API';
  /** The API's numeric `error_code` (704, 705, 401, ...) when it sent one. */
  readonly toopherCode: number | undefined;
  readonly endpoint: string | undefined;

  constructor(message: string, options: ToopherApiErrorOptions = {}) {
    super(message, {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.status === undefined ? {} : { status: options.status }),
    });
    this.toopherCode = options.toopherCode;
    this.endpoint = options.endpoint;
  }
}

/** 704: the user turned Toopher off (opted out). */
export class UserDisabledError extends ToopherApiError {
  override readonly code: string = 'ERR_TOOPHER_USER_DISABLED';
}
/** 705: no user with this name has ever paired with this requester. */
export class UserUnknownError extends ToopherApiError {
  override readonly code: string = 'ERR_TOOPHER_USER_UNKNOWN';
}
/** 706: the user is known but this terminal has no name yet. */
export class TerminalUnknownError extends ToopherApiError {
  override readonly code: string = 'ERR_TOOPHER_TERMINAL_UNKNOWN';
}
/** 707 (and legacy 601): the user's pairing was removed or never authorized. */
export class PairingDeactivatedError extends ToopherApiError {
  override readonly code: string = 'ERR_TOOPHER_PAIRING_DEACTIVATED';
}

/** No response: connection refused, reset, DNS failure, TLS failure. */
export class ToopherNetworkError extends ToopherApiError {
  override readonly code: string = 'ERR_TOOPHER_NETWORK';
  /**
   * True only when no connection to the API could be made at all (refused,
   * DNS failure, host or network unreachable). False when a connection was
   * made and then failed (reset, TLS error, cut mid-response). Only
   * unreachable failures let users in under `failMode: 'open'`.
   */
  readonly unreachable: boolean;

  constructor(message: string, options: ToopherApiErrorOptions & { readonly unreachable?: boolean } = {}) {
    super(message, options);
    this.unreachable = options.unreachable === true;
  }
}
/** The request did not complete within `timeoutMs`, or was aborted. */
export class ToopherTimeoutError extends ToopherApiError {
  override readonly code: string = 'ERR_TOOPHER_TIMEOUT';
}
/** A response arrived but was not what the API promises (not JSON, empty, missing fields, too large). */
export class ToopherResponseError extends ToopherApiError {
  override readonly code: string = 'ERR_TOOPHER_RESPONSE';
}

/** Numeric API error codes callers commonly branch on. */
export type ToopherErrorCode = 704 | 705 | 706 | 707;

/** True when `err` is a `ToopherApiError`, optionally with the given numeric Toopher `error_code` (`toopherCode`). */
export function isToopherApiError(err: unknown, toopherCode?: number): err is ToopherApiError {
  return err instanceof ToopherApiError && (toopherCode === undefined || err.toopherCode === toopherCode);
}
