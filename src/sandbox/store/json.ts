import { notFound } from '../sandbox-error.js';
import type { SandboxAuthenticationRequest, SandboxPairing, SandboxUser, SandboxUserTerminal } from '../types.js';
import type { PairingRecord, RequestRecord, TerminalRecord, UserRecord } from './records.js';
import type { SandboxTables } from './tables.js';

/** Turns records into the Toopher v1 wire shapes (snake_case), refreshing expiry first. */
export class JsonShapes {
  private readonly _tables: SandboxTables;

  constructor(tables: SandboxTables) {
    this._tables = tables;
  }

  user(user: UserRecord): SandboxUser {
    const consumer = this._tables.mustConsumer(user.consumerKey);
    return {
      id: user.id,
      name: user.name,
      toopher_authentication_enabled: user.enabled,
      disable_toopher_auth: !user.enabled,
      requester: { id: consumer.id, name: consumer.name },
    };
  }

  pairing(pairing: PairingRecord): SandboxPairing {
    this._tables.refreshPairing(pairing);
    return {
      id: pairing.id,
      enabled: pairing.status === 'enabled' && !pairing.deactivated,
      pending: pairing.status === 'pending' && !pairing.deactivated,
      deactivated: pairing.deactivated,
      otp_required: pairing.otpRequired,
      totp_length: 6,
      reason: pairing.reason,
      user: this._userOf(pairing),
    };
  }

  terminal(terminal: TerminalRecord): SandboxUserTerminal {
    return {
      id: terminal.id,
      name: terminal.name,
      requester_specified_id: terminal.requesterSpecifiedId,
      name_extra: terminal.requesterSpecifiedId,
      user: this._userOf(terminal),
    };
  }

  request(record: RequestRecord): SandboxAuthenticationRequest {
    this._tables.refreshRequest(record);
    const terminal = this._tables.findTerminal(record.terminalId);
    if (terminal === undefined) throw notFound('user terminal');
    const action = this._tables.actionById(record.consumerKey, record.actionId);
    return {
      id: record.id,
      pending: record.status === 'pending',
      granted: record.status === 'granted',
      automated: record.automated,
      cancelled: record.status === 'cancelled',
      reason: record.reason,
      reason_code: record.reasonCode,
      automation_allowed: record.automationAllowed,
      challenge_required: record.challengeRequired,
      created_seconds_since_epoch: Math.floor(record.createdAt / 1000),
      terminal: this.terminal(terminal),
      user: this._userOf(record),
      action: { id: action.id, name: action.name },
    };
  }

  private _userOf(record: { readonly userId: string }): SandboxUser {
    return this.user(this._tables.mustUser(record.userId));
  }
}
