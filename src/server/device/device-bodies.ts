import { z } from 'zod';

/**
 * The device API's request bodies and path ids, validated with zod after the signature checked out
 * (JSON is parsed from the verified raw bytes, never before). A failure is a 400 with the first issue.
 */

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export const idSchema = z.string().min(1).max(128);

export const registerBody = z.object({
  publicKey: z.string().min(1).max(200).regex(BASE64URL, 'must be base64url'),
  name: z.string().trim().min(1).max(100),
});

export const pairingDecisionBody = z.object({ accept: z.boolean() });

export const qrClaimBody = z.object({ pairingId: idSchema, secret: z.string().min(1).max(256) });

export const requestDecisionBody = z.object({ grant: z.boolean(), automate: z.boolean().default(false) });

/** `PushSubscription.toJSON()` as the browser sends it; checked by the push module (`push/subscription.ts`). */
export const pushSubscriptionBody = z.object({ subscription: z.unknown() });

export type BodyResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses raw body bytes as JSON and validates them against `schema`. */
export function parseBody<T>(raw: Uint8Array, schema: z.ZodType<T>): BodyResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(raw));
  } catch {
    return { ok: false, error: 'The body must be JSON (UTF-8).' };
  }
  return checked(json, schema, 'body');
}

/** Validates a value (a path parameter or parsed JSON) against `schema`. */
export function checked<T>(value: unknown, schema: z.ZodType<T>, what: string): BodyResult<T> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? what : `${what}.${issue.path.map(String).join('.')}`;
  return { ok: false, error: `Invalid ${where}: ${issue?.message ?? 'invalid value'}` };
}
