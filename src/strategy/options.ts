import * as z from 'zod';
import { ToopherApi } from '../api/client.js';
import type { ToopherApiOptions } from '../api/options.js';
import { ToopherConfigError, ToopherError } from '../errors.js';
import { systemClock } from '../internal/clock.js';
import type { ToopherEventListener } from './events.js';
import type { PassportLike } from './request.js';
import { safeReturnPath } from './return-url.js';
import { MemorySharedStore, type ToopherSharedStore } from './shared-store.js';

/** Options of `new ToopherStrategy(options)`; `createToopher` takes these plus page options. */
export interface ToopherStrategyOptions<TUser = unknown> {
  /** A `ToopherApi`, or the options to make one (`{ consumerKey, consumerSecret, baseUrl }`). */
  readonly api: ToopherApi | ToopherApiOptions;
  /** The Toopher user name of a user your first factor accepted, e.g. `(user) => user.email`. Must be stable. */
  readonly userName: (user: TUser) => string;
  /** At least 32 characters. Signs the terminal cookie and action grants. Keep it secret; the same on every instance. */
  readonly secret: string;
  /**
   * The Passport instance (`import passport from 'passport'`). Used to
   * serialize the user into the session while an approval is pending and to
   * deserialize it when the sign-in completes. Optional when
   * `app.use(passport.initialize())` is mounted (Passport then exposes itself
   * on the request); pass it explicitly to be independent of that.
   */
  readonly passport?: PassportLike;
  /** Strategy name for `passport.authenticate(name)`. Default `'toopher'`. */
  readonly name?: string;
  /** Where the router mounts its pages. Default `'/toopher'`. */
  readonly basePath?: string;
  /**
   * `'required'` (default): every user must pair; a user disabled on the Toopher
   * side is re-enabled and asked. `'optional'`: the pair page offers "Skip",
   * which disables Toopher for that user, whose later sign-ins then pass (704).
   */
  readonly enrollment?: 'required' | 'optional';
  /**
   * How long an approval may stay pending, in ms. Default 90000. An approval
   * must also be collected (the sign-in completed, the action replayed) by
   * then, plus a grace of a third of this value, at most 30 s.
   */
  readonly authTimeoutMs?: number;
  /** How long a pairing may wait for the phone, in ms. Default 120000. */
  readonly pairingTimeoutMs?: number;
  /** At most one Toopher status call per pending request per this many ms, however often browsers poll. Default 1000. */
  readonly pollIntervalMs?: number;
  /**
   * `'closed'` (default): no sign-in or action when Toopher cannot answer.
   * `'open'`: when no connection to the API can be made (a
   * `ToopherNetworkError` with `unreachable`: connection refused, DNS failure,
   * host or network unreachable) at the moment an approval would be requested,
   * let the user in and emit a `fail-open` event. Resets, TLS failures,
   * timeouts, 5xx and bad answers still fail closed.
   */
  readonly failMode?: 'closed' | 'open';
  /** Session property holding this package's state. Default `'toopher'`. */
  readonly sessionKey?: string;
  /** Action name shown on the phone for sign-ins. Default `'Log In'`. */
  readonly loginActionName?: string;
  /** Approval requests per user per minute; counted per session and per process. Default 5. */
  readonly maxPushesPerMinute?: number;
  /**
   * Wrong one-time passwords allowed per user per 15 minutes, counted in the
   * shared `store` across all of the user's sign-ins, actions, tabs and
   * instances. Default 5.
   */
  readonly maxOtpAttempts?: number;
  /** Pending requests kept per session (one per tab); the oldest is dropped beyond this. Default 5. */
  readonly maxPending?: number;
  /** The terminal cookie. Defaults: name `'toopher_terminal'`, maxAgeMs 400 days. */
  readonly terminalCookie?: { readonly name?: string; readonly maxAgeMs?: number };
  /** Same-origin path used when no return URL applies. Default `'/'`. */
  readonly defaultReturnTo?: string;
  /**
   * Where grants are marked used and pushes and one-time-password attempts
   * are counted. Default: a `MemorySharedStore` in this process. With several
   * app instances, pass one store they all share (e.g. Redis), or a grant can
   * run once per instance and limits count per instance.
   */
  readonly store?: ToopherSharedStore;
  /** Receives audit events (pairing, approvals, limits, fail-open). */
  readonly onEvent?: ToopherEventListener;
  /** Receives startup warnings about risky settings. Default `process.emitWarning`. */
  readonly onWarning?: (message: string) => void;
  /**
   * Milliseconds since the epoch, for deadlines, grants and records. Default
   * `Date.now`. For tests of your own that move time: give the same clock to
   * `new MemorySharedStore({}, clock)` so stored claims age with it.
   */
  readonly clock?: () => number;
}

