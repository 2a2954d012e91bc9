import type {
  SandboxAuthenticationRequest,
  SandboxAutoRespond,
  SandboxPairing,
  SandboxUser,
  SandboxUserTerminal,
} from '../types.js';
import { randomId, randomToken } from '../../internal/random.js';
import { badRequest, notFound } from '../sandbox-error.js';
import { Authentication, type InitiateInput } from './authentication.js';
import { DeviceApps } from './devices.js';
import { AutoResponder } from './auto-respond.js';
import { JsonShapes } from './json.js';
import { type OtpRateLimit, OtpCodes } from './otp.js';
import { Pairings } from './pairings.js';
import { type PhoneTimes, SimulatedPhone } from './phone.js';
import type { RecordChange } from './state-backend.js';
import type { SentResetEmail } from './records.js';
import { SandboxTables, type TablesOptions } from './tables.js';
import { UsersAndTerminals } from './users.js';

export interface StoreOptions extends TablesOptions {
  readonly otpRateLimit: OtpRateLimit;
  /** toopher-server: pairings belong to phone-app devices; no SMS pairing. */
  readonly devices?: boolean;
}

/** A requester as listed by `toopher-server requesters list` (never its secret). */
export interface RequesterSummary {
  readonly key: string;
  readonly id: string;
  readonly name: string;
}

/**
 * All state of one sandbox, behind one face for the routes. The records live in
 * `SandboxTables` (their one owner); each part below acts on them for one
 * concern. Methods taking a `consumerKey` act for that requester only (others'
 * ids look unknown); the `phone*` methods act for the simulated phone across
 * requesters.
 */
export class SandboxStore {
  private readonly _tables: SandboxTables;
  private readonly _users: UsersAndTerminals;
  private readonly _pairings: Pairings;
  private readonly _authentication: Authentication;
  private readonly _phone: SimulatedPhone;
  private readonly _autoResponder: AutoResponder;
  /** toopher-server's phone apps (devices): their keys, phrases, pairings and answers. */
  readonly devices: DeviceApps;
  /** toopher-server (`StoreOptions.devices`). */
  private readonly _devicesOnly: boolean;

  constructor(options: StoreOptions) {
    this._devicesOnly = options.devices === true;
    const tables = new SandboxTables(options);
    const json = new JsonShapes(tables);
    const otp = new OtpCodes(tables, options.otpRateLimit, options.devices === true);
    this._tables = tables;
    this._phone = new SimulatedPhone(tables, json, otp);
    this._autoResponder = new AutoResponder(this._phone);
    this._users = new UsersAndTerminals(tables, json);
    this._pairings = new Pairings(tables, json, this._autoResponder, options.devices === true);
    this.devices = new DeviceApps(tables, this._phone);
    this._authentication = new Authentication(tables, json, otp, this._autoResponder);
  }

  /** The secret of a consumer key, for the OAuth verifier. */
  consumerSecret(consumerKey: string): string | undefined {
    return this._tables.consumerSecret(consumerKey);
  }

  /** Applies records other instances committed (`StateAccess` only). */
  applyRemote(reset: boolean, changes: readonly RecordChange[]): void {
    this._tables.applyRemote(reset, changes);
  }

  /** A toopher-server setting kept with the state (JSON text), made by `create` the first time it is asked for. */
  setting(name: string, create: () => string): string {
    const value = this._tables.settings.get(name);
    if (value !== undefined) return value;
    const made = create();
    this._tables.settings.set(name, made);
    return made;
  }

  // ----------------------------------------------------------- requesters

  createRequester(name: string): RequesterSummary & { readonly secret: string } {
    const requester = { key: `tk-${randomToken(12)}`, secret: randomToken(32), id: randomId(), name };
    this._tables.putConsumer(requester);
    return { ...requester }; // a copy: the record itself must only change inside a transaction
  }

  listRequesters(): RequesterSummary[] {
    return this._tables.allConsumers().map(({ key, id, name }) => ({ key, id, name }));
  }

  /** A new secret for the requester; the old one stops working at once. */
  rotateRequester(consumerKey: string): RequesterSummary & { readonly secret: string } {
    const { key, id, name } = this._tables.mustConsumer(consumerKey);
    const requester = { key, id, name, secret: randomToken(32) };
    this._tables.putConsumer(requester);
    return { ...requester };
  }

  deleteRequester(consumerKey: string): void {
    if (!this._tables.deleteConsumer(consumerKey)) throw notFound('requester');
  }

  /** Cancels pending auto-respond timers. */
  dispose(): void {
    this._autoResponder.dispose();
  }

  // ------------------------------------------------- users and terminals

  createUser(consumerKey: string, name: string, enabled = true): SandboxUser {
    return this._users.createUser(consumerKey, name, enabled);
  }

  getUser(consumerKey: string, userId: string): SandboxUser {
    return this._users.getUser(consumerKey, userId);
  }

  findUsersByName(consumerKey: string, name: string): SandboxUser[] {
    return this._users.findUsersByName(consumerKey, name);
  }

