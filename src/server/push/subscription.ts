import { createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ToopherError } from '../../errors.js';

/** A browser PushSubscription as `PushSubscription.toJSON()` gives it, checked and normalized. */
export interface PushSubscriptionJson {
  readonly endpoint: string;
  readonly expirationTime: number | null;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

export interface PushSubscriptionOptions {
  /**
   * Tests only: also accept `http:` endpoints, and only on 127.0.0.1, ::1 or
   * localhost. Off by default: real push services are https.
   */
  readonly allowInsecureLoopbackEndpoints?: boolean;
}

/** A subscription the device API refuses; `message` is meant for the 400 answer. */
export class PushSubscriptionError extends ToopherError {
  override readonly code: string = 'ERR_TOOPHER_PUSH_SUBSCRIPTION';

  constructor(message: string) {
    super(`Invalid push subscription: ${message}`, { status: 400 });
  }
}

export const MAX_ENDPOINT_LENGTH = 2048;
export const MAX_SUBSCRIPTION_JSON_LENGTH = 4096;

const base64url = (name: string, max: number): z.ZodString =>
  z
    .string({ error: `\`${name}\` must be a string` })
    .max(max, { error: `\`${name}\` is too long` })
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, { error: `\`${name}\` must be base64url` });

const schema = z.object(
  {
    endpoint: z
      .string({ error: '`endpoint` must be a string' })
      .min(1, { error: '`endpoint` must not be empty' })
      .max(MAX_ENDPOINT_LENGTH, { error: `\`endpoint\` must be at most ${MAX_ENDPOINT_LENGTH} characters` }),
    expirationTime: z
      .number({ error: '`expirationTime` must be a number or null' })
      .int({ error: '`expirationTime` must be a whole number of milliseconds' })
      .nonnegative({ error: '`expirationTime` must not be negative' })
      .nullable()
      .optional(),
    keys: z.object(
      { p256dh: base64url('keys.p256dh', 100), auth: base64url('keys.auth', 40) },
      { error: '`keys` must be an object with `p256dh` and `auth`' },
    ),
  },
  { error: 'it must be a JSON object with `endpoint` and `keys`' },
);

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

function checkEndpoint(endpoint: string, options: PushSubscriptionOptions): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new PushSubscriptionError('`endpoint` must be an absolute https URL.');
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  const insecureAllowed = options.allowInsecureLoopbackEndpoints === true && loopback;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && insecureAllowed)) {
    throw new PushSubscriptionError('`endpoint` must be an https URL.');
  }
  if (url.hostname === 'android.googleapis.com') {
    // Legacy GCM (shut down in 2019): web-push would send it without VAPID and warn on the console.
    throw new PushSubscriptionError('`endpoint` is a legacy GCM endpoint, which no longer delivers; subscribe again.');
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') {
    throw new PushSubscriptionError('`endpoint` must not contain credentials or a fragment.');
  }
  // Browser push services have host names; refusing IP literals and localhost keeps
  // the server from posting to its own network on a device's say-so.
  const bareHost = url.hostname.replace(/^\[|\]$/g, '');
  if (!insecureAllowed && (isIP(bareHost) !== 0 || url.hostname === 'localhost' || url.hostname.endsWith('.localhost'))) {
    throw new PushSubscriptionError("`endpoint` must name a push service's host, not an IP address or localhost.");
  }
}

function decodeKey(value: string, name: string, bytes: number): string {
  const unpadded = value.replace(/=+$/, '');
  const decoded = Buffer.from(unpadded, 'base64url');
  if (decoded.length !== bytes || decoded.toString('base64url') !== unpadded) {
    throw new PushSubscriptionError(`\`${name}\` must encode exactly ${bytes} bytes.`);
  }
  return unpadded;
}

function checkP256Point(p256dh: string): void {
  const point = Buffer.from(p256dh, 'base64url');
  try {
    if (point[0] !== 0x04) throw new Error('compressed');
    const xy = { x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') };
    createPublicKey({ key: { kty: 'EC', crv: 'P-256', ...xy }, format: 'jwk' });
  } catch {
    throw new PushSubscriptionError('`keys.p256dh` must be an uncompressed P-256 public key.');
  }
}

/**
 * Checks the subscription a device sends (`PUT /device/v1/push-subscription`):
 * an https endpoint on a push service's host, `keys.p256dh` a 65-byte
 * uncompressed P-256 point and `keys.auth` 16 bytes, both base64url. Returns it
 * normalized (unknown fields dropped, padding removed); store it with
 * `JSON.stringify`. Throws PushSubscriptionError (status 400).
 */
export function parsePushSubscription(value: unknown, options: PushSubscriptionOptions = {}): PushSubscriptionJson {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new PushSubscriptionError(`${result.error.issues[0]?.message ?? 'it is malformed'}.`);
  }
  const { endpoint, expirationTime, keys } = result.data;
  checkEndpoint(endpoint, options);
  const p256dh = decodeKey(keys.p256dh, 'keys.p256dh', 65);
  checkP256Point(p256dh);
  const auth = decodeKey(keys.auth, 'keys.auth', 16);
  return Object.freeze({ endpoint, expirationTime: expirationTime ?? null, keys: Object.freeze({ p256dh, auth }) });
}

/** Parses a subscription stored as JSON text, with the same checks. */
export function parseStoredPushSubscription(json: string, options: PushSubscriptionOptions = {}): PushSubscriptionJson {
  if (json.length > MAX_SUBSCRIPTION_JSON_LENGTH) {
    throw new PushSubscriptionError(`it must be at most ${MAX_SUBSCRIPTION_JSON_LENGTH} characters of JSON.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new PushSubscriptionError('it is not JSON.');
  }
  return parsePushSubscription(value, options);
}
