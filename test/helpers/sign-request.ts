import { createHmac, randomBytes } from 'node:crypto';

/**
 * A small, test-only RFC 5849 HMAC-SHA1 signer (two-legged), independent of
 * both the client in src/api and the sandbox's verifier, so tests can craft
 * exactly the requests they are about.
 */

export type Pairs = readonly (readonly [string, string])[];

export interface SignInput {
  readonly method: string;
  /** Absolute URL; its query parameters are signed. */
  readonly url: string;
  readonly consumerKey: string;
  readonly consumerSecret: string;
  /** Form body parameters (signed). */
  readonly body?: Pairs | Readonly<Record<string, string>>;
  readonly nonce?: string;
  /** Unix seconds; default now. */
  readonly timestamp?: number | string;
}

function enc(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function toPairs(body: SignInput['body']): [string, string][] {
  if (body === undefined) return [];
  return Array.isArray(body)
    ? (body as Pairs).map(([k, v]) => [k, v] as [string, string])
    : Object.entries(body as Record<string, string>);
}

/** The oauth_* parameters, including `oauth_signature`, for a request. */
export function oauthParameters(input: SignInput): [string, string][] {
  const url = new URL(input.url);
  const oauth: [string, string][] = [
    ['oauth_consumer_key', input.consumerKey],
    ['oauth_nonce', input.nonce ?? randomBytes(12).toString('hex')],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', String(input.timestamp ?? Math.floor(Date.now() / 1000))],
    ['oauth_version', '1.0'],
  ];
  // RFC 5849 §3.4.1.3.2: sort the encoded pairs by name, then by value (not as whole `name=value`
  // strings, which would put `a2=…` before `a=…`).
  const all = [...url.searchParams, ...toPairs(input.body), ...oauth]
    .map(([k, v]): [string, string] => [enc(k), enc(v)])
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const port = url.port === '' ? '' : `:${url.port}`;
  const base = `${input.method.toUpperCase()}&${enc(`${url.protocol}//${url.hostname.toLowerCase()}${port}${url.pathname}`)}&${enc(all)}`;
  const signature = createHmac('sha1', `${enc(input.consumerSecret)}&`).update(base).digest('base64');
  return [...oauth, ['oauth_signature', signature]];
}

/** `Authorization: OAuth ...` header value for a request. */
export function authorizationHeader(input: SignInput, extra: { realm?: string; trailingComma?: boolean } = {}): string {
  const parts = oauthParameters(input).map(([k, v]) => `${enc(k)}="${enc(v)}"`);
  if (extra.realm !== undefined) parts.unshift(`realm="${extra.realm}"`);
  return `OAuth ${parts.join(', ')}${extra.trailingComma === true ? ',' : ''}`;
}

export function formBody(body: SignInput['body']): string {
  return toPairs(body)
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&');
}

export interface Credentials {
  readonly consumerKey: string;
  readonly consumerSecret: string;
}

export interface SignedResponse {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  /** Parsed JSON body (throws if the body is not JSON). */
  readonly json: unknown;
}

/**
 * Sends a signed request to `baseUrl + path` (GET parameters in the query,
 * POST parameters as a form body) and reads the whole response.
 */
export async function signedRequest(
  credentials: Credentials,
  method: 'GET' | 'POST',
  url: string,
  params: SignInput['body'] = {},
  options: { nonce?: string; timestamp?: number | string } = {},
): Promise<SignedResponse> {
  let target = url;
  let body: string | undefined;
  if (method === 'GET') {
    const query = formBody(params);
    if (query !== '') target = `${url}${url.includes('?') ? '&' : '?'}${query}`;
  } else {
    body = formBody(params);
  }
  const authorization = authorizationHeader({
    method,
    url: target,
    consumerKey: credentials.consumerKey,
    consumerSecret: credentials.consumerSecret,
    ...(method === 'POST' ? { body: params } : {}),
    ...options,
  });
  const res = await fetch(target, {
    method,
    headers: {
      authorization,
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(body === undefined ? {} : { body }),
  });
  return readResponse(res);
}

export async function readResponse(res: Response): Promise<SignedResponse> {
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    text,
    get json(): unknown {
      return JSON.parse(text) as unknown;
    },
  };
}

/** A signed-request shortcut bound to one API base URL and one consumer. */
export interface SignedApi {
  get(path: string, params?: SignInput['body']): Promise<SignedResponse>;
  post(path: string, params?: SignInput['body']): Promise<SignedResponse>;
}

export function signedApi(apiUrl: string, credentials: Credentials): SignedApi {
  return {
    get: (path, params) => signedRequest(credentials, 'GET', `${apiUrl}/${path}`, params),
    post: (path, params) => signedRequest(credentials, 'POST', `${apiUrl}/${path}`, params),
  };
}
