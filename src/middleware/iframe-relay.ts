import type { RequestHandler } from 'express';
import { iframeRelayScript } from '../views/assets.js';

/**
 * The browser side of the hosted iframe flow, served at
 * `<basePath>/assets/toopher-iframe.js`. The page embeds
 *
 *   <iframe id="toopher_iframe" src="SIGNED_URL"
 *           data-toopher-origin="https://api.toopher.com"
 *           data-toopher-postback="/toopher/postback"
 *           data-toopher-csrf="TOKEN"></iframe>
 *   <script src="/toopher/assets/toopher-iframe.js" defer></script>
 *
 * and the script posts the iframe's signed result to the postback URL as one
 * form field, `toopher_iframe_data` (what Toopher's own toopher-web.js 2.0
 * sent), plus `_csrf` when given. Unlike that script it accepts a message only
 * from the iframe's own window and the API's origin, only once, only of the
 * documented shape, and posts only to a same-origin URL. No inline script is
 * needed, so the page can keep a strict CSP.
 */

/** Serves the relay script (`src/views/assets/toopher-iframe.js`). */
export const serveIframeRelay: RequestHandler = (_req, res) => {
  res.set('Cache-Control', 'public, max-age=3600');
  res.set('X-Content-Type-Options', 'nosniff');
  res.type('js').send(iframeRelayScript);
};
