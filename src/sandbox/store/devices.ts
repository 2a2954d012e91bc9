import { createHash, createPublicKey } from 'node:crypto';
import { constantTimeEqual } from '../../internal/constant-time.js';
import { badRequest, conflict, notFound } from '../sandbox-error.js';
import { randomPairingPhrase } from '../phrases.js';
import type { DeviceRecord, PairingRecord, RequestRecord } from './records.js';
import { OTP_REQUIRED_REASON_CODE } from './request-reasons.js';
import type { SimulatedPhone } from './phone.js';
import type { SandboxTables } from './tables.js';

export interface DevicePairingView {
  readonly id: string;
  readonly requester: string;
  readonly userName: string;
  readonly status: 'pending' | 'enabled' | 'denied';
  readonly createdAt: number;
}

export interface DeviceRequestView {
  readonly id: string;
  readonly requester: string;
  readonly userName: string;
  readonly terminalName: string;
  readonly actionName: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly automationAllowed: boolean;
  readonly status: RequestRecord['status'];
}

export interface DeviceState {
  readonly now: number;
  readonly pairings: readonly DevicePairingView[];
  readonly requests: readonly DeviceRequestView[];
}

const DECIDED_SHOWN = 20;

/** The id a device is known by: base64url(SHA-256(SPKI DER)), so it is bound to the key. */
export function deviceIdOf(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('base64url');
}

/**
 * toopher-server's phone apps: each device is a key pair; it sees and answers only the pairings bound to
 * it (by the phrase it showed, or by claiming a QR link with its secret) and their requests. The device's
 * signature on each call is checked by the HTTP layer before any of this runs.
 */
export class DeviceApps {
  private readonly _tables: SandboxTables;
  private readonly _phone: SimulatedPhone;

  constructor(tables: SandboxTables, phone: SimulatedPhone) {
    this._tables = tables;
    this._phone = phone;
  }

  register(publicKey: string, name: string): { readonly deviceId: string } {
    let key;
    try {
      key = createPublicKey({ key: Buffer.from(publicKey, 'base64url'), format: 'der', type: 'spki' });
    } catch {
      throw badRequest('publicKey is not a base64url SPKI public key');
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw badRequest('publicKey must be an ECDSA P-256 key');
    }
    const canonical = Buffer.from(publicKey, 'base64url').toString('base64url');
    const deviceId = deviceIdOf(canonical);
    if (this._tables.devices.get(deviceId) === undefined) {
      const device: DeviceRecord = { id: deviceId, publicKey: canonical, name, createdAt: this._tables.clock() };
      this._tables.devices.set(deviceId, device);
    }
    return { deviceId };
  }

  publicKey(deviceId: string): string | undefined {
    return this._tables.devices.get(deviceId)?.publicKey;
  }

  /** A new phrase for this device; its older unused phrases are dropped (one at a time per device). */
  createPhrase(deviceId: string): { readonly phrase: string; readonly expiresAt: number } {
    this._device(deviceId);
    for (const old of this._tables.unusedPhrases()) {
      if (old.deviceId === deviceId) this._tables.deletePhrase(old.phrase);
    }
    let phrase = randomPairingPhrase();
    while (this._tables.hasPhrase(phrase)) phrase = randomPairingPhrase();
    const record = this._tables.insertPhrase(phrase, deviceId);
    return { phrase, expiresAt: record.createdAt + this._tables.phraseTimeoutMs };
  }

  state(deviceId: string): DeviceState {
    this._device(deviceId);
    // A deleted requester's pairings are left behind (its records are not cascaded): they are not shown.
    const pairings = this._tables
      .allPairings()
      .filter((p) => p.deviceId === deviceId && !p.deactivated && this._tables.hasConsumer(p.consumerKey));
    const ids = new Set(pairings.map((p) => p.id));
    const requests = this._tables
      .allRequests()
      .filter((r) => ids.has(r.pairingId))
      .map((r) => this._requestView(r))
      .sort((a, b) => b.createdAt - a.createdAt);
    const pending = requests.filter((r) => r.status === 'pending');
    const decided = requests.filter((r) => r.status !== 'pending').slice(0, DECIDED_SHOWN);
    return {
      now: this._tables.clock(),
      pairings: pairings.map((p) => this._pairingView(p)).sort((a, b) => b.createdAt - a.createdAt),
      requests: [...pending, ...decided],
    };
  }

  respondToPairing(deviceId: string, pairingId: string, accept: boolean): { pairing: DevicePairingView; otpSecret?: string } {
    const pairing = this._ownPairing(deviceId, pairingId);
    this._phone.respondToPairing(pairing.id, accept);
    const view = this._pairingView(pairing);
    return accept ? { pairing: view, otpSecret: pairing.otpSecret } : { pairing: view };
  }