/** The validated, frozen configuration shared by the strategy, router and guard. */
export interface ResolvedToopherConfig {
  readonly api: ToopherApi;
  readonly userName: (user: unknown) => string;
  readonly secret: string;
  readonly passport: PassportLike | undefined;
  readonly name: string;
  readonly basePath: string;
  readonly enrollment: 'required' | 'optional';
  readonly authTimeoutMs: number;
  readonly pairingTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly failMode: 'closed' | 'open';
  readonly sessionKey: string;
  readonly loginActionName: string;
  readonly maxPushesPerMinute: number;
  readonly maxOtpAttempts: number;
  readonly maxPending: number;
  readonly terminalCookie: { readonly name: string; readonly maxAgeMs: number };
  readonly defaultReturnTo: string;
  readonly store: ToopherSharedStore;
  readonly onEvent: ToopherEventListener | undefined;
  readonly onWarning: (message: string) => void;
  readonly clock: () => number;
}

const isFunction = (value: unknown): boolean => typeof value === 'function';
const ms = (min: number, max: number, fallback: number) => z.int().min(min).max(max).default(fallback);
const DAY_MS = 24 * 60 * 60 * 1000;

/** Field schemas shared with the middleware's options (which add page options). */
export const strategyOptionShape = {
  api: z.custom<ToopherApi | ToopherApiOptions>(
    (value) => value instanceof ToopherApi || (typeof value === 'object' && value !== null),
    'must be a ToopherApi or its options',
  ),
  userName: z.custom<(user: never) => string>(isFunction, 'must be a function'),
  secret: z.string().min(32, 'must be at least 32 characters').max(1024),
  passport: z
    .custom<PassportLike>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        isFunction((value as Record<string, unknown>)['serializeUser']) &&
        isFunction((value as Record<string, unknown>)['deserializeUser']),
      'must be a Passport instance (with serializeUser and deserializeUser)',
    )
    .optional(),
  name: z.string().min(1).max(100).default('toopher'),
  basePath: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'must be a path like "/toopher" (no trailing slash)')
    .default('/toopher'),
  enrollment: z.enum(['required', 'optional']).default('required'),
  authTimeoutMs: ms(1, DAY_MS, 90_000),
  pairingTimeoutMs: ms(1, DAY_MS, 120_000),
  pollIntervalMs: ms(0, 60_000, 1_000),
  failMode: z.enum(['closed', 'open']).default('closed'),
  sessionKey: z
    .string()
    .regex(/^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/, 'must be an identifier')
    .refine((key) => !['__proto__', 'constructor', 'prototype', 'cookie', 'passport'].includes(key), 'is reserved')
    .default('toopher'),
  loginActionName: z.string().min(1).max(100).default('Log In'),
  maxPushesPerMinute: z.int().min(1).max(1000).default(5),
  maxOtpAttempts: z.int().min(1).max(100).default(5),
  maxPending: z.int().min(1).max(50).default(5),
  terminalCookie: z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'must be a cookie name token')
        .default('toopher_terminal'),
      maxAgeMs: ms(60_000, 400 * DAY_MS, 400 * DAY_MS),
    })
    .default({ name: 'toopher_terminal', maxAgeMs: 400 * DAY_MS }),
  defaultReturnTo: z
    .string()
    .refine((value) => safeReturnPath(value) === value, 'must be a same-origin path starting with "/"')
    .default('/'),
  store: z
    .custom<ToopherSharedStore>((value) => {
      if (typeof value !== 'object' || value === null) return false;
      const store = value as Record<string, unknown>;
      return (
        isFunction(store['setIfAbsent']) &&
        isFunction(store['increment']) &&
        (store['decrement'] === undefined || isFunction(store['decrement']))
      );
    }, 'must be an object with `setIfAbsent` and `increment` functions (and optionally `decrement`)')
    .optional(),
  onEvent: z.custom<ToopherEventListener>(isFunction, 'must be a function').optional(),
  onWarning: z.custom<(message: string) => void>(isFunction, 'must be a function').optional(),
  clock: z.custom<() => number>(isFunction, 'must be a function returning milliseconds since the epoch').optional(),
};

