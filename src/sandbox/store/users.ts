import { conflict } from '../sandbox-error.js';
import type { SandboxPairing, SandboxUser, SandboxUserTerminal } from '../types.js';
import { USER_UNKNOWN } from './errors.js';
import type { JsonShapes } from './json.js';
import type { SandboxTables } from './tables.js';

/** The `users/*` and `user_terminals/*` endpoints, for one requester at a time. */
export class UsersAndTerminals {
  private readonly _tables: SandboxTables;
  private readonly _json: JsonShapes;

  constructor(tables: SandboxTables, json: JsonShapes) {
    this._tables = tables;
    this._json = json;
  }

  createUser(consumerKey: string, name: string, enabled: boolean): SandboxUser {
    if (this._tables.findUser(consumerKey, name) !== undefined) {
      throw conflict(409, 'A user with the specified name already exists.');
    }
    return this._json.user(this._tables.insertUser(consumerKey, name, enabled));
  }

  getUser(consumerKey: string, userId: string): SandboxUser {
    return this._json.user(this._tables.ownUser(consumerKey, userId));
  }

  findUsersByName(consumerKey: string, name: string): SandboxUser[] {
    const user = this._tables.findUser(consumerKey, name);
    return user === undefined ? [] : [this._json.user(user)];
  }

  setUserEnabled(consumerKey: string, userId: string, enabled: boolean | undefined): SandboxUser {
    const user = this._tables.ownUser(consumerKey, userId);
    if (enabled !== undefined) user.enabled = enabled;
    return this._json.user(user);
  }

  /** `users/reset`: deactivates every pairing of the named user. */
  resetUser(consumerKey: string, name: string): void {
    const user = this._tables.findUser(consumerKey, name);
    if (user === undefined) throw USER_UNKNOWN();
    for (const pairing of this._tables.pairingsOfUser(user.id)) pairing.deactivated = true;
  }

  userPairings(consumerKey: string, userId: string, deactivated: boolean | undefined): SandboxPairing[] {
    const user = this._tables.ownUser(consumerKey, userId);
    return this._tables
      .pairingsOfUser(user.id)
      .filter((p) => deactivated === undefined || p.deactivated === deactivated)
      .map((p) => this._json.pairing(p));
  }

  /** `user_terminals/create`: a known requester id renames its terminal instead of adding one. */
  createTerminal(consumerKey: string, userName: string, name: string, requesterSpecifiedId: string): SandboxUserTerminal {
    const user = this._tables.findUser(consumerKey, userName);
    if (user === undefined) throw USER_UNKNOWN();
    const existing =
      requesterSpecifiedId === '' ? undefined : this._tables.findTerminalByRequesterId(consumerKey, user.id, requesterSpecifiedId);
    if (existing !== undefined) {
      existing.name = name;
      return this._json.terminal(existing);
    }
    return this._json.terminal(this._tables.insertTerminal(consumerKey, user.id, name, requesterSpecifiedId));
  }

  getTerminal(consumerKey: string, terminalId: string): SandboxUserTerminal {
    return this._json.terminal(this._tables.ownTerminal(consumerKey, terminalId));
  }
}