  /** Binds an unclaimed QR pairing to this device and accepts it (scanning the code is the consent). */
  claimQr(deviceId: string, pairingId: string, secret: string): { pairing: DevicePairingView; otpSecret: string } {
    this._device(deviceId);
    const pairing = this._tables.findPairing(pairingId);
    const expected = pairing?.qrSecret;
    if (pairing === undefined || expected === undefined || !constantTimeEqual(expected, secret)) throw notFound('pairing');
    this._tables.refreshPairing(pairing);
    if (pairing.deviceId !== undefined || pairing.status !== 'pending' || pairing.deactivated) {
      throw conflict(409, 'This QR code was already used or has expired: show a new one on the website.');
    }
    pairing.deviceId = deviceId;
    this._phone.respondToPairing(pairing.id, true);
    return { pairing: this._pairingView(pairing), otpSecret: pairing.otpSecret };
  }

  /** What a QR pairing's code carries (its id and secret), for the server's operator. */
  qrCode(pairingId: string): { readonly pairingId: string; readonly secret: string } {
    const secret = this._tables.findPairing(pairingId)?.qrSecret;
    if (secret === undefined) throw notFound('QR pairing');
    return { pairingId, secret };
  }

  otpSecret(deviceId: string, pairingId: string): string {
    const pairing = this._ownPairing(deviceId, pairingId);
    if (pairing.status !== 'enabled') throw conflict(409, 'The pairing is not active.');
    return pairing.otpSecret;
  }

  removePairing(deviceId: string, pairingId: string): void {
    const pairing = this._ownPairing(deviceId, pairingId);
    this._phone.deactivatePairing(pairing.id);
    pairing.reason = 'Removed on the phone';
  }

  respondToRequest(deviceId: string, requestId: string, grant: boolean, automate: boolean): DeviceRequestView {
    const record = this._tables.mustRequest(requestId);
    this._ownPairing(deviceId, record.pairingId);
    if (automate && !record.automationAllowed) {
      throw conflict(409, 'The website does not allow automating this action.');
    }
    this._phone.respondToRequest(requestId, grant, automate);
    return this._requestView(record);
  }

  setPushSubscription(deviceId: string, subscription: string | null): void {
    this._device(deviceId).pushSubscription = subscription ?? undefined;
  }

  /** The devices to notify of a new pending request (none when it waits for an OTP). */
  pushTargets(requestId: string): { readonly deviceId: string; readonly subscription: string }[] {
    const record = this._tables.mustRequest(requestId);
    if (record.status !== 'pending' || record.reasonCode === OTP_REQUIRED_REASON_CODE) return [];
    const deviceId = this._tables.findPairing(record.pairingId)?.deviceId;
    const subscription = deviceId === undefined ? undefined : this._tables.devices.get(deviceId)?.pushSubscription;
    return deviceId === undefined || subscription === undefined ? [] : [{ deviceId, subscription }];
  }

  requestView(requestId: string): DeviceRequestView {
    return this._requestView(this._tables.mustRequest(requestId));
  }

  private _device(deviceId: string): DeviceRecord {
    const device = this._tables.devices.get(deviceId);
    if (device === undefined) throw notFound('device');
    return device;
  }

  private _ownPairing(deviceId: string, pairingId: string): PairingRecord {
    this._device(deviceId);
    const pairing = this._tables.findPairing(pairingId);
    if (pairing?.deviceId !== deviceId || pairing.deactivated || !this._tables.hasConsumer(pairing.consumerKey)) throw notFound('pairing');
    this._tables.refreshPairing(pairing);
    return pairing;
  }

  private _pairingView(pairing: PairingRecord): DevicePairingView {
    return {
      id: pairing.id,
      requester: this._tables.mustConsumer(pairing.consumerKey).name,
      userName: this._tables.mustUser(pairing.userId).name,
      status: pairing.status,
      createdAt: pairing.createdAt,
    };
  }

  private _requestView(record: RequestRecord): DeviceRequestView {
    this._tables.refreshRequest(record);
    return {
      id: record.id,
      requester: this._tables.mustConsumer(record.consumerKey).name,
      userName: this._tables.mustUser(record.userId).name,
      terminalName: this._tables.findTerminal(record.terminalId)?.name ?? '',
      actionName: this._tables.actionById(record.consumerKey, record.actionId).name,
      createdAt: record.createdAt,
      expiresAt: record.createdAt + this._tables.pendingTimeoutMs,
      automationAllowed: record.automationAllowed,
      status: record.status,
    };
  }
}
