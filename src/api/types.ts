/** camelCase results of the Toopher v1 API. Every result keeps the parsed JSON as `raw`. */

export type RawJson = Readonly<Record<string, unknown>>;

export interface ToopherUser {
  readonly id: string;
  readonly name: string;
  readonly toopherAuthenticationEnabled: boolean;
  readonly raw: RawJson;
}

export interface Pairing {
  readonly id: string;
  readonly enabled: boolean;
  readonly pending: boolean;
  /** Present in admin listings; false when the API did not say. */
  readonly deactivated: boolean;
  readonly user: ToopherUser;
  readonly raw: RawJson;
}

export interface UserTerminal {
  readonly id: string;
  readonly name: string;
  readonly requesterSpecifiedId: string;
  readonly user: ToopherUser | undefined;
  readonly raw: RawJson;
}

export interface Action {
  readonly id: string;
  readonly name: string;
}

export interface AuthenticationRequest {
  readonly id: string;
  readonly pending: boolean;
  readonly granted: boolean;
  readonly automated: boolean;
  readonly reason: string;
  readonly reasonCode: number;
  readonly terminal: UserTerminal;
  readonly user: ToopherUser;
  readonly action: Action;
  readonly raw: RawJson;
}

export interface ResetLink {
  readonly url: string;
  readonly resetAuthorization: string | undefined;
  readonly raw: RawJson;
}

/** Per-call options accepted by every method as its last argument. */
export interface CallOptions {
  /** Cancels the call; the promise rejects with a `ToopherTimeoutError`. */
  readonly signal?: AbortSignal;
}

/** Extra form parameters for `authenticate*`; unknown keys are sent as given. */
export interface AuthenticateExtras extends CallOptions {
  readonly automationAllowed?: boolean;
  readonly challengeRequired?: boolean;
  readonly otp?: string;
  readonly [param: string]: string | number | boolean | AbortSignal | undefined;
}

/** Extra form parameters for pairing calls; sent as given. */
export interface PairExtras extends CallOptions {
  readonly [param: string]: string | number | boolean | AbortSignal | undefined;
}
