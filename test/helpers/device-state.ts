import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxAuthenticationRequest, SandboxPairing } from '../../src/sandbox/types.js';
import type { SandboxStore } from '../../src/sandbox/store/sandbox-store.js';
import type { DeviceService } from '../../src/server/device/device-service.js';
import { stateDeviceService } from '../../src/server/device/state-device-service.js';
import { openState, type OpenedState, type StateTimes } from '../../src/server/state.js';

/** A requester's pairing, as the website knows it. */
export interface Paired {
  readonly consumerKey: string;
  readonly pairingId: string;
}

/**
 * The server's real state for the device API's tests: `openState` on SQLite files in a temporary folder,
 * with `service` (the device router's, always on the newest database) and the v1 API's own operations
 * to make pairings and requests and to read their outcome.
 */
export class DeviceState {
  private readonly _dir = mkdtempSync(join(tmpdir(), 'toopher-device-state-'));
  private readonly _opened: OpenedState[] = [];
  private readonly _times: StateTimes | undefined;
  private _service: DeviceService | undefined;

  constructor(times?: StateTimes) {
    this._times = times;
  }

  /** Forwards every call to the current database's `stateDeviceService`. */
  readonly service: DeviceService = {
    registerDevice: (...a) => this._current().service.registerDevice(...a),
    devicePublicKey: (...a) => this._current().service.devicePublicKey(...a),
    createDevicePhrase: (...a) => this._current().service.createDevicePhrase(...a),
    deviceState: (...a) => this._current().service.deviceState(...a),
    deviceRespondToPairing: (...a) => this._current().service.deviceRespondToPairing(...a),
    deviceClaimQr: (...a) => this._current().service.deviceClaimQr(...a),
    deviceOtpSecret: (...a) => this._current().service.deviceOtpSecret(...a),
    deviceRemovePairing: (...a) => this._current().service.deviceRemovePairing(...a),
    deviceRespondToRequest: (...a) => this._current().service.deviceRespondToRequest(...a),
    setDevicePushSubscription: (...a) => this._current().service.setDevicePushSubscription(...a),
  };

  /** The device nonces' claims, kept by the current backend (as the server does). */
  readonly claim = (key: string, ttlMs: number): Promise<boolean> => this._current().opened.backend.claim(key, ttlMs);

  /** The current database. */
  get opened(): OpenedState {
    return this._current().opened;
  }

  /** Makes an empty database the current one (older ones stay open for requests still in flight). */
  async newDatabase(): Promise<void> {
    const opened = await openState({ sqlite: join(this._dir, `state-${this._opened.length + 1}.db`) }, this._times);
    this._opened.push(opened);
    this._service = stateDeviceService(opened.state);
  }

  run<T>(fn: (store: SandboxStore) => T): Promise<T> {
    return this._current().opened.state.run(fn);
  }

  /** A new requester's `pairings/create` with a phrase a device shows: a pending pairing bound to that device. */
  pairByPhrase(phrase: string, requester: string, userName: string): Promise<Paired> {
    return this.run((store) => {
      const consumerKey = store.createRequester(requester).key;
      return { consumerKey, pairingId: store.createPairingWithPhrase(consumerKey, phrase, { name: userName }).id };
    });
  }

  /** A new requester's `pairings/create/qr`, with what its code carries. */
  pairByQr(requester: string, userName: string): Promise<Paired & { readonly secret: string }> {
    return this.run((store) => {
      const consumerKey = store.createRequester(requester).key;
      const { pairingId, secret } = store.devices.qrCode(store.createPairingForQr(consumerKey, userName).id);
      return { consumerKey, pairingId, secret };
    });
  }

  /** `authentication_requests/initiate` by pairing id. */
  initiate(paired: Paired, terminalName: string, actionName: string, automationAllowed = true): Promise<SandboxAuthenticationRequest> {
    const input = { pairingId: paired.pairingId, terminalName, actionName, automationAllowed };
    return this.run((store) => store.initiate(paired.consumerKey, input));
  }

  requestOf(paired: Paired, requestId: string): Promise<SandboxAuthenticationRequest> {
    return this.run((store) => store.getAuthenticationRequest(paired.consumerKey, requestId));
  }

  pairingOf(paired: Paired): Promise<SandboxPairing> {
    return this.run((store) => store.getPairing(paired.consumerKey, paired.pairingId));
  }

  async close(): Promise<void> {
    for (const opened of this._opened) await opened.close();
    rmSync(this._dir, { recursive: true, force: true });
  }

  private _current(): { opened: OpenedState; service: DeviceService } {
    const opened = this._opened[this._opened.length - 1];
    if (opened === undefined || this._service === undefined) throw new Error('DeviceState: call newDatabase() first');
    return { opened, service: this._service };
  }
}
