import { otplib } from '../optional-deps.js';
import { randomId } from '../../internal/random.js';
import { notFound } from '../sandbox-error.js';
import { type ChangeTracker, RecordTable, jsonCodec } from './record-table.js';
import type {
  ActionRecord,
  ConsumerRecord,
  DeviceRecord,
  PairingRecord,
  PhraseRecord,
  RequestRecord,
  SentResetEmail,
  TerminalRecord,
  UserRecord,
} from './records.js';
import { PhraseTable, type UnusedPhrase } from './phrase-table.js';
import type { RecordChange } from './state-backend.js';

export interface TablesOptions {
  readonly consumers: readonly { readonly key: string; readonly secret: string; readonly name?: string | undefined }[];
  readonly clock: () => number;
  readonly pendingTimeoutMs: number;
  readonly pairingTimeoutMs: number;
  readonly phraseTimeoutMs: number;
  /** Unused phrases kept at most (the oldest are forgotten first). */
  readonly maxPhrases?: number;
  /**
   * toopher-server: how long an authentication request is kept after it was made (default: for ever, the
   * sandbox). Every device poll and lookup scans the requests, so they must not pile up without end.
   */
  readonly requestRetentionMs?: number;
  /** Records which records a transaction touched, when the tables persist (`toopher-server`). */
  readonly tracker?: ChangeTracker | undefined;
}

const SEPARATOR = '\u001f';

const pairingCodec = {
  encode: (p: PairingRecord): unknown => ({ ...p, resetTokens: [...p.resetTokens] }),
  decode: (value: unknown): PairingRecord => {
    const p = value as PairingRecord & { resetTokens: string[] };
    return { ...p, resetTokens: new Set(p.resetTokens) };
  },
};

/**
 * The one owner of the sandbox's records (requesters, users, pairings, terminals, actions, authentication
 * requests, automation rules, pairing phrases, sent reset e-mails), with their lookups and inserts. `own*`
 * lookups act for one requester (others' ids look unknown, 404); `must*` ones across requesters. Expiry is
 * computed from the clock whenever a pairing, request or phrase is read.
 */
export class SandboxTables {
  readonly clock: () => number;
  readonly pendingTimeoutMs: number;
  readonly phraseTimeoutMs: number;
  private readonly _pairingTimeoutMs: number;
  private readonly _requestRetentionMs: number | undefined;
  private readonly _consumers: RecordTable<ConsumerRecord>;
  private readonly _users: RecordTable<UserRecord>;
  private readonly _pairings: RecordTable<PairingRecord>;
  private readonly _terminals: RecordTable<TerminalRecord>;
  /** `consumerKey SEPARATOR name` -> action */
  private readonly _actions: RecordTable<ActionRecord>;
  private readonly _requests: RecordTable<RequestRecord>;
  /** `userId SEPARATOR terminalId SEPARATOR actionName` -> granted */
  private readonly _automations: RecordTable<boolean>;
  /** phrase -> its record, oldest first */
  private readonly _phrases: PhraseTable;
  readonly devices: RecordTable<DeviceRecord>;
  /** toopher-server settings kept with the state (e.g. its VAPID keys): name -> JSON text. */
  readonly settings: RecordTable<string>;
  private readonly _byKind: ReadonlyMap<string, RecordTable<unknown>>;
  /** The sandbox's pretend mailbox: never persisted. */
  private readonly _sentEmails: SentResetEmail[] = [];

  constructor(options: TablesOptions) {
    this.clock = options.clock;
    this.pendingTimeoutMs = options.pendingTimeoutMs;
    this.phraseTimeoutMs = options.phraseTimeoutMs;
    this._pairingTimeoutMs = options.pairingTimeoutMs;
    this._requestRetentionMs = options.requestRetentionMs;
    const table = <T>(kind: string, codec = jsonCodec<T>()): RecordTable<T> => new RecordTable(kind, codec, options.tracker);
    this._consumers = table('consumer');
    this._users = table('user');
    this._pairings = table('pairing', pairingCodec);
    this._terminals = table('terminal');
    this._actions = table('action');
    this._requests = table('request');
    this._automations = table('automation');
    this._phrases = new PhraseTable(table('phrase'), this.clock, this.phraseTimeoutMs, options.maxPhrases ?? 100);
    this.devices = table('device');
    this.settings = table('config');
    const all: RecordTable<unknown>[] = [
      this._consumers, this._users, this._pairings, this._terminals, this._actions,
      this._requests, this._automations, this._phrases.table, this.devices, this.settings,
    ] as RecordTable<unknown>[];
    this._byKind = new Map(all.map((t) => [t.kind, t]));
    options.consumers.forEach((c, index) => {
      const name = c.name ?? `Sandbox requester${options.consumers.length > 1 ? ` ${index + 1}` : ''}`;
      this._consumers.set(c.key, { key: c.key, secret: c.secret, id: randomId(), name });
    });
  }

