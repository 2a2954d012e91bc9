import { ToopherApiError, ToopherNetworkError, ToopherResponseError } from '../errors.js';
import { debug } from '../internal/debug.js';
import { emitEvent } from './events.js';
import type { ResolvedToopherConfig } from './options.js';

/**
 * Messages that name the fix when the app is set up wrong: a refused
 * consumer key, a `baseUrl` that is not a Toopher API, pages that are not
 * mounted, a form without a body parser. Each warning is printed once per
 * process (through `onWarning`), and always logged with NODE_DEBUG.
 */

const warned = new Set<string>();

/** Prints `message` through `onWarning` the first time `key` is seen in this process. */
export function warnOnce(config: Pick<ResolvedToopherConfig, 'onWarning'>, key: string, message: string): void {
  debug('%s', message);
  if (warned.has(key)) return;
  warned.add(key);
  config.onWarning(message);
}

/** The likely cause of an API failure that looks like a setup mistake, or undefined. */
export function likelyMisconfiguration(err: ToopherApiError): string | undefined {
  const status = err.status;
  if (status === 401 || status === 403) {
    return 'check `consumerKey` and `consumerSecret` (the requester credentials of this Toopher API), that `baseUrl` is the API they belong to, and this machine\'s clock';
  }
  if (status === 404 || status === 405) return 'check `baseUrl`: it must be the Toopher API\'s URL, ending in /v1';
  if (err instanceof ToopherResponseError) return 'check `baseUrl`: what answers there is not a Toopher API';
  if (err instanceof ToopherNetworkError && err.unreachable) return 'check `baseUrl` (host and port) and that the Toopher API is running';
  return undefined;
}

/**
 * Reports an API failure met when asking for an approval: an `api-error`
 * event with the HTTP status and Toopher's message, and, when the app has no
 * `onEvent` listener and the failure looks like a setup mistake, one warning
 * per process naming the likely cause.
 */
export function reportApiFailure(
  config: ResolvedToopherConfig,
  flow: { readonly userName: string; readonly actionName: string; readonly kind: 'login' | 'action' },
  err: unknown,
  now: number,
): void {
  if (!(err instanceof ToopherApiError)) return;
  emitEvent(config.onEvent, {
    type: 'api-error',
    userName: flow.userName,
    action: flow.actionName,
    kind: flow.kind,
    at: now,
    ...(err.status === undefined ? {} : { status: err.status }),
    ...(err.toopherCode === undefined ? {} : { toopherCode: err.toopherCode }),
    message: err.message,
    reason: err.name,
  });
  if (config.onEvent !== undefined) return;
  const cause = likelyMisconfiguration(err);
  if (cause === undefined) return;
  warnOnce(
    config,
    'api-error',
    `passport-toopher: the Toopher API call failed, so users see "verification unavailable" (${err.message}). Likely cause: ${cause}. ` +
      'Pass `onEvent` to receive every failure as an `api-error` event (this warning is printed once).',
  );
}

/** Per app: whether its middleware stack holds a given pages router. */
const mountedIn = new WeakMap<object, WeakMap<object, boolean>>();

interface StackHolder {
  readonly stack?: ReadonlyArray<{ readonly handle?: unknown }>;
  readonly _router?: StackHolder;
  readonly router?: StackHolder;
}

/** The middleware stack of an Express 4/5 app or router, or undefined. */
function stackOf(holder: unknown): StackHolder['stack'] {
  if (typeof holder !== 'function' && (typeof holder !== 'object' || holder === null)) return undefined;
  const h = holder as StackHolder;
  if (h.stack !== undefined) return Array.isArray(h.stack) ? h.stack : undefined;
  try {
    // Express 4 keeps the app's router in `_router`; Express 5 in `router` (a getter Express 4 throws from).
    return (h._router ?? h.router)?.stack;
  } catch {
    return undefined;
  }
}

function contains(holder: unknown, target: object, depth: number): boolean {
  const stack = stackOf(holder);
  if (stack === undefined || depth > 8) return false;
  return stack.some((layer) => layer.handle === target || contains(layer.handle, target, depth + 1));
}

/**
 * Warns (once per process) when the strategy sends a browser to a page that
 * nothing serves: the strategy used without `createToopher`, or the router
 * not mounted with `app.use(toopher)`. A warning, not an error: an app
 * mounted inside another cannot always be seen through.
 */
export function checkPagesMounted(router: object | undefined, config: ResolvedToopherConfig, req: object, pageUrl: string): void {
  if (router === undefined) {
    warnOnce(
      config,
      'pages-standalone',
      `passport-toopher: ToopherStrategy sent the browser to ${pageUrl}, but only createToopher()'s router serves the pages under \`${config.basePath}\`. ` +
        'Use `const toopher = createToopher(options)`, `app.use(toopher)` and `passport.use(toopher.strategy)`.',
    );
    return;
  }
  const app = (req as { readonly app?: unknown }).app;
  if (typeof app !== 'function' && (typeof app !== 'object' || app === null)) return;
  let known = mountedIn.get(app);
  if (known === undefined) {
    known = new WeakMap();
    mountedIn.set(app, known);
  }
  let mounted = known.get(router);
  if (mounted === undefined) {
    mounted = contains(app, router, 0);
    known.set(router, mounted);
  }
  if (mounted) return;
  warnOnce(
    config,
    'pages-unmounted',
    `passport-toopher: passport.authenticate('${config.name}') sent the browser to ${pageUrl}, but the Toopher router does not seem to be mounted on this app, so that page will answer 404. ` +
      'Add `app.use(toopher)` (the object createToopher() returned) before your routes.',
  );
}
