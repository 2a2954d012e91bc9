import { createHmac, randomUUID } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { systemClock, type Clock } from '../internal/clock.js';

/** Ordered request parameters (query or form), as decoded strings. */
export type RequestParams = ReadonlyArray<readonly [name: string, value: string]>;

/** Test seams: fixed clock and nonce reproduce published signatures. Not a public option. */
export interface SigningSeams {
  readonly clock?: Clock;
  readonly nonce?: () => string;
}

export interface RequestSigner {
  /**
   * Returns the `Authorization: OAuth …` header value for one request. `url`
   * is the request URL without its query; `params` are all query and form
   * parameters exactly as they are sent. Each call uses a fresh nonce.
   */
  authorize(method: string, url: string, params: RequestParams): string;
}

function hmacSha1(baseString: string, key: string): string {
  return createHmac('sha1', key).update(baseString, 'utf8').digest('base64');
}

/** The characters `encodeURIComponent` keeps that RFC 3986 encodes. */
const SUB_DELIMS = /[!'()*]/;
const SUB_DELIMS_ALL = /[!'()*]/g;

/** RFC 3986 percent-encoding (unreserved `A-Za-z0-9-._~` kept, UTF-8, upper-case hex). */
export function percentEncode(value: string): string {
  const encoded = encodeURIComponent(value);
  // Most values (ids, names, nonces) have none of them: skip the replace and its allocations.
  return SUB_DELIMS.test(encoded) ? encoded.replace(SUB_DELIMS_ALL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : encoded;
}

/** `a=1&b=2` with RFC 3986 encoding, unambiguous for any form or query decoder. */
export function encodeParams(params: RequestParams): string {
  return params.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&');
}

/** Two-legged OAuth 1.0a (HMAC-SHA1) signer built on `oauth-1.0a`. */
export function createRequestSigner(
  consumerKey: string,
  consumerSecret: string,
  seams: SigningSeams = {},
): RequestSigner {
  const clock = seams.clock ?? systemClock;
  // 122 random bits; Node draws UUIDs from a pre-filled entropy buffer, far cheaper than randomBytes per call.
  const nonce = seams.nonce ?? (() => randomUUID().replaceAll('-', ''));
  const oauth = new OAuth({
    consumer: { key: consumerKey, secret: consumerSecret },
    signature_method: 'HMAC-SHA1',
    hash_function: hmacSha1,
  });
  // oauth-1.0a draws its nonce from Math.random and reads the wall clock;
  // use crypto-random nonces and the (injectable) clock instead.
  oauth.getNonce = nonce;
  oauth.getTimeStamp = () => Math.floor(clock() / 1000);
  // The same RFC 3986 encoding as oauth-1.0a's (five regex passes per string), in one pass or none.
  oauth.percentEncode = percentEncode;
  // Two-legged: no token secret ever, so the HMAC key (`<encoded secret>&`) is the same for every request.
  const signingKey = oauth.getSigningKey('');
  oauth.getSigningKey = () => signingKey;

  return {
    authorize(method, url, params) {
      // Parameters go in `data`, never in the URL: oauth-1.0a's own query
      // parser does not decode keys or `+`. Names are unique by construction.
      const data: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [name, value] of params) data[name] = value;
      const authorization = oauth.authorize({ url, method, data });
      return oauth.toHeader(authorization).Authorization;
    },
  };
}
