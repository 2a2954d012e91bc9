import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import got, { type BeforeRequestHook, type Got, type RetryObject } from 'got';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { ToopherResponseError } from '../errors.js';
import { debug } from '../internal/debug.js';
import { errorFromRequestFailure, errorFromResponse } from './map-error.js';
import type { ResolvedToopherApiOptions } from './options.js';
import { createRequestSigner, encodeParams, type RequestParams, type SigningSeams } from './signing.js';

export interface ApiCall {
  readonly method: 'GET' | 'POST';
  /** Path relative to `baseUrl`, ids already encoded, e.g. `pairings/abc`. */
  readonly path: string;
  /** Query parameters (GET) or form parameters (POST). */
  readonly params: RequestParams;
  readonly signal: AbortSignal | undefined;
}

export interface ApiReply {
  readonly status: number;
  readonly body: Buffer;
  readonly endpoint: string;
}

/** Test seams, never public options. */
export interface TransportSeams extends SigningSeams {
  /** First retry delay in ms (doubles per attempt, capped at 2 s). Default 200. */
  readonly retryBaseDelayMs?: number;
}

const RETRY_STATUS_CODES = [500, 502, 503, 504, 521, 522, 524];
/** Keep-alive connections idle this long are closed by the client (Node's HTTP server closes them after 5 s). */
const IDLE_SOCKET_MS = 4_000;
// No ETIMEDOUT: a timed-out attempt is not retried, so `timeoutMs` bounds a call.
const RETRY_ERROR_CODES = ['ECONNRESET', 'ECONNREFUSED', 'EADDRINUSE', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EAI_AGAIN'];
const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' } as const;
/** Key of the call being made in got's per-request `context`, read by the signing hook. */
const CALL = 'toopherCall';

export interface Transport {
  send(call: ApiCall): Promise<ApiReply>;
}

interface SignedCall {
  readonly method: string;
  /** The request URL without its query: what OAuth signs. */
  readonly url: string;
  readonly params: RequestParams;
}

/** Got's `downloadProgress` figures. */
interface Progress {
  readonly transferred: number;
  readonly total?: number | undefined;
}

/**
 * The agents of one client. Idle connections are closed after IDLE_SOCKET_MS,
 * or 1 s before the server's advertised `Keep-Alive: timeout` (Node applies
 * that hint only when the agent has a `timeout`): a request never goes out on
 * a connection the server is closing, which would fail with ECONNRESET, and
 * POSTs are never retried. With `proxy`, one agent tunnels both protocols
 * through the proxy with CONNECT; the user's own `agent`s replace ours.
 */
function createAgents(options: ResolvedToopherApiOptions): { http: HttpAgent; https: HttpsAgent } {
  const idle = { keepAlive: true, timeout: IDLE_SOCKET_MS };
  if (options.proxy !== undefined) {
    const tunnel = new HttpsProxyAgent(options.proxy, { ...idle, ...(options.ca === undefined ? {} : { ca: trusted(options.ca) }) });
    return { http: tunnel, https: tunnel };
  }
  return {
    http: options.agent?.http ?? new HttpAgent(idle),
    https: options.agent?.https ?? new HttpsAgent(idle),
  };
}

/** Node's built-in roots plus the caller's extra certificates (an explicit `ca` replaces the roots). */
function trusted(ca: readonly (string | Buffer)[]): (string | Buffer)[] {
  return [...rootCertificates, ...ca];
}

/**
 * One got instance per client, configured once with `got.extend` so a call
 * adds only its own method, body, signal and parameters: keep-alive agents,
 * one `timeoutMs` deadline per attempt, GET-only retries with backoff, no
 * redirects and no decompression, and a fresh OAuth signature per attempt
 * (a `beforeRequest` hook) over exactly the query or form parameters sent.
 * A reply larger than `maxResponseBytes` is cut off as soon as its
 * Content-Length or its received bytes pass the cap.
 */
export function createTransport(options: ResolvedToopherApiOptions, seams: TransportSeams = {}): Transport {
  const signer = createRequestSigner(options.consumerKey, options.consumerSecret, seams);
  const { baseUrl, timeoutMs, maxResponseBytes } = options;
  const origin = new URL(baseUrl).origin;
  const retryBaseDelayMs = seams.retryBaseDelayMs ?? 200;
  const calculateDelay = ({ computedValue, retryAfter, attemptCount }: RetryObject): number => {
    if (computedValue === 0) return 0;
    if (retryAfter !== undefined) return computedValue;
    return Math.min(retryBaseDelayMs * 2 ** (attemptCount - 1), 2000) + Math.random() * (retryBaseDelayMs / 2);
  };
  const sign: BeforeRequestHook = (request) => {
    const call = request.context[CALL] as SignedCall;
    request.headers['authorization'] = signer.authorize(call.method, call.url, call.params);
  };
  const client: Got = got.extend({
    agent: createAgents(options),
    ...(options.ca === undefined ? {} : { https: { certificateAuthority: trusted(options.ca) } }),
    timeout: { request: timeoutMs },
    retry: {
      limit: options.retry,
      methods: ['GET'],
      statusCodes: RETRY_STATUS_CODES,
      errorCodes: RETRY_ERROR_CODES,
      calculateDelay,
    },
    headers: { 'user-agent': options.userAgent, accept: 'application/json' },
    hooks: { beforeRequest: [sign] },
    followRedirect: false,
    decompress: false,
    throwHttpErrors: true,
    responseType: 'buffer',
  });
  // POSTs get their method and form content type from their own instance, not merged in per call.
  const postClient: Got = client.extend({ method: 'POST', headers: FORM_HEADERS });

  return {
    async send(call) {
      const { method, path: endpoint, params, signal } = call;
      const url = `${baseUrl}/${endpoint}`;
      const isGet = method === 'GET';
      const query = isGet && params.length > 0 ? `?${encodeParams(params)}` : '';
      const signed: SignedCall = { method, url, params };
      debug('%s %s', method, endpoint);
      let tooLarge = false;
      try {
        const callOptions: { context: Record<string, unknown>; body?: string; signal?: AbortSignal } = { context: { [CALL]: signed } };
        if (!isGet) callOptions.body = encodeParams(params);
        if (signal !== undefined) callOptions.signal = signal;
        const request = (isGet ? client : postClient)(`${url}${query}`, callOptions);
        void request.on('downloadProgress', ({ transferred, total }: Progress) => {
          if (transferred > maxResponseBytes || (total ?? 0) > maxResponseBytes) {
            tooLarge = true;
            request.cancel();
          }
        });
        const response = await request;
        const status = response.statusCode;
        debug('%s %s -> %d', method, endpoint, status);
        if (status < 200 || status > 299) {
          throw errorFromResponse(status, response.rawBody, endpoint);
        }
        return { status, body: response.rawBody, endpoint };
      } catch (error) {
        if (tooLarge) {
          throw new ToopherResponseError(
            `The Toopher API at ${origin} answered \`${endpoint}\` with more than \`maxResponseBytes\` (${maxResponseBytes} bytes); the reply was not read.`,
            { endpoint },
          );
        }
        throw errorFromRequestFailure(error, { endpoint, origin, timeoutMs, signal });
      }
    },
  };
}