  setUserEnabled(consumerKey: string, userId: string, enabled: boolean | undefined): SandboxUser {
    return this._users.setUserEnabled(consumerKey, userId, enabled);
  }

  resetUser(consumerKey: string, name: string): void {
    this._users.resetUser(consumerKey, name);
  }

  userPairings(consumerKey: string, userId: string, deactivated: boolean | undefined): SandboxPairing[] {
    return this._users.userPairings(consumerKey, userId, deactivated);
  }

  createTerminal(consumerKey: string, userName: string, name: string, requesterSpecifiedId: string): SandboxUserTerminal {
    return this._users.createTerminal(consumerKey, userName, name, requesterSpecifiedId);
  }

  getTerminal(consumerKey: string, terminalId: string): SandboxUserTerminal {
    return this._users.getTerminal(consumerKey, terminalId);
  }

  // ------------------------------------------------------------- pairings

  createPairingWithPhrase(
    consumerKey: string,
    phrase: string,
    user: { readonly name?: string | undefined; readonly id?: string | undefined },
  ): SandboxPairing {
    return this._pairings.createWithPhrase(consumerKey, phrase, user);
  }

  createPairingBySms(consumerKey: string, phoneNumber: string, userName: string): SandboxPairing {
    return this._pairings.createBySms(consumerKey, phoneNumber, userName);
  }

  createPairingForQr(consumerKey: string, userName: string): SandboxPairing {
    return this._pairings.createForQr(consumerKey, userName);
  }

  getPairing(consumerKey: string, pairingId: string): SandboxPairing {
    return this._pairings.get(consumerKey, pairingId);
  }

  updatePairing(consumerKey: string, pairingId: string, deactivated: boolean | undefined): SandboxPairing {
    return this._pairings.update(consumerKey, pairingId, deactivated);
  }

  createResetToken(consumerKey: string, pairingId: string): string {
    return this._pairings.createResetToken(consumerKey, pairingId);
  }

  resetPairingWithToken(pairingId: string, token: string): boolean {
    return this._pairings.resetWithToken(pairingId, token);
  }

  hasResetToken(pairingId: string, token: string): boolean {
    return this._pairings.hasResetToken(pairingId, token);
  }

  recordResetEmail(email: SentResetEmail): void {
    // The sandbox's mailbox is a test fixture kept in memory; a server sends no e-mail, and must not
    // answer as if it had (nor keep every address it was given in memory).
    if (this._devicesOnly) throw badRequest('This server does not send e-mail: use generate_reset_link and send the link yourself');
    this._tables.recordResetEmail(email);
  }

  sentResetEmails(): readonly SentResetEmail[] {
    return this._tables.sentResetEmails();
  }

  // ------------------------------------------------ authentication requests

  initiate(consumerKey: string, input: InitiateInput): SandboxAuthenticationRequest {
    return this._authentication.initiate(consumerKey, input);
  }

  getAuthenticationRequest(consumerKey: string, requestId: string): SandboxAuthenticationRequest {
    return this._authentication.get(consumerKey, requestId);
  }

  authenticateWithOtp(consumerKey: string, requestId: string, otp: string): SandboxAuthenticationRequest {
    return this._authentication.authenticateWithOtp(consumerKey, requestId, otp);
  }

  cancel(consumerKey: string, requestId: string): SandboxAuthenticationRequest {
    return this._authentication.cancel(consumerKey, requestId);
  }

  // ---------------------------------------------------------------- phone

  phoneCreatePhrase(): string {
    return this._phone.createPhrase();
  }

  phonePhrases(): string[] {
    return this._phone.phrases();
  }

  phoneTimes(): PhoneTimes {
    return this._phone.times();
  }

  phoneUserNames(): string[] {
    return this._phone.userNames();
  }

  phoneListPairings(userName?: string): SandboxPairing[] {
    return this._phone.listPairings(userName);
  }

  phoneRespondToPairing(pairingId: string, granted: boolean): void {
    this._phone.respondToPairing(pairingId, granted);
  }

  phoneSetOtpRequired(pairingId: string, required: boolean): void {
    this._phone.setOtpRequired(pairingId, required);
  }

  phoneDeactivatePairing(pairingId: string): void {
    this._phone.deactivatePairing(pairingId);
  }

  phoneOtp(pairingId: string): string {
    return this._phone.otp(pairingId);
  }

  phoneListRequests(userName?: string): SandboxAuthenticationRequest[] {
    return this._phone.listRequests(userName);
  }

  phoneRespondToRequest(requestId: string, granted: boolean, automate = false): void {
    this._phone.respondToRequest(requestId, granted, automate);
  }

  setAutoRespond(options: SandboxAutoRespond | undefined): void {
    this._autoResponder.set(options);
  }

  qrCodeContent(consumerKey: string, pairingId: string): { readonly pairingId: string; readonly secret?: string | undefined } {
    return this._pairings.qrCodeContent(consumerKey, pairingId);
  }
}