  /** Applies what other instances committed (see `StateAccess`); unknown kinds are ignored. */
  applyRemote(reset: boolean, changes: readonly RecordChange[]): void {
    if (reset) for (const t of this._byKind.values()) t.clear();
    for (const change of changes) this._byKind.get(change.kind)?.applyRemote(change.id, change.value);
  }

  // ------------------------------------------------------------ consumers

  consumerSecret(consumerKey: string): string | undefined {
    return this._consumers.get(consumerKey)?.secret;
  }

  /** Whether the requester exists (a tracked lookup). */
  hasConsumer(consumerKey: string): boolean {
    return this._consumers.get(consumerKey) !== undefined;
  }

  mustConsumer(consumerKey: string): ConsumerRecord {
    return found(this._consumers.get(consumerKey), 'requester');
  }

  allConsumers(): readonly ConsumerRecord[] {
    return this._consumers.values();
  }

  putConsumer(consumer: ConsumerRecord): void {
    this._consumers.set(consumer.key, consumer);
  }

  deleteConsumer(consumerKey: string): boolean {
    const existed = this._consumers.get(consumerKey) !== undefined;
    this._consumers.delete(consumerKey);
    return existed;
  }

  // ---------------------------------------------------------------- users

  insertUser(consumerKey: string, name: string, enabled: boolean): UserRecord {
    const user: UserRecord = { id: randomId(), consumerKey, name, enabled };
    this._users.set(user.id, user);
    return user;
  }

  findUser(consumerKey: string, name: string): UserRecord | undefined {
    for (const user of this._users.values()) {
      if (user.consumerKey === consumerKey && user.name === name) return user;
    }
    return undefined;
  }

  ownUser(consumerKey: string, userId: string): UserRecord {
    return ownedBy(consumerKey, this._users.get(userId), 'user');
  }

  mustUser(userId: string): UserRecord {
    return found(this._users.get(userId), 'user');
  }

  allUsers(): readonly UserRecord[] {
    return this._users.values();
  }

  // ------------------------------------------------------------- pairings

  insertPairing(
    consumerKey: string,
    user: UserRecord,
    kind: PairingRecord['kind'],
    device?: { readonly deviceId?: string | undefined; readonly qrSecret?: string | undefined },
  ): PairingRecord {
    const pairing: PairingRecord = {
      id: randomId(),
      consumerKey,
      userId: user.id,
      createdAt: this.clock(),
      otpSecret: otplib().generateSecret(),
      kind,
      status: 'pending',
      deactivated: false,
      otpRequired: false,
      reason: '',
      resetTokens: new Set(),
      otpFailures: [],
      ...(device?.deviceId === undefined ? {} : { deviceId: device.deviceId }),
      ...(device?.qrSecret === undefined ? {} : { qrSecret: device.qrSecret }),
    };
    this._pairings.set(pairing.id, pairing);
    return pairing;
  }

  /** Not refreshed: for reset tokens, which outlive the pending state. */
  findPairing(pairingId: string): PairingRecord | undefined {
    return this._pairings.get(pairingId);
  }

  ownPairing(consumerKey: string, pairingId: string): PairingRecord {
    const pairing = ownedBy(consumerKey, this._pairings.get(pairingId), 'pairing');
    this.refreshPairing(pairing);
    return pairing;
  }

  mustPairing(pairingId: string): PairingRecord {
    const pairing = found(this._pairings.get(pairingId), 'pairing');
    this.refreshPairing(pairing);
    return pairing;
  }

  /** Every pairing of every requester, oldest first. */
  allPairings(): readonly PairingRecord[] {
    return this._pairings.values();
  }

  pairingsOfUser(userId: string): readonly PairingRecord[] {
    return this.allPairings().filter((p) => p.userId === userId);
  }

  refreshPairing(pairing: PairingRecord): void {
    if (pairing.status === 'pending' && this.clock() - pairing.createdAt >= this._pairingTimeoutMs) {
      pairing.status = 'denied';
      pairing.reason = 'Pairing timed out';
    }
  }

  // ------------------------------------------------------------ terminals

  insertTerminal(consumerKey: string, userId: string, name: string, requesterSpecifiedId: string): TerminalRecord {
    const terminal: TerminalRecord = { id: randomId(), consumerKey, userId, name, requesterSpecifiedId };
    this._terminals.set(terminal.id, terminal);
    return terminal;
  }

  findTerminal(terminalId: string): TerminalRecord | undefined {
    return this._terminals.get(terminalId);
  }

