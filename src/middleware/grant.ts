import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../internal/constant-time.js';

/** Form field and query parameter carrying a grant on the replayed request. */
export const GRANT_FIELD = '_toopher_grant';
/** Header a fetch/XHR client may send the grant in. */
export const GRANT_HEADER = 'x-toopher-grant';
/** How long the user has to use an approval (follow the replay) once it is granted. */
export const GRANT_TTL_MS = 5 * 60_000;

/** What a grant is bound to. */
export interface GrantBinding {
  readonly id: string;
  readonly expiresAt: number;
  readonly sessionId: string;
  readonly userName: string;
  readonly actionName: string;
  readonly digest: string;
}

const tokenPattern = /^([A-Za-z0-9_-]{16,64})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

function mac(secret: string, binding: GrantBinding): string {
  const parts = [
    'passport-toopher:grant:v1',
    binding.id,
    String(binding.expiresAt),
    binding.sessionId,
    binding.userName,
    binding.actionName,
    binding.digest,
  ];
  return createHmac('sha256', secret).update(JSON.stringify(parts)).digest('base64url');
}

/** `<id>.<expiresAt base36>.<HMAC-SHA256 of the binding>`. */
export function signGrant(secret: string, binding: GrantBinding): string {
  return `${binding.id}.${binding.expiresAt.toString(36)}.${mac(secret, binding)}`;
}

/** The id and expiry inside a well-formed token, else undefined. */
export function parseGrant(token: unknown): { readonly id: string; readonly expiresAt: number; readonly mac: string } | undefined {
  if (typeof token !== 'string') return undefined;
  const match = tokenPattern.exec(token);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  const expiresAt = Number.parseInt(match[2], 36);
  if (!Number.isSafeInteger(expiresAt)) return undefined;
  return { id: match[1], expiresAt, mac: match[3] };
}

/** True when `token` was signed for exactly this binding (constant-time comparison). */
export function verifyGrant(secret: string, token: string, binding: Omit<GrantBinding, 'id' | 'expiresAt'>): boolean {
  const parsed = parseGrant(token);
  if (!parsed) return false;
  return constantTimeEqual(parsed.mac, mac(secret, { ...binding, id: parsed.id, expiresAt: parsed.expiresAt }));
}
