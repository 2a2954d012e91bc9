import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { type Got, type RetryObject } from 'got';
import { debug } from '../internal/debug.js';
import { ToopherResponseError } from '../errors.js';
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

/** Largest answer body read (after decompression); a larger one is a `ToopherResponseError`, read no further. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
const RETRY_STATUS_CODES = [500, 502, 503, 504, 521, 522, 524];
/** Keep-alive connections idle this long are closed by the client (Node's HTTP server closes them after 5 s). */
const IDLE_SOCKET_MS = 4_000;
// No ETIMEDOUT: a timed-out attempt is not retried, so `timeoutMs` bounds a call.
const RETRY_ERROR_CODES = ['ECONNRESET', 'ECONNREFUSED', 'EADDRINUSE', 'EPIPE', 'ENOTFOUND', 'ENETUNREACH', 'EAI_AGAIN'];

export interface Transport {
  send(call: ApiCall): Promise<ApiReply>;
}

/**
 * One got instance per client: keep-alive agents, a timeout on every attempt,
 * GET-only retries with backoff, and a fresh OAuth signature per attempt over
 * exactly the query or form parameters that are sent.
 */
export function createTransport(options: ResolvedToopherApiOptions, seams: TransportSeams = {}): Transport {
  const signer = createRequestSigner(options.consumerKey, options.consumerSecret, seams);
  const origin = new URL(options.baseUrl).origin;
  const retryBaseDelayMs = seams.retryBaseDelayMs ?? 200;
  const calculateDelay = ({ computedValue, retryAfter, attemptCount }: RetryObject): number => {
    if (computedValue === 0) return 0;
    if (retryAfter !== undefined) return computedValue;
    return Math.min(retryBaseDelayMs * 2 ** (attemptCount - 1), 2000) + Math.random() * (retryBaseDelayMs / 2);
  };
  // Idle connections are closed after IDLE_SOCKET_MS, or 1 s before the server's
  // advertised `Keep-Alive: timeout` (Node applies that hint only when the agent
  // has a `timeout`): a request never goes out on a connection the server is
  // closing, which would fail with ECONNRESET, and POSTs are never retried.
  const client: Got = got.extend({
    agent: {
      http: new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
      https: new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
    },
    timeout: { request: options.timeoutMs },
    retry: {
      limit: options.retry,
      methods: ['GET'],
      statusCodes: RETRY_STATUS_CODES,
      errorCodes: RETRY_ERROR_CODES,
      calculateDelay,
    },
    headers: { 'user-agent': options.userAgent, accept: 'application/json' },
    followRedirect: false,
    throwHttpErrors: true,
    responseType: 'buffer',
  });

  return {
    async send(call) {
      const query = call.method === 'GET' && call.params.length > 0 ? `?${encodeParams(call.params)}` : '';
      const url = new URL(`${options.baseUrl}/${call.path}${query}`);
      const signedUrl = `${url.origin}${url.pathname}`;
      const form = call.method === 'POST' ? encodeParams(call.params) : undefined;
      const endpoint = call.path;
      debug('%s %s', call.method, endpoint);
      let tooLarge = false;
      try {
        const request = client(url, {
          method: call.method,
          ...(form === undefined
            ? {}
            : { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
          ...(call.signal === undefined ? {} : { signal: call.signal }),
          hooks: {
            beforeRequest: [
              (request) => {
                request.headers['authorization'] = signer.authorize(call.method, signedUrl, call.params);
              },
            ],
          },
        });
        // Cancelled as soon as the declared or received size passes the cap, so a huge answer is never buffered.
        void request.on('downloadProgress', ({ transferred, total }) => {
          if (tooLarge || (transferred <= MAX_RESPONSE_BYTES && (total ?? 0) <= MAX_RESPONSE_BYTES)) return;
          tooLarge = true;
          request.cancel();
        });
        const response = await request;
        const status = response.statusCode;
        debug('%s %s -> %d', call.method, endpoint, status);
        if (status < 200 || status > 299) {
          throw errorFromResponse(status, response.rawBody, endpoint);
        }
        return { status, body: response.rawBody, endpoint };
      } catch (error) {
        if (tooLarge) {
          throw new ToopherResponseError(`The Toopher API answered \`${endpoint}\` with more than ${MAX_RESPONSE_BYTES} bytes.`, {
            endpoint,
            cause: error,
          });
        }
        throw errorFromRequestFailure(error, {
          endpoint,
          origin,
          timeoutMs: options.timeoutMs,
          signal: call.signal,
        });
      }
    },
  };
}
