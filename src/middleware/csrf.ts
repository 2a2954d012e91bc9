import type { Request } from 'express';
import type { ToopherEngine } from '../engine/engine.js';
import { constantTimeEqual } from '../internal/constant-time.js';
import { warnOnce } from '../engine/diagnostics.js';
import { CSRF_FIELD } from '../views/index.js';

/** Header a fetch/XHR client may send the token in instead of the form field. */
export const CSRF_HEADER = 'x-csrf-token';

/** The session's CSRF token (synchronizer pattern), created on first use. */
export function csrfToken(engine: ToopherEngine, req: Request): string {
  return engine.records.csrfToken(req);
}

/** True when the request carries the session's CSRF token (constant-time comparison). */
export function hasValidCsrf(engine: ToopherEngine, req: Request): boolean {
  if (carriesSessionToken(engine, req)) return true;
  explainMissingBody(engine, req);
  return false;
}

/**
 * A form or JSON POST whose body nobody parsed cannot carry `_csrf`: say
 * which middleware is missing (once per process, and in NODE_DEBUG output).
 */
function explainMissingBody(engine: ToopherEngine, req: Request): void {
  if (req.body !== undefined || req.get(CSRF_HEADER) !== undefined) return;
  if (!req.is(['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json'])) return;
  warnOnce(
    engine.config,
    'csrf-no-body',
    `passport-toopher: a ${req.method} with a form or JSON body reached toopher.verifyCsrf (or toopher.require) with no \`req.body\`, so its \`_csrf\` field could not be read and it was refused (403). ` +
      'Put a body parser before it, e.g. `app.post(path, express.urlencoded({ extended: false }), toopher.verifyCsrf, ...)`, or send the token in the X-CSRF-Token header.',
  );
}

function carriesSessionToken(engine: ToopherEngine, req: Request): boolean {
  const expected = engine.records.existingCsrfToken(req);
  if (expected === undefined) return false;
  const fromBody: unknown =
    typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>)[CSRF_FIELD] : undefined;
  const fromHeader = req.get(CSRF_HEADER);
  const given = typeof fromBody === 'string' ? fromBody : fromHeader;
  if (typeof given !== 'string' || given.length === 0 || given.length > 256) return false;
  return constantTimeEqual(given, expected);
}
