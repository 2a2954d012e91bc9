import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import { createApiRouter, apiErrorHandler } from './api-routes.js';
import type { ControlAccess } from './control-guard.js';
import { createControlRouter } from './control-routes.js';
import { type FaultState, faultMiddleware } from './faults.js';
import { createIframeRouter } from './iframe/routes.js';
import { SandboxError } from './sandbox-error.js';
import type { SandboxStore } from './store/sandbox-store.js';
import type { StateAccess } from './store/state-access.js';

export interface SandboxAppOptions {
  readonly store: SandboxStore;
  /** The API routes' way to the store (the phone page, control API and iframe pages are sandbox-only and use `store`). */
  readonly state: StateAccess;
  readonly faults: FaultState;
  readonly timestampWindowSeconds: number;
  readonly maxBodyBytes: number;
  readonly maxParameterLength: number;
  readonly showRequester: boolean;
  readonly access: ControlAccess;
  /** The sandbox clock (ms since the epoch). */
  readonly clock: () => number;
}

/** The Express app of one sandbox: `/v1` (faults apply here only, not to the iframe pages), `/sandbox`, `/phone`. */
export function createSandboxApp(options: SandboxAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use('/v1/web', createIframeRouter(options));
  app.use('/v1', faultMiddleware(options.faults), createApiRouter(options));
  app.use(createControlRouter(options));
  app.get('/', (_req, res) => {
    res.redirect(303, '/phone');
  });
  app.use((_req: Request, _res: Response, next: NextFunction) => {
    next(new SandboxError(404, 404, 'Not found'));
  });
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    apiErrorHandler(err, req, res, next);
  });
  return app;
}
