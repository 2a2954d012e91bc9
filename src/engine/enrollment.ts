import { ToopherApiError, ToopherResponseError } from '../errors.js';
import { emitFlowEvent } from './events.js';
import { FLOW_STEP_MS } from './flow.js';
import type { FlowRecords } from './flow-records.js';
import type { ResolvedToopherConfig } from './options.js';
import type { RequestLike } from './request-like.js';
import type { FlowRecord } from './session-state.js';
import { toUnavailable } from './unavailable-error.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function isPng(bytes: Buffer): boolean {
  return bytes.length > PNG_SIGNATURE.length && bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE);
}

/**
 * Enrollment during a sign-in: pairing a phone (phrase or QR code), naming
 * this browser as a terminal, and skipping enrollment when it is optional.
 * API failures reject with `ToopherUnavailableError`.
 */
export class Enrollment {
  private readonly _config: ResolvedToopherConfig;
  private readonly _records: FlowRecords;

  constructor(config: ResolvedToopherConfig, records: FlowRecords) {
    this._config = config;
    this._records = records;
  }

  /**
   * "Skip" (optional enrollment) turns Toopher off for the user, so it is
   * offered only at sign-in to a user who never paired (705): never after a
   * pairing was removed (707), never from a guarded action.
   */
  maySkip(flow: FlowRecord): boolean {
    return this._config.enrollment === 'optional' && flow.kind === 'login' && flow.pairingRemoved !== true;
  }

  /**
   * Starts pairing the flow's user with a phrase from the app (or a QR code
   * when `phrase` is undefined). `'rejected'` means Toopher refused the
   * phrase; the flow is then saved as it is.
   */
  async startPairing(req: RequestLike, flow: FlowRecord, phrase: string | undefined): Promise<'pending' | 'granted' | 'rejected'> {
    const config = this._config;
    let pairing;
    try {
      pairing = phrase === undefined ? await config.api.pairQr(flow.userName) : await config.api.pair(phrase, flow.userName);
    } catch (err) {
      const status = err instanceof ToopherApiError ? err.status : undefined;
      if (phrase !== undefined && (status === 400 || status === 404 || status === 409)) {
        await this._records.commit(req);
        return 'rejected';
      }
      throw toUnavailable(err);
    }
    const now = config.clock();
    flow.pairingId = pairing.id;
    flow.pairingByQr = phrase === undefined;
    emitFlowEvent(config, 'pairing-started', flow, { reason: phrase === undefined ? 'qr' : 'phrase' });
    if (!pairing.pending && pairing.enabled) {
      emitFlowEvent(config, 'pairing-completed', flow);
      return 'granted';
    }
    flow.stage = 'pairing';
    flow.expiresAt = now + config.pairingTimeoutMs;
    flow.lastCheckedAt = now;
    flow.lastState = 'pending';
    return 'pending';
  }

  /** A pairing that was denied or expired: the flow goes back to the pair page (saved), with a fresh step deadline. */
  async restartPairing(req: RequestLike, flow: FlowRecord): Promise<void> {
    flow.stage = 'pair';
    flow.lastState = 'pending';
    flow.expiresAt = this._config.clock() + FLOW_STEP_MS;
    delete flow.pairingId;
    delete flow.pairingByQr;
    await this._records.commit(req);
  }

  /**
   * PNG of the QR code of the flow's pairing. It is served as an image of
   * the app's origin, so anything that is not a PNG is refused (fail closed).
   */
  async qrImage(flow: FlowRecord): Promise<Buffer> {
    let png: Buffer;
    try {
      png = await this._config.api.getQrCodeImage(flow.pairingId ?? '');
    } catch (err) {
      throw toUnavailable(err);
    }
    if (!isPng(png)) {
      throw toUnavailable(new ToopherResponseError('The Toopher API answered the QR code with something that is not a PNG.', { endpoint: 'qr/pairings' }));
    }
    return png;
  }

  /** Names this browser for the flow's user (after 706). */
  async nameTerminal(flow: FlowRecord, terminalName: string): Promise<void> {
    try {
      await this._config.api.createUserTerminal(flow.userName, terminalName, flow.terminalId);
    } catch (err) {
      throw toUnavailable(err);
    }
    flow.terminalName = terminalName;
    emitFlowEvent(this._config, 'terminal-named', flow);
  }

  /**
   * Optional enrollment: ends the flow for good, then turns Toopher off for
   * the flow's user (creating the user if needed). False, with nothing
   * changed, when another request (Cancel, or a completion in another tab)
   * ended the flow first. The caller then completes the flow as already ended.
   */
  async skipEnrollment(flow: FlowRecord): Promise<boolean> {
    if (!(await this._records.end(flow))) return false;
    const api = this._config.api;
    try {
      const users = await api.getUsersByName(flow.userName);
      if (users.length === 0) await api.createUser(flow.userName);
      await api.setToopherEnabledForUser(flow.userName, false);
    } catch (err) {
      throw toUnavailable(err);
    }
    emitFlowEvent(this._config, 'enrollment-skipped', flow);
    return true;
  }
}
