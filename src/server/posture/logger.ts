import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { LogEntry } from '../options.js';

export type LogLevel = LogEntry['level'];

/** Where entries go (`ToopherServerOptions.log`); each entry is `{time, level, msg, ...fields}`. */
export type LogSink = (entry: LogEntry) => void;

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** Milliseconds since the epoch (default `Date.now`). */
  readonly clock?: () => number;
}

const REDACTED = '[redacted]';
const MAX_DEPTH = 8;

/**
 * Words that mark a field as secret wherever they appear in its name (`otpSecret`, `oauth_signature`,
 * `x-toopher-signature`, `Authorization`). A push subscription is a capability URL plus its keys, so it
 * counts too. `publicKey` and `consumerKey` name identifiers, not secrets.
 */
const SECRET_WORDS = new Set([
  'secret',
  'secrets',
  'signature',
  'otp',
  'password',
  'passwd',
  'authorization',
  'auth',
  'token',
  'tokens',
  'cookie',
  'cookies',
  'private',
  'subscription',
  'p256dh',
]);

/** `otpSecret` → otp, secret; `x-toopher-signature` → x, toopher, signature; `OTP` → otp. */
function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

export function isSecretField(name: string): boolean {
  return wordsOf(name).some((word) => SECRET_WORDS.has(word));
}

function describeError(err: Error, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out['code'] = code;
  if (err.stack !== undefined) out['stack'] = err.stack;
  if (err.cause !== undefined) out['cause'] = redactValue(err.cause, seen, depth + 1);
  return out;
}

function redactValue(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (value instanceof Error) return describeError(value, seen, depth);
    if (value instanceof Date) return value.toISOString();
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
    if (Array.isArray(value)) return value.map((item) => redactValue(item, seen, depth + 1));
    if (value instanceof Map) return redactFields(Object.fromEntries(value as Map<unknown, unknown>) as Record<string, unknown>, seen, depth);
    return redactFields(value as Record<string, unknown>, seen, depth);
  } finally {
    seen.delete(value);
  }
}

function redactFields(fields: Readonly<Record<string, unknown>>, seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    out[name] = isSecretField(name) ? REDACTED : redactValue(value, seen, depth + 1);
  }
  return out;
}

/** A copy of `fields` with every secret-looking field, at any depth, replaced by `[redacted]`. */
export function redact(fields: LogFields): Record<string, unknown> {
  return redactFields(fields, new WeakSet(), 0);
}

/** A sink writing one JSON line per entry (default: stdout). */
export function jsonLinesSink(write: (line: string) => void = (line) => void process.stdout.write(line)): LogSink {
  return (entry) => {
    write(`${JSON.stringify(entry)}\n`);
  };
}

/**
 * A structured logger: each entry is `{time, level, msg, ...fields}` with secrets redacted before the sink
 * sees them (so a custom sink cannot leak them either). The fixed fields cannot be overridden by `fields`.
 * A sink that throws is ignored: logging never breaks a request.
 */
export function createLogger(sink: LogSink = jsonLinesSink(), options: LoggerOptions = {}): Logger {
  const clock = options.clock ?? Date.now;
  const emit = (level: LogLevel, msg: string, fields: LogFields | undefined): void => {
    const rest = fields === undefined ? {} : redact(fields);
    delete rest['time'];
    delete rest['level'];
    delete rest['msg'];
    try {
      sink({ time: new Date(clock()).toISOString(), level, msg, ...rest });
    } catch {
      // A broken sink must not turn into a failed request.
    }
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

export interface AccessLogOptions {
  /** A monotonic clock in milliseconds for the duration (default `performance.now`). */
  readonly now?: () => number;
}

/** The path as requested, without its query string (OAuth puts signatures there) or fragment. */
export function pathWithoutQuery(originalUrl: string): string {
  const end = originalUrl.search(/[?#]/);
  const path = end === -1 ? originalUrl : originalUrl.slice(0, end);
  return path.length > 512 ? `${path.slice(0, 512)}…` : path;
}

/**
 * One entry per request: method, path (never the query string), status, ms and client ip (`req.ip`, so
 * Express's `trust proxy` applies). Never headers or bodies. 5xx log as errors; a request the client
 * abandoned before the answer logs with `aborted: true`.
 */
export function accessLog(log: Logger, options: AccessLogOptions = {}): RequestHandler {
  const now = options.now ?? (() => performance.now());
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = now();
    let done = false;
    const finish = (aborted: boolean): void => {
      if (done) return;
      done = true;
      const fields = {
        method: req.method,
        path: pathWithoutQuery(req.originalUrl),
        status: res.statusCode,
        ms: Math.round((now() - started) * 10) / 10,
        ip: req.ip,
        ...(aborted ? { aborted: true } : {}),
      };
      if (res.statusCode >= 500) log.error('request', fields);
      else log.info('request', fields);
    };
    res.once('finish', () => finish(false));
    res.once('close', () => finish(!res.writableFinished));
    next();
  };
}