  ownTerminal(consumerKey: string, terminalId: string): TerminalRecord {
    return ownedBy(consumerKey, this._terminals.get(terminalId), 'user terminal');
  }

  findTerminalByRequesterId(consumerKey: string, userId: string, requesterSpecifiedId: string): TerminalRecord | undefined {
    return this._findTerminal((t) => t.consumerKey === consumerKey && t.userId === userId && t.requesterSpecifiedId === requesterSpecifiedId);
  }

  findTerminalByName(consumerKey: string, userId: string, name: string): TerminalRecord | undefined {
    return this._findTerminal((t) => t.consumerKey === consumerKey && t.userId === userId && t.name === name);
  }

  private _findTerminal(matches: (terminal: TerminalRecord) => boolean): TerminalRecord | undefined {
    for (const t of this._terminals.values()) if (matches(t)) return t;
    return undefined;
  }

  // -------------------------------------------------------------- actions

  /** The requester's action of that name, made on first use. */
  action(consumerKey: string, name: string): ActionRecord {
    const key = `${consumerKey}${SEPARATOR}${name}`;
    let action = this._actions.get(key);
    if (action === undefined) {
      action = { id: randomId(), name };
      this._actions.set(key, action);
    }
    return action;
  }

  actionById(consumerKey: string, actionId: string): ActionRecord {
    for (const [key, action] of this._actions.entries()) {
      if (action.id === actionId && key.startsWith(`${consumerKey}${SEPARATOR}`)) return action;
    }
    throw notFound('action');
  }

  // ------------------------------------------------------------- requests

  insertRequest(record: RequestRecord): void {
    this._forgetOldRequests();
    this._requests.set(record.id, record);
  }

  /** Deletes requests past their retention, oldest first (insertion order), stopping at the first younger one. */
  private _forgetOldRequests(): void {
    if (this._requestRetentionMs === undefined) return;
    const cutoff = this.clock() - Math.max(this._requestRetentionMs, this.pendingTimeoutMs);
    for (const id of this._requests.ids()) {
      const request = this._requests.get(id);
      if (request !== undefined && request.createdAt > cutoff) break;
      this._requests.delete(id);
    }
  }

  /** Not refreshed: the caller decides whether a timed-out request still counts. */
  ownRequest(consumerKey: string, requestId: string): RequestRecord {
    return ownedBy(consumerKey, this._requests.get(requestId), 'authentication request');
  }

  mustRequest(requestId: string): RequestRecord {
    const record = found(this._requests.get(requestId), 'authentication request');
    this.refreshRequest(record);
    return record;
  }

  /** Every request of every requester, oldest first. */
  allRequests(): readonly RequestRecord[] {
    return this._requests.values();
  }

  refreshRequest(record: RequestRecord): void {
    if (record.status === 'pending' && this.clock() - record.createdAt >= this.pendingTimeoutMs) {
      record.status = 'timed_out';
      record.reason = 'Request timed out';
    }
  }

  // ---------------------------------------------------------- automations

  automation(userId: string, terminalId: string, actionName: string): boolean | undefined {
    return this._automations.get(automationKey(userId, terminalId, actionName));
  }

  setAutomation(userId: string, terminalId: string, actionName: string, granted: boolean): void {
    this._automations.set(automationKey(userId, terminalId, actionName), granted);
  }

  // -------------------------------------------------------------- phrases

  insertPhrase(phrase: string, deviceId?: string): PhraseRecord {
    return this._phrases.insert(phrase, deviceId);
  }

  phrase(phrase: string): PhraseRecord | undefined {
    return this._phrases.get(phrase);
  }

  hasPhrase(phrase: string): boolean {
    return this._phrases.has(phrase);
  }

  deletePhrase(phrase: string): void {
    this._phrases.delete(phrase);
  }

  unusedPhrases(): UnusedPhrase[] {
    return this._phrases.unused();
  }

  // --------------------------------------------------------- reset e-mails

  recordResetEmail(email: SentResetEmail): void {
    this._sentEmails.push(email);
  }

  sentResetEmails(): readonly SentResetEmail[] {
    return this._sentEmails;
  }
}

/** 404 unless the record exists. */
function found<T>(record: T | undefined, what: string): T {
  if (record === undefined) throw notFound(what);
  return record;
}

/** 404 unless the record exists and belongs to the requester: others' ids look unknown. */
function ownedBy<T extends { readonly consumerKey: string }>(consumerKey: string, record: T | undefined, what: string): T {
  if (record?.consumerKey !== consumerKey) throw notFound(what);
  return record;
}

function automationKey(userId: string, terminalId: string, actionName: string): string {
  return `${userId}${SEPARATOR}${terminalId}${SEPARATOR}${actionName}`;
}
