import type { Router } from 'express';
import { clientScript, stylesheet } from '../../views/index.js';
import { serveIframeRelay } from '../iframe-relay.js';
import type { RouteContext } from './route-context.js';

/** The stylesheet and the browser scripts of the pages and of the hosted iframe flow, cacheable for an hour. */
export function mountAssetRoutes(router: Router, ctx: RouteContext): void {
  router.get(`${ctx.base}/assets/toopher.css`, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600');
    res.set('X-Content-Type-Options', 'nosniff');
    res.type('css').send(stylesheet);
  });
  router.get(`${ctx.base}/assets/toopher.js`, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600');
    res.set('X-Content-Type-Options', 'nosniff');
    res.type('js').send(clientScript);
  });
  // The hosted iframe flow's relay script (see iframe-relay.ts).
  router.get(`${ctx.base}/assets/toopher-iframe.js`, serveIframeRelay);
}
