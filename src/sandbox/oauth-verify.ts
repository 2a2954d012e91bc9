import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../internal/constant-time.js';
import { ClaimMemory } from './claim-memory.js';

/**
 * OAuth 1.0a (RFC 5849) HMAC-SHA1 verification for the sandbox, two-legged
 * (consumer key and secret, no token). Written from the RFC on purpose: the
 * sandbox must not share signing code with the client it checks.
 */

/** A request parameter as a name/value pair; order and duplicates matter. */
export type OAuthParam = readonly [name: string, value: string];

/** RFC 5849 §3.6: percent-encode everything except `A-Z a-z 0-9 - . _ ~` (UTF-8, uppercase hex). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * RFC 5849 §3.5.1: the parameters of an `Authorization: OAuth ...` header, or
 * `undefined` when the header does not use the OAuth scheme or cannot be
 * parsed. `realm` is returned like any other entry (callers drop it); a
 * trailing comma and unquoted values are tolerated.
 */
export function parseAuthorizationHeader(header: string): OAuthParam[] | undefined {
  const match = /^\s*OAuth(?:\s+|$)(.*)$/is.exec(header);
  if (match === null) return undefined;
  const rest = match[1] ?? '';
  const params: OAuthParam[] = [];
  for (const part of rest.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) return undefined;
    const name = item.slice(0, eq).trim();
    let raw = item.slice(eq + 1).trim();
    if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) raw = raw.slice(1, -1);
    else if (raw.includes('"')) return undefined;
    const decodedName = safeDecode(name);
    const value = safeDecode(raw);
    if (decodedName === undefined || value === undefined) return undefined;
    params.push([decodedName, value]);
  }
  return params;
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * RFC 5849 §3.4.1.2: scheme and host in lowercase, default ports (80 for
 * http, 443 for https) dropped, path kept, query and fragment removed.
 */
export function normalizeBaseUrl(url: string): string {
  const parsed = new URL(url);
  const scheme = parsed.protocol.toLowerCase();
  const defaultPort = (scheme === 'http:' && parsed.port === '80') || (scheme === 'https:' && parsed.port === '443');
  const port = parsed.port === '' || defaultPort ? '' : `:${parsed.port}`;
  return `${scheme}//${parsed.hostname.toLowerCase()}${port}${parsed.pathname}`;
}

