import { createECDH, createPublicKey } from 'node:crypto';
import { ToopherConfigError } from '../../errors.js';
import { webPush } from './web-push-module.js';

/**
 * The server's VAPID key pair (RFC 8292), base64url without padding: the raw
 * 65-byte uncompressed P-256 public point and the 32-byte private scalar. The
 * server stores it as JSON text in a `config` record; browsers get the public
 * key as `applicationServerKey` when they subscribe.
 */
export interface VapidKeys {
  readonly publicKey: string;
  readonly privateKey: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Makes a new key pair (web-push's generator). Rejects when web-push is not installed. */
export async function createVapidKeys(): Promise<VapidKeys> {
  const { publicKey, privateKey } = (await webPush()).generateVAPIDKeys();
  return parseVapidKeys(JSON.stringify({ publicKey, privateKey }));
}

/** The JSON text to store in the `config` record. */
export function vapidKeysToJson(keys: VapidKeys): string {
  return JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey });
}

function invalid(problem: string): ToopherConfigError {
  // Never echoes the value: it holds the private key.
  return new ToopherConfigError(`The stored VAPID key pair is invalid: ${problem}. Remove the stored VAPID keys (the \`config\` record that holds them) so that the server generates a new pair; browsers then subscribe again.`);
}

function decode(value: unknown, name: string, bytes: number): Buffer {
  if (typeof value !== 'string' || !BASE64URL.test(value)) throw invalid(`\`${name}\` must be a base64url string`);
  const decoded = Buffer.from(value, 'base64url');
  if (decoded.length !== bytes || decoded.toString('base64url') !== value) {
    throw invalid(`\`${name}\` must encode exactly ${bytes} bytes`);
  }
  return decoded;
}

/**
 * Checks a stored pair: both keys well formed, the public key a point on
 * P-256, and the public key the one the private key derives (a pair mixed up
 * from two generations would make every push fail with 401/403).
 * Throws ToopherConfigError, never naming the key material.
 */
export function parseVapidKeys(json: string): VapidKeys {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw invalid('it is not JSON');
  }
  if (typeof value !== 'object' || value === null) throw invalid('it is not a JSON object');
  const { publicKey, privateKey } = value as { publicKey?: unknown; privateKey?: unknown };
  const publicBytes = decode(publicKey, 'publicKey', 65);
  const privateBytes = decode(privateKey, 'privateKey', 32);
  if (publicBytes[0] !== 0x04) throw invalid('`publicKey` must be an uncompressed P-256 point');
  let derived: Buffer;
  try {
    createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: publicBytes.subarray(1, 33).toString('base64url'), y: publicBytes.subarray(33).toString('base64url') },
      format: 'jwk',
    });
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateBytes);
    derived = ecdh.getPublicKey();
  } catch {
    throw invalid('a key is not a valid P-256 key');
  }
  if (!derived.equals(publicBytes)) throw invalid('`publicKey` does not belong to `privateKey`');
  return Object.freeze({ publicKey: publicKey as string, privateKey: privateKey as string });
}

/**
 * Checks the VAPID `subject` (RFC 8292 §2.1): a `mailto:` address or an
 * `https:` URL where the push service can reach the operator. Returns it.
 */
export function parseVapidSubject(subject: unknown): string {
  const problem = 'The push option `subject` must be a mailto: address (mailto:admin@example.com) or an https: URL where push services can contact you';
  if (typeof subject !== 'string' || subject.length > 500) throw new ToopherConfigError(`${problem}.`);
  let url: URL;
  try {
    url = new URL(subject);
  } catch {
    throw new ToopherConfigError(`${problem}.`);
  }
  if (url.protocol === 'mailto:') {
    if (!/^[^@\s/?#]+@[^@\s/?#]+\.[^@\s/?#]+$/.test(url.pathname)) throw new ToopherConfigError(`${problem}; the mailto: address is not an email address.`);
    return subject;
  }
  if (url.protocol !== 'https:') throw new ToopherConfigError(`${problem}.`);
  if (url.hostname === 'localhost' || url.username !== '' || url.password !== '') {
    // Apple's push service refuses a localhost subject (web-push warns on every send).
    throw new ToopherConfigError(`${problem}; a localhost URL or one with credentials is refused by push services.`);
  }
  return subject;
}
