import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { HeldRequest } from '../strategy/pending-state.js';
import { sameOriginPath } from '../strategy/return-url.js';
import { GRANT_FIELD } from './grant.js';

/** Largest body (as canonical JSON) the guard holds for approval. */
export const MAX_HELD_BYTES = 16 * 1024;
const MAX_FIELDS = 200;
const MAX_DEPTH = 8;

/** Why a request cannot be held. */
export type HoldProblem = 'too-large' | 'unsupported' | 'unsafe-url';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** The URL without the grant parameter (path and query as received, otherwise). */
export function urlWithoutGrant(originalUrl: string): string {
  const q = originalUrl.indexOf('?');
  if (q < 0) return originalUrl;
  const path = originalUrl.slice(0, q);
  const kept = originalUrl
    .slice(q + 1)
    .split('&')
    .filter((pair) => pair !== '' && pair.split('=')[0] !== GRANT_FIELD);
  return kept.length === 0 ? path : `${path}?${kept.join('&')}`;
}

/** `url` with the grant appended as a query parameter. */
export function urlWithGrant(url: string, token: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${GRANT_FIELD}=${encodeURIComponent(token)}`;
}

/** The body without the top-level grant field. */
export function bodyWithoutGrant(body: unknown): unknown {
  if (!isPlainObject(body) || !Object.hasOwn(body, GRANT_FIELD)) return body;
  const copy: Record<string, unknown> = { ...body };
  delete copy[GRANT_FIELD];
  return copy;
}

/** Deterministic JSON: object keys sorted, so equal bodies digest equally. */
function canonical(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new RangeError('too deep');
  if (Array.isArray(value)) return value.map((item) => canonical(item, depth + 1));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = canonical(value[key], depth + 1);
    return out;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  return typeof value === 'bigint' ? value.toString() : null;
}

/** The request's body as the guard sees it: `{}` when none was parsed. */
function bodyOf(req: Request, hasBody: boolean): unknown {
  if (!hasBody) return {};
  const body: unknown = req.body;
  return body === undefined ? {} : bodyWithoutGrant(body);
}

function methodHasBody(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD';
}

/** SHA-256 over method, URL (without grant) and canonical body (without grant). */
export function requestDigest(req: Request): string {
  // HEAD is answered like GET and replayed as a GET.
  const method = req.method.toUpperCase() === 'HEAD' ? 'GET' : req.method.toUpperCase();
  const text = JSON.stringify([method, urlWithoutGrant(req.originalUrl), canonical(bodyOf(req, methodHasBody(method)))]);
  return createHash('sha256').update(text).digest('base64url');
}

/** Flattens a parsed urlencoded body back into fields that parse to the same value. */
function flatten(prefix: string, value: unknown, out: Array<[string, string]>, depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError('too deep');
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (isPlainObject(item) || Array.isArray(item)) flatten(`${prefix}[${index}]`, item, out, depth + 1);
      else flatten(prefix, item, out, depth + 1);
    });
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) flatten(prefix === '' ? key : `${prefix}[${key}]`, item, out, depth + 1);
  } else if (value !== undefined && value !== null) {
    out.push([prefix, typeof value === 'string' ? value : JSON.stringify(value)]);
  }
}

/**
 * The request as held for approval: method, URL, form fields to re-submit
 * and its digest. JSON bodies are held too (their client re-sends the request
 * with the grant); multipart and other bodies are refused.
 */
export function holdRequest(req: Request): HeldRequest | HoldProblem {
  const method = req.method.toUpperCase();
  const url = urlWithoutGrant(req.originalUrl);
  if (url.length > 4096) return 'too-large';
  // After approval the browser is sent to this URL (with the grant): only ever a path of this origin.
  if (sameOriginPath(url) === undefined) return 'unsafe-url';
  let digest: string;
  try {
    digest = requestDigest(req);
  } catch {
    return 'too-large';
  }
  if (!methodHasBody(method)) return { method, url, fields: [], digest, json: false };
  const body = bodyOf(req, true);
  const isJson = req.is('application/json') === 'application/json';
  const isForm = req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
  const empty = isPlainObject(body) && Object.keys(body).length === 0;
  if (!isJson && !isForm && !(empty && !req.get('content-type'))) return 'unsupported';
  if (!isPlainObject(body)) return 'unsupported';
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(canonical(body)));
  } catch {
    return 'too-large';
  }
  if (size > MAX_HELD_BYTES) return 'too-large';
  if (isJson) return { method, url, fields: [], digest, json: true };
  const fields: Array<[string, string]> = [];
  try {
    flatten('', body, fields, 0);
  } catch {
    return 'too-large';
  }
  if (fields.length > MAX_FIELDS) return 'too-large';
  return { method, url, fields, digest, json: false };
}