/** RFC 5849 §3.4.1.3.2: encode names and values, sort by name then value, join. */
export function normalizeParameters(params: readonly OAuthParam[]): string {
  return params
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** RFC 5849 §3.4.1: `METHOD&enc(base URL)&enc(normalized parameters)`. */
export function signatureBaseString(method: string, url: string, params: readonly OAuthParam[]): string {
  return [method.toUpperCase(), percentEncode(normalizeBaseUrl(url)), percentEncode(normalizeParameters(params))].join(
    '&',
  );
}

/** RFC 5849 §3.4.2: base64 HMAC-SHA1 keyed with `enc(consumer secret)&enc(token secret)`. */
export function hmacSha1Signature(baseString: string, consumerSecret: string, tokenSecret = ''): string {
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`;
  return createHmac('sha1', key).update(baseString, 'utf8').digest('base64');
}

/** What the verifier needs to know about an incoming request. */
export interface OAuthRequest {
  readonly method: string;
  /** The absolute URL as the client addressed it (scheme, Host header, raw path); the query is ignored here. */
  readonly url: string;
  /** Query-string parameters in order, decoded. */
  readonly query: readonly OAuthParam[];
  /** `application/x-www-form-urlencoded` body parameters in order, decoded; empty for other bodies. */
  readonly body: readonly OAuthParam[];
  readonly authorization: string | undefined;
}

export type OAuthVerifyResult =
  | { readonly ok: true; readonly consumerKey: string }
  | { readonly ok: false; readonly reason: string };

/** Real clients send 8 to 64 characters. */
const MAX_NONCE_LENGTH = 256;

/** A valid signature whose nonce the caller still has to claim (once per consumer within `nonceTtlMs`). */
export type OAuthSignatureResult =
  | { readonly ok: true; readonly consumerKey: string; readonly nonce: string }
  | { readonly ok: false; readonly reason: string };

export interface OAuthVerifierOptions {
  /** The consumer secret for a key, or `undefined` for an unknown key. */
  readonly lookupSecret: (consumerKey: string) => string | undefined;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Accepted distance between `oauth_timestamp` and now, in seconds (default 300). */
  readonly windowSeconds?: number;
  /** Remembered nonces before the oldest are forgotten early (default 1,000,000). */
  readonly maxNonces?: number;
}

const OAUTH_PREFIX = 'oauth_';

/**
 * Verifies two-legged HMAC-SHA1 requests: header, query or body parameters,
 * `realm` ignored, timestamp within the window, each nonce accepted once per
 * consumer within the window, constant-time signature comparison. Also
 * accepts the .NET SDK's requests that repeat every parameter in both the
 * query string and the body but sign each once.
 */
export class OAuthVerifier {
  private readonly _lookupSecret: (consumerKey: string) => string | undefined;
  private readonly _now: () => number;
  private readonly _windowSeconds: number;
  private readonly _nonces: ClaimMemory;

  constructor(options: OAuthVerifierOptions) {
    this._lookupSecret = options.lookupSecret;
    this._now = options.now;
    this._windowSeconds = options.windowSeconds ?? 300;
    this._nonces = new ClaimMemory(options.maxNonces ?? 1_000_000);
  }

  /**
   * How long a nonce must stay claimed: longer than twice the timestamp window (a timestamp at one edge is
   * accepted until it reaches the other), with a minute to spare for clock differences between instances.
   */
  get nonceTtlMs(): number {
    return 2 * this._windowSeconds * 1000 + 60_000;
  }

  /** `verifySignature`, then the nonce claimed in this verifier's own memory (one process). */
  verify(request: OAuthRequest): OAuthVerifyResult {
    const result = this.verifySignature(request);
    if (!result.ok) return result;
    const nowMs = this._now();
    const nonceKey = `${result.consumerKey}\0${result.nonce}`;
    if (!this._nonces.claim(nonceKey, nowMs + this.nonceTtlMs, nowMs)) return fail('replayed oauth_nonce');
    return { ok: true, consumerKey: result.consumerKey };
  }

  /** Everything but the nonce's single use, which the caller claims where it keeps nonces. */
  verifySignature(request: OAuthRequest): OAuthSignatureResult {
    const requestParams = [...request.query, ...request.body];
    const useHeader = request.authorization !== undefined && /^\s*OAuth\b/i.test(request.authorization);
    let oauth: OAuthParam[];
    if (useHeader) {
      const header = parseAuthorizationHeader(request.authorization ?? '');
      if (header === undefined) return fail('malformed Authorization header');
      oauth = header.filter(([name]) => name !== 'realm');
    } else {
      oauth = requestParams.filter(([name]) => name.startsWith(OAUTH_PREFIX));
      if (oauth.length === 0) return fail('no OAuth parameters');
    }

    const fields = new Map<string, string>();
    for (const [name, value] of oauth) {
      if (!name.startsWith(OAUTH_PREFIX)) continue;
      if (fields.has(name)) return fail(`duplicated ${name}`);
      fields.set(name, value);
    }
    const consumerKey = fields.get('oauth_consumer_key');
    const signature = fields.get('oauth_signature');
    const method = fields.get('oauth_signature_method');
    const timestamp = fields.get('oauth_timestamp');
    const nonce = fields.get('oauth_nonce');
    const version = fields.get('oauth_version');
    if (consumerKey === undefined || consumerKey === '') return fail('missing oauth_consumer_key');
    if (signature === undefined || signature === '') return fail('missing oauth_signature');
    if (method !== 'HMAC-SHA1') return fail('oauth_signature_method is not HMAC-SHA1');
    if (version !== undefined && version !== '1.0') return fail('oauth_version is not 1.0');
    if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return fail('missing or malformed oauth_timestamp');
    if (nonce === undefined || nonce === '') return fail('missing oauth_nonce');
    // Claimed as a storage key (at most 1024 characters): a longer nonce is refused, not a storage fault.
    if (nonce.length > MAX_NONCE_LENGTH) return fail('oauth_nonce is too long');
    const token = fields.get('oauth_token');
    if (token !== undefined && token !== '') return fail('oauth_token is not supported (two-legged only)');

    const secret = this._lookupSecret(consumerKey);
    if (secret === undefined) return fail('unknown consumer key');
    const nowMs = this._now();
    if (Math.abs(Number(timestamp) - nowMs / 1000) > this._windowSeconds) return fail('stale oauth_timestamp');

    // The signed set: query + body (+ the header's oauth_* fields), minus the signature.
    const headerParams = useHeader ? oauth.filter(([name]) => name.startsWith(OAUTH_PREFIX)) : [];
    const unsigned = (params: readonly OAuthParam[]): OAuthParam[] =>
      params.filter(([name]) => name !== 'oauth_signature');
    const candidates: OAuthParam[][] = [unsigned([...requestParams, ...headerParams])];
    if (request.query.length > 0 && request.body.length > 0) {
      candidates.push(unsigned([...dedupe(requestParams), ...headerParams]));
    }
    let valid = false;
    for (const params of candidates) {
      const expected = hmacSha1Signature(signatureBaseString(request.method, request.url, params), secret);
      // Evaluate every candidate so timing does not reveal which one matched.
      valid = constantTimeEqual(expected, signature) || valid;
    }
    if (!valid) return fail('signature mismatch');
    return { ok: true, consumerKey, nonce };
  }
}

function dedupe(params: readonly OAuthParam[]): OAuthParam[] {
  const seen = new Set<string>();
  const out: OAuthParam[] = [];
  for (const param of params) {
    const key = `${param[0]}\0${param[1]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(param);
  }
  return out;
}

function fail(reason: string): { readonly ok: false; readonly reason: string } {
  return { ok: false, reason };
}
