import type { NextFunction, Request, RequestHandler, Response } from 'express';
import * as z from 'zod';
import { ToopherConfigError } from '../errors.js';
import { describeIssues } from '../strategy/options.js';
import { refererPath } from '../strategy/return-url.js';
import { hasApproval, putApproval, takeGrant } from '../strategy/pending-state.js';
import { ToopherUnavailableError } from '../strategy/unavailable-error.js';
import { hasValidCsrf } from './csrf.js';
import type { FlowResponder } from './flow-responder.js';
import { GRANT_FIELD, GRANT_HEADER, parseGrant, verifyGrant } from './grant.js';
import { holdRequest, requestDigest } from './held-request.js';
import type { ToopherRequestContext } from './request-context.js';
import { wantsJson } from './respond.js';
import { handleRouteError } from './router.js';

/** Options of `toopher.require(actionName, options)`. */
export interface ToopherRequireOptions {
  /** After an approval, further requests to this action pass without asking for this many ms. Default 0 (every request asks). */
  readonly maxAgeMs?: number;
  /** Let Toopher approve automatically when the user allowed it on the phone. Default false: always ask. */
  readonly automationAllowed?: boolean;
  /**
   * Default true: a POST, PUT, PATCH or DELETE without a valid grant must
   * carry the session's CSRF token (`toopher.csrfToken(req)`, in a `_csrf`
   * body field or an `X-CSRF-Token` header), or it is refused with 403 before
   * any push is sent or any earlier approval (`maxAgeMs`) is used. Set
   * `false` only when a CSRF check of your own runs before this handler.
   */
  readonly csrf?: boolean;
}

const requireSchema = z.strictObject({
  maxAgeMs: z.int().min(0).max(24 * 60 * 60 * 1000).default(0),
  automationAllowed: z.boolean().default(false),
  csrf: z.boolean().default(true),
});

/** Methods that must not change anything, so a cross-site request cannot make them do harm. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const actionSchema = z.string().trim().min(1).max(100);

function grantOf(req: Request): string | undefined {
  const body: unknown = req.body;
  const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[GRANT_FIELD] : undefined;
  if (typeof fromBody === 'string') return fromBody;
  const header = req.get(GRANT_HEADER);
  if (header !== undefined) return header;
  // Express 5 parses the query string again on every read of `req.query`: only read it when the grant can be there.
  if (!req.url.includes(GRANT_FIELD)) return undefined;
  const query: unknown = req.query;
  const fromQuery = typeof query === 'object' && query !== null ? (query as Record<string, unknown>)[GRANT_FIELD] : undefined;
  return typeof fromQuery === 'string' ? fromQuery : undefined;
}

function stripGrantField(req: Request): void {
  const body: unknown = req.body;
  if (typeof body === 'object' && body !== null && Object.hasOwn(body, GRANT_FIELD)) {
    delete (body as Record<string, unknown>)[GRANT_FIELD];
  }
}

/**
 * Builds `toopher.require(actionName, options)`: a handler that lets a
 * signed-in user's request through only after Toopher approved it, and
 * exactly once per approval (unless `maxAgeMs` covers it).
 */
