import type { NextFunction, Request, Response } from 'express';
import { ToopherUnavailableError } from '../engine/unavailable-error.js';
import { ToopherError } from '../errors.js';
import { debug } from '../internal/debug.js';
import type { FlowResponder } from './flow-responder.js';

interface BodyParserError {
  readonly type?: unknown;
  readonly status?: unknown;
}

/** Our routes' faults as pages: upstream → 502/503, bad input → 4xx; anything else goes to the app. */
export function handleRouteError(flows: FlowResponder, err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(err);
    return;
  }
  const pages = flows.pages;
  const m = pages.messages;
  const reply = (promise: Promise<void>): void => {
    promise.catch(next);
  };
  if (err instanceof ToopherUnavailableError) {
    debug('upstream fault: %s', err.cause instanceof Error ? err.cause.name : 'unknown');
    reply(flows.unavailable(req, res, err));
    return;
  }
  const parserError = err as BodyParserError;
  const status = typeof parserError.status === 'number' ? parserError.status : undefined;
  if (typeof parserError.type === 'string' && status !== undefined && status >= 400 && status < 500) {
    reply(
      pages.result(req, res, status, {
        title: m.badRequestTitle,
        message: status === 413 ? m.requestTooLargeMessage : m.badRequestMessage,
        status: 'error',
        continueUrl: flows.engine.config.defaultReturnTo,
      }),
    );
    return;
  }
  if (err instanceof ToopherError && err.status !== undefined && err.status >= 400 && err.status < 500) {
    reply(
      pages.result(req, res, err.status, {
        title: m.badRequestTitle,
        message: m.badRequestMessage,
        status: 'error',
        continueUrl: flows.engine.config.defaultReturnTo,
      }),
    );
    return;
  }
  next(err);
}
