import { answerOutcome, type ApprovedOutcome, type RefusedOutcome } from '../engine/answer-outcome.js';
import { checkPagesMounted } from '../engine/diagnostics.js';
import { ToopherEngine } from '../engine/engine.js';
import type { ToopherStrategyOptions } from '../engine/options.js';
import { resolveStrategyOptions } from '../engine/options.js';
import type { RequestLike } from '../engine/request-like.js';
import { safeReturnPath } from '../engine/return-url.js';
import type { FlowRecord } from '../engine/session-state.js';
import { ToopherError } from '../errors.js';
import { StrategyBase } from './passport-base.js';

/**
 * Options of `passport.authenticate('toopher', options)` that this strategy reads.
 *
 * **Where the user lands after signing in.** The return URL is, first match
 * wins: `returnTo` here, a `returnTo` form field or query parameter, then
 * (with `successReturnToOrRedirect`) `req.session.returnTo`, each used only
 * when it is a same-origin path (`https://evil.example`, `//evil.example`
 * are ignored); otherwise `successReturnToOrRedirect`, then `successRedirect`.
 *
 * - Approval on the phone (pending page): the router signs the user in
 *   (`req.logIn`, which regenerates the session) and redirects (303) there.
 * - Approved at once (automation, 704 opt-out, fail-open) with a return URL
 *   and `successRedirect` or `successReturnToOrRedirect` set: the strategy
 *   completes the sign-in itself the same way (`req.logIn` with the session
 *   regenerated, Passport's `keepSessionInfo` honoured, then a 303 redirect
 *   to the return URL), because Passport's own `success()` would go to
 *   `successRedirect` (and `req.session.returnTo` does not survive the
 *   regeneration). Passport's `successMessage`, `successFlash` and `authInfo`
 *   are then not applied, as on the pending page. The options object is
 *   never changed.
 * - Approved at once otherwise (no return URL, `session: false`,
 *   `assignProperty`, or neither redirect option): Passport's `success()` as
 *   usual; `info.returnTo` (`ToopherSuccessInfo`) carries the return URL for
 *   custom callbacks.
 */
export interface ToopherAuthenticateOptions {
  /** The return URL (same-origin paths only), e.g. from your login form. Wins over a `returnTo` field or query parameter. */
  readonly returnTo?: string;
  /** Where to go after signing in when there is no return URL (same-origin paths only). */
  readonly successRedirect?: string;
  /** Used like `successRedirect`, after a same-origin `req.session.returnTo` (which it consumes). */
  readonly successReturnToOrRedirect?: string;
  /** The "Try again" link after a denial or expiry (same-origin paths only). */
  readonly failureRedirect?: string;
}

/** The challenge passed to `fail()`, readable through Passport's `failureMessage`/custom callbacks. */
export interface ToopherFailure {
  readonly message: string;
  readonly code: 'ERR_TOOPHER_NO_USER' | 'ERR_TOOPHER_DENIED' | 'ERR_TOOPHER_RATE_LIMITED';
}

/** The `info` passed to `success()`. */
export interface ToopherSuccessInfo {
  /** `'granted'` (approved at once), `'opted-out'` (704) or `'fail-open'`. */
  readonly toopher: 'granted' | 'opted-out' | 'fail-open';
  readonly automated: boolean;
  /** The validated same-origin `returnTo` of the request, if any. */
  readonly returnTo?: string;
}

/**
 * Internal (not exported from the package): the key under which
 * `createToopher` hands the strategy the engine it shares with the router
 * and the guard, instead of options.
 */
export const sharedEngine: unique symbol = Symbol('passport-toopher shared engine');

/** Internal: what `createToopher` passes to `new ToopherStrategy`. */
export interface SharedEngine {
  readonly [sharedEngine]: ToopherEngine;
}

function isSharedEngine(options: unknown): options is SharedEngine {
  return typeof options === 'object' && options !== null && sharedEngine in options;
}

function field(container: unknown, name: string): unknown {
  return typeof container === 'object' && container !== null ? (container as Record<string, unknown>)[name] : undefined;
}

/**
 * True when Passport's `success()` would sign in and redirect to a fixed
 * URL, so the strategy must complete a sign-in with a return URL itself.
 */
function completesItself(options: ToopherAuthenticateOptions): boolean {
  if (options.successRedirect === undefined && options.successReturnToOrRedirect === undefined) return false;
  return field(options, 'session') !== false && field(options, 'assignProperty') === undefined;
}

/**
 * Toopher as a second factor: after a first factor put the user on
 * `req.user` (with `session: false`), asks the user's phone to approve the
 * sign-in. Approved at once → `success(user)`; otherwise the user is held in
 * the session (not signed in) and sent to the pending, pair or terminal page
 * under `basePath`, which completes the sign-in (`req.logIn`) once approved.
 */
export class ToopherStrategy<TUser = unknown> extends StrategyBase {
  /** Passport's name for this strategy (default `'toopher'`). */
  readonly name: string;
  private readonly _engine: ToopherEngine;

