import type { Router } from 'express';
import { clientScript, stylesheet } from '../../views/index.js';
import type { RouteContext } from './route-context.js';

/** The stylesheet and the browser script of the pages, cacheable for an hour. */
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
}
