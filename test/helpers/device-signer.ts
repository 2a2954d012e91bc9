import { webcrypto } from 'node:crypto';

/**
 * A phone app's device key and request signing, done with WebCrypto exactly as
 * src/server/app/app.js does in the browser: a non-extractable ECDSA P-256 key, the id
 * base64url(SHA-256(SPKI)), and the signed string of SERVER-SPEC.md.
 */
const subtle = webcrypto.subtle;

export function b64url(bytes: ArrayBuffer | Uint8Array): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('base64url');
}

export interface SignOverrides {
  /** Signed instead of the real method/url/timestamp/nonce/body (to build tampered requests). */
  readonly signedMethod?: string;
  readonly signedUrl?: string;
  readonly signedBody?: string;
  readonly timestamp?: number;
  readonly nonce?: string;
}

// A type alias (not an interface) so that it fits `Record<string, string>` header parameters.
export type SignedHeaders = {
  readonly 'x-toopher-device': string;
  readonly 'x-toopher-timestamp': string;
  readonly 'x-toopher-nonce': string;
  readonly 'x-toopher-signature': string;
};

export class TestDevice {
  private constructor(
    readonly privateKey: webcrypto.CryptoKey,
    readonly publicKey: string,
    readonly deviceId: string,
  ) {}

  static async create(): Promise<TestDevice> {
    const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const spki = await subtle.exportKey('spki', pair.publicKey);
    const deviceId = b64url(await subtle.digest('SHA-256', spki));
    return new TestDevice(pair.privateKey, b64url(spki), deviceId);
  }

  /** The four headers for `method url` with `body` (empty for GET/DELETE), signed at `now`. */
  async sign(method: string, url: string, body: string, now: number, overrides: SignOverrides = {}): Promise<SignedHeaders> {
    const encoder = new TextEncoder();
    const timestamp = String(overrides.timestamp ?? now);
    const nonce = overrides.nonce ?? b64url(webcrypto.getRandomValues(new Uint8Array(16)));
    const bodyHash = b64url(await subtle.digest('SHA-256', encoder.encode(overrides.signedBody ?? body)));
    const text = ['toopher-device-v1', overrides.signedMethod ?? method, overrides.signedUrl ?? url, timestamp, nonce, bodyHash].join('\n');
    const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, this.privateKey, encoder.encode(text));
    return {
      'x-toopher-device': this.deviceId,
      'x-toopher-timestamp': timestamp,
      'x-toopher-nonce': nonce,
      'x-toopher-signature': b64url(signature),
    };
  }
}
