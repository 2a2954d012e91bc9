import { createHmac, randomBytes } from 'node:crypto';

/**
 * An RFC 5849 HMAC-SHA1 signer for the fuzz tests, which sign parameters
 * with arbitrary names: parameters are sorted by encoded name, then by
 * encoded value (§3.4.1.3.2), never as whole `name=value` strings, which
 * orders `name` and `name2` the wrong way round.
 */

export interface OAuthSignInput {
  readonly method: string;
  /** Absolute URL; its query parameters are signed. */
  readonly url: string;
  readonly consumerKey: string;
  readonly consumerSecret: string;
  /** Form body parameters (signed). */
  readonly body?: readonly (readonly [string, string])[];
  readonly nonce?: string;
  /** Unix seconds; default now. */
  readonly timestamp?: number;
}

/** RFC 3986 percent-encoding as RFC 5849 §3.6 wants it. */
export function oauthEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The oauth_* parameters including `oauth_signature`. */
export function oauthSign(input: OAuthSignInput): [string, string][] {
  const url = new URL(input.url);
  const oauth: [string, string][] = [
    ['oauth_consumer_key', input.consumerKey],
    ['oauth_nonce', input.nonce ?? randomBytes(12).toString('hex')],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', String(input.timestamp ?? Math.floor(Date.now() / 1000))],
    ['oauth_version', '1.0'],
  ];
  const normalized = [...url.searchParams, ...(input.body ?? []), ...oauth]
    .map(([k, v]) => [oauthEncode(k), oauthEncode(v)] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const port = url.port === '' ? '' : `:${url.port}`;
  const baseUrl = `${url.protocol}//${url.hostname.toLowerCase()}${port}${url.pathname}`;
  const base = `${input.method.toUpperCase()}&${oauthEncode(baseUrl)}&${oauthEncode(normalized)}`;
  const signature = createHmac('sha1', `${oauthEncode(input.consumerSecret)}&`).update(base).digest('base64');
  return [...oauth, ['oauth_signature', signature]];
}

/** `Authorization: OAuth ...` for the request. */
export function oauthHeader(input: OAuthSignInput): string {
  return `OAuth ${oauthSign(input)
    .map(([k, v]) => `${oauthEncode(k)}="${oauthEncode(v)}"`)
    .join(', ')}`;
}
