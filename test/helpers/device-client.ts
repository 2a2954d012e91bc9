/**
 * A phone app without a browser, for toopher-server's integration tests: a P-256 device key made with
 * WebCrypto exactly as the PWA makes it, and every device API call signed as docs/toopher-server.md says.
 */
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import type { DevicePairingView, DeviceRequestView, DeviceState } from '../../src/sandbox/store/devices.js';

/** The wire shapes are the domain's views, as JSON. */
export type DevicePairing = DevicePairingView;
export type DeviceRequest = DeviceRequestView;
export type DeviceStateView = DeviceState;

export class DeviceApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`device API answered ${status}: ${body.slice(0, 300)}`);
  }
}

export class DeviceClient {
  private constructor(
    readonly baseUrl: string,
    readonly deviceId: string,
    readonly publicKey: string,
    private readonly _privateKey: webcrypto.CryptoKey,
  ) {}

  /** Makes a key pair and registers it with the server at `baseUrl` (its origin). */
  static async register(baseUrl: string, name = 'Test phone'): Promise<DeviceClient> {
    const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', pair.publicKey));
    const publicKey = spki.toString('base64url');
    const deviceId = createHash('sha256').update(spki).digest('base64url');
    const client = new DeviceClient(baseUrl, deviceId, publicKey, pair.privateKey);
    await client.call('POST', '/device/v1/devices', { publicKey, name });
    return client;
  }

  /** The same device (same key) talking to another server address: a restarted or second instance. */
  at(baseUrl: string): DeviceClient {
    return new DeviceClient(baseUrl, this.deviceId, this.publicKey, this._privateKey);
  }

  /** One signed call; resolves to the parsed JSON answer (undefined for 204), rejects with DeviceApiError. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    const text = await response.text();
    if (!response.ok) throw new DeviceApiError(response.status, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** The raw signed request, for tests that look at refusals; `tamper` changes what is sent after signing. */
  async send(method: string, path: string, body?: unknown, tamper?: (headers: Record<string, string>) => void): Promise<Response> {
    const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
    const timestamp = String(Date.now());
    const nonce = randomBytes(16).toString('base64url');
    const bodyHash = createHash('sha256').update(bytes).digest('base64url');
    const text = `toopher-device-v1\n${method}\n${path}\n${timestamp}\n${nonce}\n${bodyHash}`;
    const signature = Buffer.from(
      await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, this._privateKey, Buffer.from(text)),
    ).toString('base64url');
    const headers: Record<string, string> = {
      'x-toopher-device': this.deviceId,
      'x-toopher-timestamp': timestamp,
      'x-toopher-nonce': nonce,
      'x-toopher-signature': signature,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    tamper?.(headers);
    return fetch(`${this.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: bytes }) });
  }

  async newPhrase(): Promise<string> {
    return (await this.call<{ phrase: string }>('POST', '/device/v1/phrases')).phrase;
  }

  state(): Promise<DeviceStateView> {
    return this.call<DeviceStateView>('GET', '/device/v1/state');
  }

  acceptPairing(pairingId: string, accept = true): Promise<{ pairing: DevicePairing; otpSecret?: string }> {
    return this.call('POST', `/device/v1/pairings/${pairingId}/decision`, { accept });
  }

  claimQr(pairingId: string, secret: string): Promise<{ pairing: DevicePairing; otpSecret: string }> {
    return this.call('POST', '/device/v1/qr', { pairingId, secret });
  }

  decide(requestId: string, grant: boolean, automate = false): Promise<unknown> {
    return this.call('POST', `/device/v1/requests/${requestId}/decision`, { grant, automate });
  }

  async otpSecret(pairingId: string): Promise<string> {
    return (await this.call<{ otpSecret: string }>('GET', `/device/v1/pairings/${pairingId}/otp-secret`)).otpSecret;
  }

  removePairing(pairingId: string): Promise<unknown> {
    return this.call('DELETE', `/device/v1/pairings/${pairingId}`);
  }

  setPushSubscription(subscription: unknown): Promise<unknown> {
    return this.call('PUT', '/device/v1/push-subscription', { subscription });
  }
}
