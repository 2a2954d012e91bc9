import { AbortError, HTTPError, RequestError, TimeoutError } from 'got';
import {
  PairingDeactivatedError,
  TerminalUnknownError,
  ToopherApiError,
  ToopherNetworkError,
  ToopherResponseError,
  ToopherTimeoutError,
  UserDisabledError,
  UserUnknownError,
  type ToopherApiErrorOptions,
} from '../errors.js';
import { mapError } from './wire.js';

type ApiErrorClass = new (message: string, options?: ToopherApiErrorOptions) => ToopherApiError;

const CLASS_BY_CODE: ReadonlyMap<number, ApiErrorClass> = new Map<number, ApiErrorClass>([
  [704, UserDisabledError],
  [705, UserUnknownError],
  [706, TerminalUnknownError],
  [707, PairingDeactivatedError],
  [601, PairingDeactivatedError],
]);

/** Legacy replies said this in `error_message` instead of sending 707. */
const DEACTIVATED_PHRASES = ['pairing has not been authorized', 'pairing has been deactivated'];

/** The status Toopher sends 704–707 with. The same codes under any other status are an API failure. */
const ZRS_STATUS = 409;
/** Statuses of the legacy 601 and "deactivated" message forms (409 now, 403 before March 2014). */
const LEGACY_DEACTIVATED_STATUSES: ReadonlySet<number> = new Set([409, 403]);

/**
 * The class a reply's code or message calls for, when the HTTP status is the
 * one Toopher uses for it: a 704 inside a 500 or a 429 is a failing API, not
 * a user who turned Toopher off, so it stays a plain `ToopherApiError` (fail closed).
 */
function classFor(status: number, code: number | undefined, lowerMessage: string): ApiErrorClass {
  const byCode = code === undefined ? undefined : CLASS_BY_CODE.get(code);
  if (byCode !== undefined && code !== 601) return status === ZRS_STATUS ? byCode : ToopherApiError;
  const legacy = code === 601 || DEACTIVATED_PHRASES.some((phrase) => lowerMessage.includes(phrase));
  return legacy && LEGACY_DEACTIVATED_STATUSES.has(status) ? PairingDeactivatedError : ToopherApiError;
}

/** The API's own message, kept short and on one line. */
function cleanApiMessage(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Reads a successful JSON reply. Empty or non-JSON bodies are a
 * `ToopherResponseError`.
 */
export function parseJsonBody(body: Buffer, status: number, endpoint: string): unknown {
  if (body.length === 0) {
    throw new ToopherResponseError(`The Toopher API answered \`${endpoint}\` with HTTP ${status} and an empty body.`, {
      status,
      endpoint,
    });
  }
  const json = parseJson(body);
  if (json === undefined) {
    throw new ToopherResponseError(
      `The Toopher API answered \`${endpoint}\` with HTTP ${status} and a body that is not JSON. Is \`baseUrl\` the API's URL (ending in /v1)?`,
      { status, endpoint },
    );
  }
  return json;
}

/** Maps a non-2xx reply to the error class its `error_code` (or legacy message) calls for. */
export function errorFromResponse(status: number, body: Buffer, endpoint: string, cause?: unknown): ToopherApiError {
  const base = { status, endpoint, ...(cause === undefined ? {} : { cause }) };
  let json: unknown;
  try {
    json = parseJsonBody(body, status, endpoint);
  } catch (error) {
    if (error instanceof ToopherResponseError) {
      return new ToopherResponseError(error.message, base);
    }
    throw error;
  }
  const wire = mapError(json);
  if (wire === undefined) {
    return new ToopherResponseError(
      `The Toopher API answered \`${endpoint}\` with HTTP ${status} and JSON without \`error_code\` or \`error_message\`.`,
      base,
    );
  }
  const apiMessage = wire.message === undefined ? '' : cleanApiMessage(wire.message);
  const ErrorClass = classFor(status, wire.code, apiMessage.toLowerCase());
  const codeText = wire.code === undefined ? '' : `, error_code ${wire.code}`;
  const hint =
    status === 401 ? ' Check `consumerKey`, `consumerSecret` and the clock of this machine.' : '';
  return new ErrorClass(
    `The Toopher API refused \`${endpoint}\` (HTTP ${status}${codeText})${apiMessage === '' ? '.' : `: ${apiMessage}${/[.!?]$/.test(apiMessage) ? '' : '.'}`}${hint}`,
    { ...base, ...(wire.code === undefined ? {} : { toopherCode: wire.code }) },
  );
}

/**
 * got keeps the request options (with the Authorization header) on its
 * errors; hide them from `util.inspect` and JSON before we expose the error
 * as `cause`.
 */
function redact(error: RequestError): RequestError {
  Object.defineProperty(error, 'options', { enumerable: false, value: error.options, writable: true });
  return error;
}

export interface FailureContext {
  readonly endpoint: string;
  readonly origin: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * Error codes meaning no connection could be established at all. Only these
 * make a `ToopherNetworkError` `unreachable` (what `failMode: 'open'` acts
 * on); a reset, TLS failure or a reply cut short happened on a connection the
 * API (or something in between) accepted, and always fails closed.
 */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Maps anything a got call rejected with to a `ToopherApiError`. */
export function errorFromRequestFailure(error: unknown, context: FailureContext): ToopherApiError {
  const { endpoint, origin, timeoutMs, signal } = context;
  if (error instanceof ToopherApiError) return error;
  if (!(error instanceof RequestError)) {
    // Not a transport failure (a bug or a bad argument): no network class, never fail-open.
    return new ToopherApiError(`Calling \`${endpoint}\` on the Toopher API at ${origin} failed before an answer arrived.`, {
      endpoint,
      cause: error,
    });
  }
  const cause = redact(error);
  if (error instanceof HTTPError) {
    return errorFromResponse(error.response.statusCode, error.response.rawBody ?? Buffer.alloc(0), endpoint, cause);
  }
  if (signal?.aborted === true || error instanceof AbortError) {
    return new ToopherTimeoutError(`The call to \`${endpoint}\` was aborted through its \`signal\`.`, {
      endpoint,
      cause,
    });
  }
  if (error instanceof TimeoutError) {
    return new ToopherTimeoutError(
      `The Toopher API at ${origin} did not answer \`${endpoint}\` within \`timeoutMs\` (${timeoutMs} ms).`,
      { endpoint, cause },
    );
  }
  const code = typeof error.code === 'string' && /^[A-Z0-9_]+$/.test(error.code) ? error.code : undefined;
  const unreachable = code !== undefined && UNREACHABLE_CODES.has(code);
  const detail = code === undefined ? '' : ` (${code})`;
  return new ToopherNetworkError(
    unreachable
      ? `Could not reach the Toopher API at ${origin} for \`${endpoint}\`${detail}. Check \`baseUrl\` and the network.`
      : `The connection to the Toopher API at ${origin} failed during \`${endpoint}\`${detail}. Check the network and any proxy or TLS setup in between.`,
    { endpoint, cause, unreachable },
  );
}
