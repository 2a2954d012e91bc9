import type { ErrorRequestHandler, Request, RequestHandler, Router } from 'express';
import type { ToopherApi } from '../api/client.js';
import { ToopherCore } from '../strategy/core.js';
import { registerPagesRouter } from '../strategy/diagnostics.js';
import { createStrategyWithCore, type ToopherStrategy } from '../strategy/strategy.js';
import { csrfToken, hasValidCsrf } from './csrf.js';
import { FlowResponder } from './flow-responder.js';
import { createGuardFactory, type ToopherRequireOptions } from './guard.js';
import type { ToopherOptions } from './options.js';
import { resolveToopherOptions } from './options.js';
import { Pages } from './respond.js';
import { createToopherRouter, handleRouteError } from './router.js';

/** What `createToopher` returns: mount it with `app.use(toopher)`. */
export interface Toopher<TUser = unknown> extends Router {
  /** Register with `passport.use(toopher.strategy)`; name `'toopher'` unless `name` says otherwise. */
  readonly strategy: ToopherStrategy<TUser>;
  /**
   * Guards a route: a signed-in user's request runs only after approval on
   * the phone, once per approval (or within `maxAgeMs` of one).
   */
  require(actionName: string, options?: ToopherRequireOptions): RequestHandler;
  /**
   * Optional error handler for your app (mount after your routes): shows the
   * Toopher error page (502/503) for `ToopherUnavailableError`s passed on by
   * the strategy, and hands every other error to the next handler.
   */
  readonly errorHandler: ErrorRequestHandler;
  /** The API client in use. */
  readonly api: ToopherApi;
  /**
   * The session's CSRF token (created on first use), for your own forms:
   * put it in a hidden field named `_csrf` and check it with `verifyCsrf`.
   */
  csrfToken(req: Request): string;
  /**
   * Refuses (403) a request without the session's CSRF token in the `_csrf`
   * body field or the `X-CSRF-Token` header. Mount after a body parser.
   */
  readonly verifyCsrf: RequestHandler;
}

/**
 * Sets up Toopher for an Express + Passport app: the strategy, the router
 * with its pages, and the action guard. Validates `options` at once and
 * throws `ToopherConfigError` naming a bad option.
 */
export function createToopher<TUser = unknown>(options: ToopherOptions<TUser>): Toopher<TUser> {
  const resolved = resolveToopherOptions(options);
  const core = new ToopherCore(resolved.config);
  const flows = new FlowResponder(core, new Pages(resolved));
  const router = createToopherRouter(flows);
  registerPagesRouter(core, router);
  const strategy = createStrategyWithCore<TUser>(core);
  const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
    handleRouteError(flows, err, req, res, next);
  };
  const verifyCsrf: RequestHandler = (req, res, next) => {
    if (hasValidCsrf(core, req)) {
      next();
      return;
    }
    const m = flows.pages.messages;
    flows.pages
      .result(req, res, 403, { title: m.forbiddenTitle, message: m.csrfMessage, status: 'error', continueUrl: core.config.defaultReturnTo }, { state: 'forbidden' })
      .catch(next);
  };
  return Object.assign(router, {
    strategy,
    require: createGuardFactory(flows),
    errorHandler,
    api: resolved.config.api,
    csrfToken: (req: Request): string => csrfToken(core, req),
    verifyCsrf,
  });
}