const strategyOptionsSchema = z.strictObject(strategyOptionShape);

// One truth: the interface and the schema list the same keys, and every value
// the interface allows is a valid schema input.
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
type SchemaInput = z.input<typeof strategyOptionsSchema>;
const sameKeys: SameKeys<ToopherStrategyOptions, SchemaInput> = true;
const fits: ToopherStrategyOptions extends SchemaInput ? true : false = true;
void sameKeys;
void fits;

/** Formats zod issues as "`path` message" without ever quoting values. */
export function describeIssues(error: z.ZodError, options: unknown): string {
  const valueAt = (path: readonly PropertyKey[]): unknown => {
    let value: unknown = options;
    for (const key of path) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<PropertyKey, unknown>)[key];
    }
    return value;
  };
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const where = issue.path.length === 0 ? '' : ` in \`${issue.path.join('.')}\``;
        return `unknown option${where} ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
      }
      const path = issue.path.length === 0 ? 'options' : `\`${issue.path.map(String).join('.')}\``;
      if (valueAt(issue.path) === undefined) return `${path} is required`;
      return `${path} ${issue.message}`;
    })
    .join('; ');
}

function defaultWarning(message: string): void {
  process.emitWarning(message, { type: 'ToopherWarning', code: 'TOOPHER_WARNING' });
}

/**
 * Turns parsed options into the frozen runtime config: builds the
 * `ToopherApi` when options were given, and warns about risky settings.
 */
export function finishConfig(parsed: z.output<typeof strategyOptionsSchema>, what: string): ResolvedToopherConfig {
  let api: ToopherApi;
  if (parsed.api instanceof ToopherApi) {
    api = parsed.api;
  } else {
    try {
      api = new ToopherApi(parsed.api);
    } catch (err) {
      const detail = err instanceof ToopherError ? err.message : 'invalid';
      throw new ToopherConfigError(`Invalid \`api\` option of ${what}: ${detail}`, { cause: err });
    }
  }
  const onWarning = parsed.onWarning ?? defaultWarning;
  const clock = parsed.clock ?? systemClock;
  if (parsed.failMode === 'open') {
    onWarning(
      `passport-toopher: \`failMode: 'open'\` lets users in without approval whenever the Toopher API is unreachable. Use it only if availability matters more than the second factor.`,
    );
  }
  return Object.freeze({
    api,
    userName: parsed.userName as (user: unknown) => string,
    secret: parsed.secret,
    passport: parsed.passport,
    name: parsed.name,
    basePath: parsed.basePath,
    enrollment: parsed.enrollment,
    authTimeoutMs: parsed.authTimeoutMs,
    pairingTimeoutMs: parsed.pairingTimeoutMs,
    pollIntervalMs: parsed.pollIntervalMs,
    failMode: parsed.failMode,
    sessionKey: parsed.sessionKey,
    loginActionName: parsed.loginActionName,
    maxPushesPerMinute: parsed.maxPushesPerMinute,
    maxOtpAttempts: parsed.maxOtpAttempts,
    maxPending: parsed.maxPending,
    terminalCookie: Object.freeze({ ...parsed.terminalCookie }),
    defaultReturnTo: parsed.defaultReturnTo,
    store: parsed.store ?? new MemorySharedStore({}, clock),
    onEvent: parsed.onEvent,
    onWarning,
    clock,
  });
}

/** Validates strategy options once; throws `ToopherConfigError` naming the option, never its value. */
export function resolveStrategyOptions(options: unknown): ResolvedToopherConfig {
  const parsed = strategyOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ToopherConfigError(`Invalid ToopherStrategy options: ${describeIssues(parsed.error, options)}.`, {
      cause: parsed.error,
    });
  }
  return finishConfig(parsed.data, 'ToopherStrategy');
}
