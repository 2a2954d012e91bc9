import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { handleRouteError } from './error-handler.js';
import type { FlowResponder } from './flow-responder.js';
import { mountAssetRoutes } from './routes/asset-routes.js';
import { mountPairRoutes } from './routes/pair-routes.js';
import { mountPendingRoutes } from './routes/pending-routes.js';
import { RouteContext } from './routes/route-context.js';
import { mountStatusRoutes } from './routes/status-routes.js';
import { mountTerminalRoutes } from './routes/terminal-routes.js';

/**
 * The router mounted with `app.use(toopher)`: the pending, pair and
 * terminal pages, the status JSON, the QR image and the two static assets,
 * all below `basePath`. Body parsers and CSRF checks apply to these routes only.
 */
export function createToopherRouter(flows: FlowResponder): Router {
  const router = express.Router();
  const ctx = new RouteContext(flows);
  mountAssetRoutes(router, ctx);
  mountPendingRoutes(router, ctx);
  mountStatusRoutes(router, ctx);
  mountPairRoutes(router, ctx);
  mountTerminalRoutes(router, ctx);
  router.use(ctx.base, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    handleRouteError(flows, err, req, res, next);
  });
  return router;
}
