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

/** The relay of the hosted iframe flow (`toopher-iframe.js`); see `middleware/iframe-relay.ts`. */
export const iframeRelayScript: string = asset('toopher-iframe.js');
