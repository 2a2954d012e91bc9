import type { NextFunction, Request, Response } from 'express';
import { ToopherError } from '../../errors.js';

/** JSON answers and errors of the device API: `{"error": "..."}`, never an HTML page. */

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json').send(JSON.stringify(body));
}

export function sendError(res: Response, status: number, error: string): void {
  sendJson(res, status, { error });
}

/** The raw bytes `express.raw` read, or none (no body sent). */
export function rawBody(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/**
 * A 4xx that is safe to show the client: a refusal from the store (`SandboxError` and other
 * `ToopherError`s with a status) or a body-parser error (too large, aborted, bad encoding).
 */
function clientStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, expose } = err as { status?: unknown; expose?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  return err instanceof ToopherError || expose === true ? status : undefined;
}

/**
 * Error handler for the device router: client errors keep their status and message; anything else
 * (a backend fault, a bug) is a 500 without details, reported through `onError`.
 */
export function deviceErrorHandler(onError: ((err: unknown) => void) | undefined) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    // Express could not decode a path parameter (a malformed %-escape): the client's mistake.
    if (err instanceof URIError) {
      sendError(res, 400, 'Malformed request path.');
      return;
    }
    const status = clientStatus(err);
    if (status !== undefined) {
      sendError(res, status, err instanceof Error ? err.message : 'Bad request.');
      return;
    }
    onError?.(err);
    sendError(res, 500, 'Internal error.');
  };
}
