import { createHash, randomBytes } from 'node:crypto';
import { generateSecret } from 'otplib';
import { conflict, notFound } from '../../src/sandbox/sandbox-error.js';
import type {
  DevicePairingView,
  DeviceRequestView,
  DeviceService,
  DeviceStateView,
} from '../../src/server/device/device-service.js';

/**
 * STOP-GAP: an in-memory DeviceService for the device router's tests, until the lead's
 * `StateAccess.run(store => store.deviceX(...))` implementation lands; then the tests should run
 * over that instead. It keeps the spec's rules that the routes rely on: a device sees only pairings
 * bound to it (others 404), a QR pairing binds to the first device that claims it with its secret,
 * automation is refused (409) where not allowed.
 */

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Pairing {
  view: Mutable<DevicePairingView>;
  deviceId: string | undefined;
  otpSecret: string;
  qrSecret: string | undefined;
}


export class MemoryDeviceService implements DeviceService {
  readonly devices = new Map<string, { publicKey: string; name: string; subscription: string | null }>();
  readonly pairings = new Map<string, Pairing>();
  readonly requests = new Map<string, { view: Mutable<DeviceRequestView>; pairingId: string; automated: boolean }>();
  readonly phrases: Array<{ deviceId: string; phrase: string }> = [];
  private _next = 1;

  constructor(private readonly _clock: () => number = () => Date.now()) {}

  private _id(prefix: string): string {
    return `${prefix}-${this._next++}`;
  }

  /** A website sent this device's phrase: a pending pairing bound to the device. */
  addPhrasePairing(deviceId: string, requester: string, userName: string): DevicePairingView {
    return this._addPairing(deviceId, requester, userName, undefined).view;
  }

  /** `pairings/create/qr`: unbound until a device claims it; returns the QR link's fragment value. */
  addQrPairing(requester: string, userName: string): { pairingId: string; secret: string } {
    const secret = randomBytes(16).toString('hex');
    return { pairingId: this._addPairing(undefined, requester, userName, secret).view.id, secret };
  }

  addRequest(pairingId: string, terminalName: string, actionName: string, automationAllowed = true): DeviceRequestView {
    const pairing = this.pairings.get(pairingId);
    if (pairing === undefined) throw new Error(`no pairing ${pairingId}`);
    const now = this._clock();
    const view: Mutable<DeviceRequestView> = {
      id: this._id('request'),
      requester: pairing.view.requester,
      userName: pairing.view.userName,
      terminalName,
      actionName,
      createdAt: now,
      expiresAt: now + 5 * 60_000,
      automationAllowed,
      status: 'pending',
    };
    this.requests.set(view.id, { view, pairingId, automated: false });
    return { ...view };
  }

  otpSecretOf(pairingId: string): string {
    return this.pairings.get(pairingId)?.otpSecret ?? '';
  }

  private _addPairing(deviceId: string | undefined, requester: string, userName: string, qrSecret: string | undefined): Pairing {
    const view = { id: this._id('pairing'), requester, userName, status: 'pending' as const, createdAt: this._clock() };
    const pairing: Pairing = { view, deviceId, otpSecret: generateSecret(), qrSecret };
    this.pairings.set(view.id, pairing);
    return pairing;
  }

  private _pairing(deviceId: string, pairingId: string): Pairing {
    const pairing = this.pairings.get(pairingId);
    if (pairing === undefined || pairing.deviceId !== deviceId) throw notFound('pairing');
    return pairing;
  }

  registerDevice(publicKey: string, name: string): Promise<{ deviceId: string }> {
    const deviceId = createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('base64url');
    if (!this.devices.has(deviceId)) this.devices.set(deviceId, { publicKey, name, subscription: null });
    return Promise.resolve({ deviceId });
  }

  devicePublicKey(deviceId: string): Promise<string | undefined> {
    return Promise.resolve(this.devices.get(deviceId)?.publicKey);
  }

  createDevicePhrase(deviceId: string): Promise<{ phrase: string; expiresAt: number }> {
    const phrase = `test phrase ${this._next++}`;
    this.phrases.push({ deviceId, phrase });
    return Promise.resolve({ phrase, expiresAt: this._clock() + 10 * 60_000 });
  }

  deviceState(deviceId: string): Promise<DeviceStateView> {
    const pairings = [...this.pairings.values()].filter((p) => p.deviceId === deviceId);
    const ids = new Set(pairings.map((p) => p.view.id));
    const requests = [...this.requests.values()].filter((r) => ids.has(r.pairingId) && r.view.status === 'pending');
    return Promise.resolve({
      now: this._clock(),
      pairings: pairings.filter((p) => p.view.status !== 'denied').map((p) => ({ ...p.view })),
      requests: requests.map((r) => ({ ...r.view })),
    });
  }

  deviceRespondToPairing(deviceId: string, pairingId: string, accept: boolean) {
    const pairing = this._pairing(deviceId, pairingId);
    if (pairing.view.status !== 'pending') throw conflict(409, 'The pairing was already decided.');
    pairing.view.status = accept ? 'enabled' : 'denied';
    const result = { pairing: { ...pairing.view } };
    return Promise.resolve(accept ? { ...result, otpSecret: pairing.otpSecret } : result);
  }

  deviceClaimQr(deviceId: string, pairingId: string, secret: string) {
    const pairing = this.pairings.get(pairingId);
    if (pairing === undefined || pairing.qrSecret === undefined || pairing.qrSecret !== secret || pairing.deviceId !== undefined) {
      throw notFound('pairing');
    }
    pairing.deviceId = deviceId;
    pairing.view.status = 'enabled';
    return Promise.resolve({ pairing: { ...pairing.view }, otpSecret: pairing.otpSecret });
  }

  deviceOtpSecret(deviceId: string, pairingId: string): Promise<string> {
    const pairing = this._pairing(deviceId, pairingId);
    if (pairing.view.status !== 'enabled') throw conflict(409, 'The pairing is not enabled.');
    return Promise.resolve(pairing.otpSecret);
  }

  deviceRemovePairing(deviceId: string, pairingId: string): Promise<void> {
    this._pairing(deviceId, pairingId);
    this.pairings.delete(pairingId);
    return Promise.resolve();
  }

  deviceRespondToRequest(deviceId: string, requestId: string, grant: boolean, automate: boolean): Promise<DeviceRequestView> {
    const request = this.requests.get(requestId);
    if (request === undefined || this.pairings.get(request.pairingId)?.deviceId !== deviceId) throw notFound('authentication request');
    if (request.view.status !== 'pending') throw conflict(409, 'The request was already decided.');
    if (automate && !request.view.automationAllowed) throw conflict(409, 'Automation is not allowed for this request.');
    request.view.status = grant ? 'granted' : 'denied';
    request.automated = automate;
    return Promise.resolve({ ...request.view });
  }

  setDevicePushSubscription(deviceId: string, subscription: string | null): Promise<void> {
    const device = this.devices.get(deviceId);
    if (device === undefined) throw notFound('device');
    device.subscription = subscription;
    return Promise.resolve();
  }
}