export function createGuardFactory(flows: FlowResponder) {
  const core = flows.core;
  const pages = flows.pages;

  return function requireApproval(actionName: string, options: ToopherRequireOptions = {}): RequestHandler {
    const name = actionSchema.safeParse(actionName);
    if (!name.success) {
      throw new ToopherConfigError('`toopher.require(actionName)` needs an action name of 1 to 100 characters.', {
        cause: name.error,
      });
    }
    const parsed = requireSchema.safeParse(options);
    if (!parsed.success) {
      throw new ToopherConfigError(`Invalid toopher.require options: ${describeIssues(parsed.error, options)}.`, {
        cause: parsed.error,
      });
    }
    const action = name.data;
    const { maxAgeMs, automationAllowed, csrf } = parsed.data;

    function pass(req: Request, next: NextFunction, via: NonNullable<ToopherRequestContext['approval']>['via']): void {
      req.toopher = { approval: { actionName: action, via } };
      next();
    }

    async function tooLarge(req: Request, res: Response): Promise<void> {
      const m = pages.messages;
      await pages.refuse(req, res, 413, { title: m.badRequestTitle, message: m.requestTooLargeMessage });
    }

    async function guard(req: Request, res: Response, next: NextFunction): Promise<void> {
      core.sessionOf(req);
      const isAuthenticated = (req as { isAuthenticated?: () => boolean }).isAuthenticated;
      if (typeof isAuthenticated !== 'function' || !isAuthenticated.call(req) || req.user === undefined) {
        const m = pages.messages;
        await pages.refuse(req, res, 401, { title: m.signInRequiredTitle, message: m.signInRequiredMessage }, {
          status: 'info',
          state: 'unauthenticated',
        });
        return;
      }
      const userName = core.userNameOf(req.user);
      const state = core.stateOf(req, true);
      const now = core.now();
      const token = grantOf(req);

      if (token !== undefined) {
        let digest: string;
        try {
          digest = requestDigest(req);
        } catch {
          // Too deeply nested to digest: no such request was ever held, so no grant can match it.
          core.emit('grant-refused', { userName, actionName: action, kind: 'action' }, { reason: 'too-large' });
          await tooLarge(req, res);
          return;
        }
        const parsedToken = parseGrant(token);
        const binding = { sessionId: core.sessionIdOf(req), userName, actionName: action, digest };
        if (parsedToken && parsedToken.expiresAt > now && verifyGrant(core.config.secret, token, binding)) {
          const grant = takeGrant(state, parsedToken.id);
          // The session copy of this request may be stale (another instance or
          // tab may be using the same grant right now): the shared store decides.
          if (grant && grant.expiresAt > now && (await core.claimGrant(grant.id, grant.expiresAt))) {
            await core.save(req);
            stripGrantField(req);
            pass(req, next, 'grant');
            return;
          }
        }
      }

      // No valid grant: from here on a forged cross-site request could send a
      // push to the user's phone or use an earlier approval.
      if (csrf && !SAFE_METHODS.has(req.method.toUpperCase()) && !hasValidCsrf(core, req)) {
        const m = pages.messages;
        await pages.refuse(req, res, 403, { title: m.forbiddenTitle, message: m.csrfMessage }, { state: 'forbidden' });
        return;
      }

      if (token !== undefined) {
        if (hasApproval(state, action, userName, now)) {
          stripGrantField(req);
          pass(req, next, 'max-age');
          return;
        }
        core.emit('grant-refused', { userName, actionName: action, kind: 'action' });
        const m = pages.messages;
        await pages.refuse(req, res, 403, { title: m.grantRefusedTitle, message: m.grantRefusedMessage }, {
          status: 'denied',
          state: 'refused',
        });
        return;
      }

      if (hasApproval(state, action, userName, now)) {
        pass(req, next, 'max-age');
        return;
      }

      const held = holdRequest(req);
      if (held === 'too-large') {
        await tooLarge(req, res);
        return;
      }
      if (held === 'unsafe-url') {
        const m = pages.messages;
        await pages.refuse(req, res, 400, { title: m.badRequestTitle, message: m.unsafeUrlMessage });
        return;
      }
      // Browsers can only replay GET, HEAD and form POSTs; JSON clients replay themselves.
      const replayable =
        held !== 'unsupported' &&
        (held.json || wantsJson(req) || held.method === 'GET' || held.method === 'HEAD' || held.method === 'POST');
      if (!replayable) {
        const m = pages.messages;
        await pages.refuse(req, res, 415, { title: m.badRequestTitle, message: m.unsupportedRequestMessage });
        return;
      }
      const flow = core.newFlow({
        kind: 'action',
        userName,
        actionName: action,
        automationAllowed,
        terminalId: core.terminalIdOf(req),
        held,
        maxAgeMs,
        // "Try again" after a denied form goes back to the page it came from (a GET retries itself).
        failureRedirect: held.method === 'GET' || held.method === 'HEAD' ? undefined : refererPath(req.get('referer'), req.get('host')),
      });
      const outcome = await core.start(req, flow);
      switch (outcome.type) {
        case 'granted':
        case 'opted-out':
        case 'fail-open':
          if (maxAgeMs > 0 && outcome.type === 'granted') {
            putApproval(state, action, { userName, expiresAt: now + maxAgeMs }, now);
            await core.save(req);
          }
          pass(req, next, outcome.type);
          return;
        case 'pending':
        case 'pair':
        case 'name':
          await flows.park(req, res, flow);
          return;
        case 'pairing-required':
          await flows.pairingRequired(req, res, flow, outcome.pairingRemoved);
          return;
        case 'denied':
          await flows.failed(req, res, flow, 'denied');
          return;
        case 'rate-limited':
          await flows.rateLimited(req, res, undefined);
          return;
      }
    }

    return (req, res, next) => {
      guard(req, res, next).catch((err: unknown) => {
        if (err instanceof ToopherUnavailableError && !res.headersSent) {
          handleRouteError(flows, err, req, res, next);
          return;
        }
        next(err);
      });
    };
  };
}
