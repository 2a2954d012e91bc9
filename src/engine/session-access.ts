import { ToopherError } from '../errors.js';
import type { ResolvedToopherConfig } from './options.js';
import { saveSession, type PassportLike, type RequestLike, type SessionLike } from './request-like.js';
import { getSessionState, type SessionBag, type ToopherSessionState } from './session-state.js';

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * The request's session as the engine uses it: the session itself (or an
 * error naming express-session), this package's record in it, saving it,
 * and Passport's serialize, deserialize and `req.logIn`. Only `FlowRecords`
 * reads and saves the record; everything else asks `FlowRecords`.
 */
export class SessionAccess {
  private readonly _config: Pick<ResolvedToopherConfig, 'sessionKey' | 'passport'>;
  /** The validated record per request object, so it is read from the session and validated once per request. */
  private readonly _states = new WeakMap<RequestLike, ToopherSessionState>();

  constructor(config: Pick<ResolvedToopherConfig, 'sessionKey' | 'passport'>) {
    this._config = config;
  }

  /** The session, or an error naming express-session. */
  sessionOf(req: RequestLike): SessionLike {
    const session = req.session;
    if (session === undefined || session === null) {
      throw new ToopherError(
        'passport-toopher needs `req.session`: mount express-session (`app.use(session({ ... }))`) before Passport and the Toopher router.',
        { status: 500 },
      );
    }
    const methods = session as unknown as { save?: unknown; regenerate?: unknown };
    if (typeof methods.save !== 'function' || typeof methods.regenerate !== 'function') {
      // A cookie-held session (cookie-session) could be replayed by the browser, defeating single use.
      throw new ToopherError(
        'passport-toopher needs a server-side session with `save()` and `regenerate()`: use express-session (with any store), not a cookie-held session.',
        { status: 500 },
      );
    }
    return session;
  }

  /** This package's record in the session (validated; created when `create`). */
  read(req: RequestLike, create: true): ToopherSessionState;
  read(req: RequestLike, create?: boolean): ToopherSessionState | undefined;
  read(req: RequestLike, create = false): ToopherSessionState | undefined {
    const cached = this._states.get(req);
    // Still the object in the session (nothing replaced or regenerated it): already validated for this request.
    if (cached !== undefined && (req.session as unknown as SessionBag | undefined)?.[this._config.sessionKey] === cached) return cached;
    const state = getSessionState(this.sessionOf(req) as unknown as SessionBag, this._config.sessionKey, create);
    if (state !== undefined) this._states.set(req, state);
    return state;
  }

  /** Saves the session now, so another instance sharing the store sees the change. */
  save(req: RequestLike): Promise<void> {
    return saveSession(this.sessionOf(req));
  }

  /** The session id (express-session's `req.sessionID`). */
  sessionIdOf(req: RequestLike): string {
    return req.sessionID ?? this.sessionOf(req).id;
  }

  /** The user as Passport's `serializeUser` stores it. */
  serializeUser(req: RequestLike, user: unknown): Promise<unknown> {
    const passport = this._passport(req);
    return new Promise((resolve, reject) => {
      passport.serializeUser(user, req, (err, serialized) => (err ? reject(asError(err)) : resolve(serialized)));
    });
  }

  /** The user back from Passport's `deserializeUser`; undefined/false when it no longer exists. */
  deserializeUser(req: RequestLike, serialized: unknown): Promise<unknown> {
    const passport = this._passport(req);
    return new Promise((resolve, reject) => {
      passport.deserializeUser(serialized, req, (err, user) => (err ? reject(asError(err)) : resolve(user)));
    });
  }

  /**
   * Signs `user` in with Passport's `req.logIn`, which regenerates the
   * session (and saves it) before resolving. `keepSessionInfo` is Passport's
   * option of that name.
   */
  async logIn(req: RequestLike, user: unknown, options: { readonly keepSessionInfo?: boolean } = {}): Promise<void> {
    const logIn = (req as unknown as { logIn?: unknown }).logIn;
    if (typeof logIn !== 'function') {
      throw new ToopherError(
        'passport-toopher completes sign-ins with `req.logIn`: mount `app.use(passport.session())` (or `passport.initialize()`) before the Toopher router.',
        { status: 500 },
      );
    }
    const logInOptions = options.keepSessionInfo === true ? { keepSessionInfo: true } : {};
    await new Promise<void>((resolve, reject) => {
      const done = (err: unknown): void => (err ? reject(asError(err)) : resolve());
      (logIn as (user: unknown, options: object, callback: (err: unknown) => void) => void).call(req, user, logInOptions, done);
    });
  }

  private _passport(req: RequestLike): PassportLike {
    const candidate = this._config.passport ?? req._passport?.instance;
    if (
      typeof candidate === 'object' &&
      candidate !== null &&
      typeof (candidate as Partial<PassportLike>).serializeUser === 'function' &&
      typeof (candidate as Partial<PassportLike>).deserializeUser === 'function'
    ) {
      return candidate as PassportLike;
    }
    throw new ToopherError(
      'passport-toopher needs Passport to hold a sign-in while it waits for approval: pass `passport` to createToopher({ passport }) (or to ToopherStrategy), or mount `app.use(passport.initialize())`.',
      { status: 500 },
    );
  }
}
