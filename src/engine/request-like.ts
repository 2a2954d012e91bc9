/**
 * The parts of Express/Passport/express-session objects this package reads,
 * as small structural types (no ambient augmentation, so the declaration
 * build does not depend on the app's typings).
 */

/** An express-session `Session`, as far as we use it. */
export interface SessionLike {
  readonly id: string;
  save(callback: (err?: unknown) => void): unknown;
}

/** A Node/Express response, as far as we use it. */
export interface ResponseLike {
  getHeader(name: string): number | string | readonly string[] | undefined;
  setHeader(name: string, value: number | string | readonly string[]): unknown;
  readonly headersSent: boolean;
}

/** Passport's `Authenticator`, as far as we use it (`passport` itself fits). */
export interface PassportLike {
  serializeUser(user: unknown, req: unknown, done: (err: unknown, serialized?: unknown) => void): void;
  deserializeUser(serialized: unknown, req: unknown, done: (err: unknown, user?: unknown) => void): void;
}

/** An incoming request after express-session and Passport have run. */
export interface RequestLike {
  readonly headers: {
    readonly cookie?: string | undefined;
    readonly 'user-agent'?: string | undefined;
    readonly accept?: string | undefined;
  };
  readonly secure?: boolean | undefined;
  readonly user?: unknown;
  readonly session?: SessionLike | undefined;
  readonly sessionID?: string | undefined;
  readonly body?: unknown;
  readonly query?: unknown;
  readonly res?: ResponseLike | undefined;
  /** Set by `passport.initialize()` (compat mode, the default). */
  readonly _passport?: { readonly instance?: unknown } | undefined;
}

/** Saves the session now (before answering), so another instance sees the change. */
export function saveSession(session: SessionLike): Promise<void> {
  return new Promise((resolve, reject) => {
    session.save((err) => (err ? reject(err instanceof Error ? err : new Error('the session could not be saved')) : resolve()));
  });
}
