import { randomBytes, randomUUID } from 'node:crypto';

/** A URL-safe random token with `bytes` bytes of entropy (default 128 bits). */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** A lowercase RFC 4122 version-4 UUID. */
export function randomId(): string {
  return randomUUID();
}
