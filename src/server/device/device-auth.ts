import { createHash, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { Clock } from '../../internal/clock.js';

/**
 * Verification of the phone app's signed requests (SERVER-SPEC.md, "Device API"). The device signs
 *
 *   toopher-device-v1\n${METHOD}\n${path + query as sent}\n${timestamp}\n${nonce}\n${base64url(SHA-256(body))}
 *
 * with its ECDSA P-256 key (WebCrypto, raw r||s signature) and sends the four `X-Toopher-*` headers.
 * Checks run in the spec's order, each refusal naming only what failed; the nonce is claimed last, so
 * a forged request cannot burn a real device's nonce.
 */

/** How far a request's timestamp may be from the server's clock. */
export const DEVICE_TIMESTAMP_WINDOW_MS = 5 * 60_000;
/**
 * How long a nonce stays claimed: longer than a timestamp at the far edge of the window on either side can
 * be accepted (2 × the window), with a minute to spare for clock differences between server instances.
 */
export const DEVICE_NONCE_TTL_MS = 2 * DEVICE_TIMESTAMP_WINDOW_MS + 60_000;

const SIGNING_PREFIX = 'toopher-device-v1';
// Exact lengths bound every header: 32-byte hash, 16-byte nonce, 64-byte P-256 r||s signature.
const DEVICE_ID = /^[A-Za-z0-9_-]{43}$/;
const NONCE = /^[A-Za-z0-9_-]{22}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;
const TIMESTAMP = /^[0-9]{1,15}$/;
/** A P-256 SPKI DER is 91 bytes (122 base64url characters); a little room for other encodings. */
const MAX_PUBLIC_KEY_CHARS = 200;

/** The parts of an HTTP request the signature covers. */
export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as the client sent them (Express: `req.originalUrl`). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body bytes (empty for GET and DELETE). */
  readonly body: Uint8Array;
}

export interface DeviceAuthOptions {
  readonly clock: Clock;
  /** Claims `key` for `ttlMs`: true the first time, false while held (`StateBackend.claim`). */
  readonly claim: (key: string, ttlMs: number) => Promise<boolean>;
  /** The registered device's public key (base64url SPKI DER), undefined for an unknown device. */
  readonly publicKeyOf: (deviceId: string) => Promise<string | undefined>;
}

export type DeviceAuthResult = { readonly ok: true; readonly deviceId: string } | { readonly ok: false; readonly error: string };

function refuse(error: string): DeviceAuthResult {
  return { ok: false, error };
}

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** Decodes strict base64url (no padding, canonical), or undefined. */
function decodeBase64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/**
 * Parsed keys by their SPKI text. Parsing (which checks the point is on the curve) costs about twice
 * a verification, and a key's text never changes meaning, so caching it is safe across instances.
 */
const parsedKeys = new Map<string, KeyObject>();
const MAX_PARSED_KEYS = 1024;

/**
 * The P-256 public key of a base64url SPKI DER, or undefined when it is not one. Used for
 * `POST /devices` bodies and for stored keys alike.
 */
export function parseDevicePublicKey(spki: string): KeyObject | undefined {
  const cached = parsedKeys.get(spki);
  if (cached !== undefined) return cached;
  const key = parseKey(spki);
  if (key !== undefined) {
    if (parsedKeys.size >= MAX_PARSED_KEYS) parsedKeys.delete(parsedKeys.keys().next().value as string);
    parsedKeys.set(spki, key);
  }
  return key;
}

function parseKey(spki: string): KeyObject | undefined {
  if (spki.length === 0 || spki.length > MAX_PUBLIC_KEY_CHARS) return undefined;
  const der = decodeBase64url(spki);
  if (der === undefined) return undefined;
  try {
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return undefined;
    return key;
  } catch {
    return undefined;
  }
}

/** deviceId = base64url(SHA-256(SPKI DER)), so the id names exactly one key. */
export function deviceIdOf(spki: string): string {
  return base64url(sha256(Buffer.from(spki, 'base64url')));
}

/** The string the device signs (UTF-8). */
export function deviceSigningString(method: string, url: string, timestamp: string, nonce: string, body: Uint8Array): string {
  return [SIGNING_PREFIX, method, url, timestamp, nonce, base64url(sha256(body))].join('\n');
}

interface DeviceHeaders {
  readonly deviceId: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly signature: string;
}

function header(request: SignedRequest, name: string, pattern: RegExp): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && pattern.test(value) ? value : undefined;
}

function readHeaders(request: SignedRequest): DeviceHeaders | undefined {
  const deviceId = header(request, 'x-toopher-device', DEVICE_ID);
  const timestamp = header(request, 'x-toopher-timestamp', TIMESTAMP);
  const nonce = header(request, 'x-toopher-nonce', NONCE);
  const signature = header(request, 'x-toopher-signature', SIGNATURE);
  if (deviceId === undefined || timestamp === undefined || nonce === undefined || signature === undefined) return undefined;
  return { deviceId, timestamp, nonce, signature };
}

/**
 * Verifies a signed device request. `registering` is the public key from a `POST /devices` body: the
 * device is not known yet, so that key (whose hash must equal the header's id) is used instead of
 * `publicKeyOf`. Resolves to the device's id, or to the reason for a 401; rejects only when
 * `publicKeyOf` or `claim` fails (the caller answers 5xx, nothing done).
 */
export async function verifyDeviceRequest(
  request: SignedRequest,
  options: DeviceAuthOptions,
  registering?: string,
): Promise<DeviceAuthResult> {
  const headers = readHeaders(request);
  if (headers === undefined) return refuse('Missing or malformed X-Toopher-Device, -Timestamp, -Nonce or -Signature header.');

  let spki: string | undefined;
  if (registering === undefined) {
    spki = await options.publicKeyOf(headers.deviceId);
    if (spki === undefined) return refuse('Unknown device.');
  } else {
    const claimed = Buffer.from(headers.deviceId, 'utf8');
    const actual = Buffer.from(deviceIdOf(registering), 'utf8');
    if (claimed.length !== actual.length || !timingSafeEqual(claimed, actual)) {
      return refuse('The device id is not the hash of the public key.');
    }
    spki = registering;
  }
  const key = parseDevicePublicKey(spki);
  if (key === undefined) return refuse('Unknown device.');

  const timestamp = Number(headers.timestamp);
  if (Math.abs(options.clock() - timestamp) > DEVICE_TIMESTAMP_WINDOW_MS) {
    return refuse('The request timestamp is outside the allowed window; check the device clock.');
  }

  const signed = deviceSigningString(request.method.toUpperCase(), request.url, headers.timestamp, headers.nonce, request.body);
  let valid: boolean;
  try {
    valid = verify('sha256', Buffer.from(signed, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(headers.signature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return refuse('Bad signature.');

  const fresh = await options.claim(`device-nonce:${headers.deviceId}:${headers.nonce}`, DEVICE_NONCE_TTL_MS);
  if (!fresh) return refuse('This nonce was already used.');
  return { ok: true, deviceId: headers.deviceId };
}
