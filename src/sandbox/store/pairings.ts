import { randomToken } from '../../internal/random.js';
import { badRequest } from '../sandbox-error.js';
import type { SandboxPairing } from '../types.js';
import type { AutoResponder } from './auto-respond.js';
import type { JsonShapes } from './json.js';
import type { PairingRecord, UserRecord } from './records.js';
import type { SandboxTables } from './tables.js';

/** The `pairings/*` endpoints and reset links, for one requester at a time. */
export class Pairings {
  private readonly _tables: SandboxTables;
  private readonly _json: JsonShapes;
  private readonly _autoResponder: AutoResponder;
  /** toopher-server: pairings belong to phone-app devices (phrases carry one; QR links carry a secret). */
  private readonly _devices: boolean;

  constructor(tables: SandboxTables, json: JsonShapes, autoResponder: AutoResponder, devices: boolean) {
    this._tables = tables;
    this._json = json;
    this._autoResponder = autoResponder;
    this._devices = devices;
  }

  /** `pairings/create`: uses up a phrase shown by the phone and starts a pending pairing. */
  createWithPhrase(
    consumerKey: string,
    phrase: string,
    user: { readonly name?: string | undefined; readonly id?: string | undefined },
  ): SandboxPairing {
    if (user.name === undefined && user.id === undefined) throw badRequest('Missing required parameter: user_name');
    const normalized = phrase.trim().toLowerCase().replace(/\s+/g, ' ');
    const shown = this._tables.phrase(normalized);
    if (shown === undefined) throw badRequest('No pending pairing requests with specified pairing_phrase');
    let record: UserRecord;
    if (user.id !== undefined) {
      record = this._tables.ownUser(consumerKey, user.id);
      if (user.name !== undefined) record.name = user.name;
    } else {
      record = this._userForPairing(consumerKey, user.name ?? '');
    }
    this._tables.deletePhrase(normalized);
    return this._json.pairing(this._start(consumerKey, record, 'phrase', { deviceId: shown.deviceId }));
  }

  /** `pairings/create/sms`: the phone "replies to the SMS" through the phone page or control API. */
  createBySms(consumerKey: string, phoneNumber: string, userName: string): SandboxPairing {
    if (this._devices) throw badRequest('This server does not pair by SMS: pair with a phrase or a QR code');
    if (!/^\+?[0-9][0-9 ().-]{2,30}$/.test(phoneNumber)) throw badRequest('Invalid phone_number');
    return this._json.pairing(this._start(consumerKey, this._userForPairing(consumerKey, userName), 'sms'));
  }

  /** `pairings/create/qr`: the phone "scans" the code through the phone page or control API. */
  createForQr(consumerKey: string, userName: string): SandboxPairing {
    const user = this._userForPairing(consumerKey, userName);
    const qrSecret = this._devices ? randomToken(24) : undefined;
    return this._json.pairing(this._start(consumerKey, user, 'qr', { qrSecret }));
  }

  /** The text of a QR pairing's code: the pairing id, plus its secret on a server (404 for others' ids). */
  qrCodeContent(consumerKey: string, pairingId: string): { readonly pairingId: string; readonly secret?: string | undefined } {
    const pairing = this._tables.ownPairing(consumerKey, pairingId);
    return { pairingId: pairing.id, secret: pairing.qrSecret };
  }

  get(consumerKey: string, pairingId: string): SandboxPairing {
    return this._json.pairing(this._tables.ownPairing(consumerKey, pairingId));
  }

  /** Admin `POST pairings/{id}` with `deactivated=true`. */
  update(consumerKey: string, pairingId: string, deactivated: boolean | undefined): SandboxPairing {
    const pairing = this._tables.ownPairing(consumerKey, pairingId);
    if (deactivated === true) pairing.deactivated = true;
    return this._json.pairing(pairing);
  }

  /** A single-use token that deactivates the pairing when its reset URL is followed. */
  createResetToken(consumerKey: string, pairingId: string): string {
    const pairing = this._tables.ownPairing(consumerKey, pairingId);
    const token = randomToken(24);
    pairing.resetTokens.add(token);
    return token;
  }

  /** Follows a reset link: deactivates the pairing. False when the token is unknown or used. */
  resetWithToken(pairingId: string, token: string): boolean {
    const pairing = this._tables.findPairing(pairingId);
    if (pairing === undefined || !pairing.resetTokens.delete(token)) return false;
    pairing.deactivated = true;
    pairing.resetTokens.clear();
    return true;
  }

  /** True when a reset token is currently valid (for the reset page). */
  hasResetToken(pairingId: string, token: string): boolean {
    return this._tables.findPairing(pairingId)?.resetTokens.has(token) ?? false;
  }

  private _userForPairing(consumerKey: string, name: string): UserRecord {
    return this._tables.findUser(consumerKey, name) ?? this._tables.insertUser(consumerKey, name, true);
  }

  private _start(
    consumerKey: string,
    user: UserRecord,
    kind: PairingRecord['kind'],
    device?: { readonly deviceId?: string | undefined; readonly qrSecret?: string | undefined },
  ): PairingRecord {
    const pairing = this._tables.insertPairing(consumerKey, user, kind, device);
    this._autoResponder.schedule('pairing', pairing.id);
    return pairing;
  }
}
