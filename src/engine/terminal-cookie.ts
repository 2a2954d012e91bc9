import { createHmac, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../internal/random.js';
import type { RequestLike, ResponseLike } from './request-like.js';

/**
 * The terminal id identifies one browser to Toopher
 * (`requester_specified_terminal_id`). It is a random 144-bit value kept in a
 * long-lived, signed, httpOnly cookie, never tied to a user: two users on one
 * browser share it, a new browser gets a new one. A cookie whose signature
 * does not verify is treated as absent and replaced.
 */

export interface TerminalCookieConfig {
  readonly name: string;
  readonly maxAgeMs: number;
}

const idPattern = /^[A-Za-z0-9_-]{22,64}$/;
const cookiePattern = /^([A-Za-z0-9_-]{22,64})\.([A-Za-z0-9_-]{43})$/;

function sign(id: string, secret: string): string {
  return createHmac('sha256', secret).update(`passport-toopher:terminal:v1:${id}`).digest('base64url');
}

/** A new random terminal id. */
export function createTerminalId(): string {
  return randomToken(18);
}

/** The cookie value for `id`: `<id>.<HMAC-SHA256>`. */
export function signTerminalId(id: string, secret: string): string {
  if (!idPattern.test(id)) throw new TypeError('terminal id must be 22-64 URL-safe characters');
  return `${id}.${sign(id, secret)}`;
}

/** The id inside a cookie value whose signature verifies (constant time), else undefined. */
export function verifyTerminalCookie(value: string | undefined, secret: string): string | undefined {
  if (value === undefined) return undefined;
  const match = cookiePattern.exec(value);
  if (!match?.[1] || !match[2]) return undefined;
  // Both sides are 43 base64url characters (the pattern checked it), so they compare directly in constant time.
  const expected = Buffer.from(sign(match[1], secret));
  const given = Buffer.from(match[2]);
  return given.length === expected.length && timingSafeEqual(given, expected) ? match[1] : undefined;
}

/** The raw value of cookie `name` in a `Cookie` header (first occurrence). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 16_384) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A `Set-Cookie` header value for the terminal cookie. */
export function serializeTerminalCookie(config: TerminalCookieConfig, value: string, secure: boolean): string {
  const maxAge = Math.floor(config.maxAgeMs / 1000);
  const expires = new Date(Date.now() + maxAge * 1000).toUTCString();
  return [
    `${config.name}=${value}`,
    'Path=/',
    `Max-Age=${maxAge}`,
    `Expires=${expires}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

function appendSetCookie(res: ResponseLike, cookie: string): void {
  const prev = res.getHeader('set-cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? [...(prev as readonly string[])] : [String(prev)];
  list.push(cookie);
  res.setHeader('set-cookie', list);
}

const issued = new WeakMap<object, string>();

/**
 * The terminal id of this browser. When the request has no valid cookie a
 * new id is made and a `Set-Cookie` is added to the response (once per request).
 */
export function getTerminalId(req: RequestLike, config: TerminalCookieConfig, secret: string): string {
  const already = issued.get(req);
  if (already !== undefined) return already;
  const fromCookie = verifyTerminalCookie(readCookie(req.headers.cookie, config.name), secret);
  if (fromCookie !== undefined) {
    issued.set(req, fromCookie);
    return fromCookie;
  }
  const id = createTerminalId();
  issued.set(req, id);
  if (req.res && !req.res.headersSent) {
    appendSetCookie(req.res, serializeTerminalCookie(config, signTerminalId(id, secret), req.secure === true));
  }
  return id;
}
