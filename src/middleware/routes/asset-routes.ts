import type { RequestHandler, Router } from 'express';
import { clientScript, iframeRelayScript, stylesheet } from '../../views/index.js';
import type { RouteContext } from './route-context.js';

/** Answers with one static asset, cacheable for an hour and never sniffed as another type. */
function serveAsset(type: 'css' | 'js', body: string): RequestHandler {
  return (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600');
    res.set('X-Content-Type-Options', 'nosniff');
    res.type(type).send(body);
  };
}

/** The stylesheet and the browser scripts of the pages and of the hosted iframe flow (`src/views/assets/`). */
export function mountAssetRoutes(router: Router, ctx: RouteContext): void {
  router.get(`${ctx.base}/assets/toopher.css`, serveAsset('css', stylesheet));
  router.get(`${ctx.base}/assets/toopher.js`, serveAsset('js', clientScript));
  router.get(`${ctx.base}/assets/toopher-iframe.js`, serveAsset('js', iframeRelayScript));
}
