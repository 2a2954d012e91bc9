import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from './logger.js';

/** The error bodies of the two APIs: Toopher's `{error_code, error_message}` (`/v1`) or `{error}` (device API). */
export type RateLimitErrorShape = 'toopher' | 'device';

export interface RateLimitOptions {
  /** Names the limit in counter keys and logs, e.g. `'api'`; keep it unique per limiter. */
  readonly name: string;
  /** The shared fixed-window counter (`StateBackend.count`): adds 1 and resolves to the new count. */
  readonly count: (key: string, windowMs: number) => Promise<number>;
  /** The bucket of a request; `undefined` leaves the request out of this limit. */
  readonly key: (req: Request) => string | undefined;
  /** Requests allowed per window and bucket. */
  readonly limit: number;
  readonly windowMs: number;
  readonly errorShape?: RateLimitErrorShape;
  readonly log: Pick<Logger, 'warn' | 'error'>;
}

function send(res: Response, shape: RateLimitErrorShape, status: number, message: string): void {
  res.status(status).set('Cache-Control', 'no-store');
  res.json(shape === 'toopher' ? { error_code: status, error_message: message } : { error: message });
}

/**
 * An Express middleware that counts each request in its bucket through the shared counter, so the limit
 * holds across server instances. Over the limit: 429 with `Retry-After` (the whole window: the counter's
 * window start is the backend's). Fails closed: when the counter rejects, the request gets 503 and never
 * reaches the handler.
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const { name, limit, windowMs, log } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rateLimit ${name}: limit must be a positive integer`);
  if (!Number.isInteger(windowMs) || windowMs < 1000) throw new RangeError(`rateLimit ${name}: windowMs must be an integer >= 1000`);
  const shape = options.errorShape ?? 'toopher';
  const retryAfterSeconds = String(Math.ceil(windowMs / 1000));
  return (req: Request, res: Response, next: NextFunction): void => {
    const bucket = options.key(req);
    if (bucket === undefined) {
      next();
      return;
    }
    options.count(`rate\u001f${name}\u001f${bucket}`, windowMs).then(
      (count) => {
        if (count <= limit) {
          next();
          return;
        }
        // Log the first refusal of a window only, so a flood does not become a flood of log lines.
        if (count === limit + 1) log.warn('rate limit reached', { limit: name, bucket, max: limit, windowMs });
        res.set('Retry-After', retryAfterSeconds);
        send(res, shape, 429, 'Too many requests; try again later');
      },
      (err: unknown) => {
        log.error('rate limit counter failed; refusing the request', { limit: name, err });
        send(res, shape, 503, 'Service temporarily unavailable');
      },
    );
  };
}

const CONSUMER_KEY_IN_HEADER = /(?:^|[\s,])oauth_consumer_key\s*=\s*"([^"]*)"/i;

function decode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * The `/v1` bucket: the requester's `oauth_consumer_key` from the Authorization header or the query string
 * (only a bucket name; the signature is checked later), else the client's address. A body-only OAuth
 * request is not parsed here (the body is read after this middleware), so it counts by address.
 */
export function requesterBucket(req: Request): string {
  const header = req.get('authorization');
  let key: string | undefined;
  if (header !== undefined && /^\s*OAuth\b/i.test(header)) {
    const match = CONSUMER_KEY_IN_HEADER.exec(header);
    if (match?.[1] !== undefined) key = decode(match[1]);
  } else {
    const query = req.originalUrl.indexOf('?');
    if (query !== -1) key = new URLSearchParams(req.originalUrl.slice(query + 1)).get('oauth_consumer_key') ?? undefined;
  }
  if (key !== undefined && key !== '' && key.length <= 256) return `requester:${key}`;
  return clientBucket(req);
}

/** The device API bucket: the client's address (`req.ip`, which follows Express's `trust proxy`). */
export function clientBucket(req: Request): string {
  return `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}
