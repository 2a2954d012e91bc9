import type { Request } from 'express';
import type { ToopherCore } from '../strategy/core.js';
import { constantTimeEqual } from '../internal/constant-time.js';
import { randomToken } from '../internal/random.js';
import { warnOnce } from '../strategy/diagnostics.js';
import { CSRF_FIELD } from '../views/index.js';

/** Header a fetch/XHR client may send the token in instead of the form field. */
export const CSRF_HEADER = 'x-csrf-token';

/** The session's CSRF token (synchronizer pattern), created on first use. */
export function csrfToken(core: ToopherCore, req: Request): string {
  const state = core.stateOf(req, true);
  state.csrf ??= randomToken(32);
  return state.csrf;
}

/** True when the request carries the session's CSRF token (constant-time comparison). */
export function hasValidCsrf(core: ToopherCore, req: Request): boolean {
  if (carriesSessionToken(core, req)) return true;
  explainMissingBody(core, req);
  return false;
}

/**
 * A form or JSON POST whose body nobody parsed cannot carry `_csrf`: say
 * which middleware is missing (once per process, and in NODE_DEBUG output).
 */
function explainMissingBody(core: ToopherCore, req: Request): void {
  if (req.body !== undefined || req.get(CSRF_HEADER) !== undefined) return;
  if (!req.is(['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json'])) return;
  warnOnce(
    core.config,
    'csrf-no-body',
    `passport-toopher: a ${req.method} with a form or JSON body reached toopher.verifyCsrf (or toopher.require) with no \`req.body\`, so its \`_csrf\` field could not be read and it was refused (403). ` +
      'Put a body parser before it, e.g. `app.post(path, express.urlencoded({ extended: false }), toopher.verifyCsrf, ...)`, or send the token in the X-CSRF-Token header.',
  );
}

function carriesSessionToken(core: ToopherCore, req: Request): boolean {
  const expected = core.stateOf(req)?.csrf;
  if (expected === undefined) return false;
  const fromBody: unknown =
    typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>)[CSRF_FIELD] : undefined;
  const fromHeader = req.get(CSRF_HEADER);
  const given = typeof fromBody === 'string' ? fromBody : fromHeader;
  if (typeof given !== 'string' || given.length === 0 || given.length > 256) return false;
  return constantTimeEqual(given, expected);
}
