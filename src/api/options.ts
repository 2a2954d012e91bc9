import { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import * as z from 'zod';
import { ToopherConfigError } from '../errors.js';
import { PACKAGE_VERSION } from '../internal/version.js';

/** Options of `new ToopherApi(options)`. */
export interface ToopherApiOptions {
  /** Consumer key of your Toopher requester. */
  readonly consumerKey: string;
  /** Consumer secret of your Toopher requester. Never logged or put in error messages. */
  readonly consumerSecret: string;
  /**
   * The http(s) URL of your Toopher v1 API, ending in /v1 (the sandbox's
   * `apiUrl` in development). Required: the hosted api.toopher.com no longer
   * exists, so there is no default.
   */
  readonly baseUrl: string;
  /** Time limit of each HTTP attempt in milliseconds. Default 10000. */
  readonly timeoutMs?: number;
  /** How often a GET is retried after a network error or a 5xx answer (with backoff). POSTs are never retried. Default 2. */
  readonly retry?: number;
  /** Replaces the default `Toopher-TypeScript/<version> (Node <version>)` User-Agent. */
  readonly userAgent?: string;
  /**
   * Largest reply body accepted, in bytes. A larger reply is a `ToopherResponseError`, cut off as soon as its
   * Content-Length or the bytes received pass the limit (never read whole). Default 1048576 (1 MiB).
   */
  readonly maxResponseBytes?: number;
  /**
   * URL of an HTTP(S) proxy for outbound calls, e.g. `http://proxy.internal:3128` (credentials in the URL
   * are sent as Proxy-Authorization). Calls tunnel through it with CONNECT, TLS stays end to end.
   */
  readonly proxy?: string;
  /**
   * Your own agents instead of the client's keep-alive agents, e.g. from `proxy-agent` or `hpagent`.
   * Per protocol; a missing one keeps the client's. Not with `proxy` or `ca` (configure your agent instead).
   */
  readonly agent?: { readonly http?: HttpAgent; readonly https?: HttpsAgent };
  /** Extra CA certificates (PEM) trusted besides Node's built-in roots, e.g. a TLS-inspecting proxy's. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
}

/** The validated, frozen configuration a client runs with. */
export interface ResolvedToopherApiOptions {
  readonly consumerKey: string;
  readonly consumerSecret: string;
  /** Normalised: lower-case scheme and host, no default port, no trailing slash. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly retry: number;
  readonly userAgent: string;
  readonly maxResponseBytes: number;
  readonly proxy: string | undefined;
  readonly agent: { readonly http?: HttpAgent | undefined; readonly https?: HttpsAgent | undefined } | undefined;
  /** The extra CA certificates, as a list; undefined when none were given. */
  readonly ca: readonly (string | Buffer)[] | undefined;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/** `Toopher-TypeScript/<package version> (Node <node version>)`. */
export function defaultUserAgent(): string {
  return `Toopher-TypeScript/${PACKAGE_VERSION} (Node ${process.version.replace(/^v/, '')})`;
}

function normaliseBaseUrl(value: string, ctx: z.RefinementCtx): string {
  const url = new URL(value);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not contain a query, fragment or credentials' });
    return z.NEVER;
  }
  return url.href.replace(/\/+$/, '');
}

const pem = z.union([z.string().min(1), z.instanceof(Buffer)]);

const optionsSchema = z.strictObject({
  consumerKey: z.string().min(1),
  consumerSecret: z.string().min(1),
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .transform(normaliseBaseUrl),
  timeoutMs: z.int().min(1).max(600_000).default(10_000),
  retry: z.int().min(0).max(10).default(2),
  userAgent: z.string().min(1).max(512).optional(),
  maxResponseBytes: z.int().min(1).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_MAX_RESPONSE_BYTES),
  proxy: z.url({ protocol: /^https?$/ }).optional(),
  agent: z
    .strictObject({ http: z.instanceof(HttpAgent).optional(), https: z.instanceof(HttpAgent).optional() })
    .optional(),
  ca: z.union([pem, z.array(pem).min(1).readonly()]).optional(),
}).superRefine((value, ctx) => {
  if (value.agent === undefined) return;
  for (const other of ['proxy', 'ca'] as const) {
    if (value[other] !== undefined) {
      ctx.addIssue({ code: 'custom', path: [other], message: 'cannot be combined with `agent` (configure your agent instead)' });
    }
  }
});

// One truth: the interface above and the schema must describe the same keys,
// and every value the interface allows must be a valid schema input type.
type SchemaInput = z.input<typeof optionsSchema>;
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
const interfaceMatchesSchema: SameKeys<ToopherApiOptions, SchemaInput> = true;
const interfaceFitsSchema: ToopherApiOptions extends SchemaInput ? true : false = true;
void interfaceMatchesSchema;
void interfaceFitsSchema;

const BASE_URL_REQUIRED =
  '`baseUrl` is required: the URL of your Toopher API, ending in /v1 (in development the sandbox\'s `apiUrl`); there is no default because the hosted api.toopher.com no longer exists';

function valueAt(options: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = options;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue, options: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `\`${key}\``).join(', ');
    return `unknown option ${keys} (options are consumerKey, consumerSecret, baseUrl, timeoutMs, retry, userAgent, maxResponseBytes, proxy, agent, ca)`;
  }
  const option = issue.path.length === 0 ? 'options' : `\`${issue.path.map(String).join('.')}\``;
  switch (issue.code) {
    case 'invalid_type':
      if (valueAt(options, issue.path) === undefined && option === '`baseUrl`') return BASE_URL_REQUIRED;
      return valueAt(options, issue.path) === undefined
        ? `${option} is required`
        : `${option} must be of type ${issue.expected}`;
    case 'too_small':
      return `${option} is too small or empty (minimum ${String(issue.minimum)})`;
    case 'too_big':
      return `${option} is too big (maximum ${String(issue.maximum)})`;
    case 'invalid_format':
      return `${option} must be an http(s) URL`;
    case 'invalid_union':
      return `${option} must be a PEM string or Buffer, or a non-empty list of them`;
    case 'custom':
      return `${option} ${issue.message}`;
    default:
      return `${option} is invalid`;
  }
}

/**
 * Validates `ToopherApi` options once, at construction. Throws a
 * `ToopherConfigError` that names the offending option, never its value.
 */
export function resolveToopherApiOptions(options: unknown): ResolvedToopherApiOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => describeIssue(issue, options)).join('; ');
    throw new ToopherConfigError(`Invalid ToopherApi options: ${details}.`, { cause: parsed.error });
  }
  const { userAgent, ca, proxy, agent, ...rest } = parsed.data;
  return Object.freeze({
    ...rest,
    userAgent: userAgent ?? defaultUserAgent(),
    proxy,
    agent: agent as ResolvedToopherApiOptions['agent'],
    ca: ca === undefined ? undefined : Array.isArray(ca) ? [...(ca as readonly (string | Buffer)[])] : [ca as string | Buffer],
  });
}
