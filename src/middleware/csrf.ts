import type { Request } from 'express';
import type { ToopherCore } from '../strategy/core.js';
import { constantTimeEqual } from '../internal/constant-time.js';
import { randomToken } from '../internal/random.js';
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
  const expected = core.stateOf(req)?.csrf;
  if (expected === undefined) return false;
  const fromBody: unknown =
    typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>)[CSRF_FIELD] : undefined;
  const fromHeader = req.get(CSRF_HEADER);
  const given = typeof fromBody === 'string' ? fromBody : fromHeader;
  if (typeof given !== 'string' || given.length === 0 || given.length > 256) return false;
  return constantTimeEqual(given, expected);
}
