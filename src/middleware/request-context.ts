/** What the action guard tells the handler it let through (`req.toopher`). */
export interface ToopherRequestContext {
  /** Set when `toopher.require(...)` let the request through. */
  readonly approval?: {
    readonly actionName: string;
    /**
     * `'grant'`: the replay of a request approved on the phone or by OTP;
     * `'max-age'`: covered by an earlier approval (`maxAgeMs`);
     * `'granted'`: approved at once (automation allowed);
     * `'opted-out'`: the user turned Toopher off (optional enrollment);
     * `'fail-open'`: the API was unreachable and `failMode` is `'open'`.
     */
    readonly via: 'grant' | 'max-age' | 'granted' | 'opted-out' | 'fail-open';
  };
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Added by passport-toopher's action guard. */
    toopher?: ToopherRequestContext;
  }
}
