import { readFileSync } from 'node:fs';

/**
 * The static assets the router serves under `${basePath}/assets/`: real
 * files in `src/views/assets/` (linted as browser code, copied next to this
 * module at build), read once at startup. No inline script or style
 * anywhere, so a `default-src 'self'` Content-Security-Policy works.
 */
function asset(name: string): string {
  return readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');
}

/** The pages' stylesheet (`toopher.css`). */
export const stylesheet: string = asset('toopher.css');

/**
 * Plain ES2017 browser script (`toopher.js`), no build step. On the pending
 * page it polls the status URL every `data-poll-interval-ms` and submits
 * `#toopher-check` once the request is decided; on the replay page it
 * submits `#toopher-replay` once. Elsewhere it does nothing.
 */
export const clientScript: string = asset('toopher.js');

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
export const iframeRelayScript: string = asset('toopher-iframe.js');