  /** Validates `options` at once; throws `ToopherConfigError` naming a bad option. */
  constructor(options: ToopherStrategyOptions<TUser>);
  /** Internal: `createToopher` shares its engine with the strategy it builds. */
  constructor(options: SharedEngine);
  constructor(options: ToopherStrategyOptions<TUser> | SharedEngine) {
    super();
    this._engine = isSharedEngine(options) ? options[sharedEngine] : new ToopherEngine(resolveStrategyOptions(options));
    this.name = this._engine.config.name;
  }

  /** Called by Passport; answers through exactly one of success/fail/redirect/error. */
  override authenticate(req: RequestLike, options?: ToopherAuthenticateOptions): void {
    this._authenticate(req, options ?? {}).catch((err: unknown) => {
      this.error(err instanceof Error ? err : new Error(String(err)));
    });
  }

  private async _authenticate(req: RequestLike, options: ToopherAuthenticateOptions): Promise<void> {
    const engine = this._engine;
    const config = engine.config;
    engine.session.sessionOf(req);
    const user = req.user;
    if (user === undefined || user === null || user === false) {
      const failure: ToopherFailure = {
        message: 'Sign in with your first factor before Toopher: no user is on `req.user`.',
        code: 'ERR_TOOPHER_NO_USER',
      };
      this.fail(failure, 401);
      return;
    }
    const userName = engine.userNameOf(user);
    const returnTo =
      safeReturnPath(options.returnTo) ?? safeReturnPath(field(req.body, 'returnTo') ?? field(req.query, 'returnTo'));
    const sessionReturnTo =
      options.successReturnToOrRedirect === undefined ? undefined : safeReturnPath(field(req.session, 'returnTo'));
    const successRedirect =
      returnTo ??
      sessionReturnTo ??
      safeReturnPath(options.successReturnToOrRedirect) ??
      safeReturnPath(options.successRedirect);
    const failureRedirect = safeReturnPath(options.failureRedirect);
    const serialized = await engine.session.serializeUser(req, user);
    const flow = engine.newFlow({
      kind: 'login',
      userName,
      user: serialized,
      actionName: config.loginActionName,
      automationAllowed: true,
      terminalId: engine.terminalIdOf(req),
      successRedirect,
      failureRedirect,
    });
    const outcome = await engine.approvals.start(req, flow);
    await answerOutcome(outcome, {
      approved: (approved) => this._signIn(req, user, approved, options, returnTo ?? sessionReturnTo, returnTo),
      waiting: () => this._park(req, flow),
      refused: (refusal) => this._refuse(refusal),
    });
  }

  /**
   * Approved at once: Passport's `success()`, or, when that would redirect
   * to a fixed URL although there is a return URL, the sign-in completed
   * here with a 303 to the return URL.
   */
  private async _signIn(
    req: RequestLike,
    user: unknown,
    outcome: ApprovedOutcome,
    options: ToopherAuthenticateOptions,
    target: string | undefined,
    returnTo: string | undefined,
  ): Promise<void> {
    if (target !== undefined && completesItself(options)) {
      // Consumed like Passport's successReturnToOrRedirect does (before logIn, so keepSessionInfo cannot bring it back).
      if (options.successReturnToOrRedirect !== undefined) delete (req.session as unknown as Record<string, unknown>)['returnTo'];
      await this._engine.session.logIn(req, user, { keepSessionInfo: field(options, 'keepSessionInfo') === true });
      this.redirect(target, 303);
      return;
    }
    const info: ToopherSuccessInfo = {
      toopher: outcome.type,
      automated: outcome.type === 'granted' && outcome.automated,
      ...(returnTo === undefined ? {} : { returnTo }),
    };
    this.success(user, info);
  }

  /** Waiting for the phone, a pairing or a terminal name: the flow is stored and the browser sent to its page. */
  private async _park(req: RequestLike, flow: FlowRecord): Promise<void> {
    const engine = this._engine;
    await engine.records.park(req, flow);
    checkPagesMounted(engine.pagesRouter, engine.config, req, engine.urlFor(flow));
    this.redirect(engine.urlFor(flow), 303);
  }

  private _refuse(outcome: RefusedOutcome): Promise<void> {
    switch (outcome.type) {
      case 'pairing-required':
        // Only guarded actions get this answer; a sign-in goes to the pair page.
        throw new ToopherError('passport-toopher: unexpected pairing-required outcome for a sign-in.', { status: 500 });
      case 'denied':
        this.fail({ message: 'The sign-in was denied on your phone.', code: 'ERR_TOOPHER_DENIED' } satisfies ToopherFailure, 403);
        break;
      case 'rate-limited':
        this.fail(
          { message: 'Too many approval requests. Wait a minute and try again.', code: 'ERR_TOOPHER_RATE_LIMITED' } satisfies ToopherFailure,
          429,
        );
        break;
    }
    return Promise.resolve();
  }
}
