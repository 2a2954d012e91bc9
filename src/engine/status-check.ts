import { ToopherApiError } from '../errors.js';
import { answersFlow } from './answers-flow.js';
import { emitFlowEvent, type ToopherEventType } from './events.js';
import { isPastDeadline } from './flow.js';
import type { FlowRecords } from './flow-records.js';
import type { GuardedStore } from './guarded-store.js';
import type { ResolvedToopherConfig } from './options.js';
import type { RequestLike } from './request-like.js';
import type { FlowRecord, FlowState } from './session-state.js';
import { sharedStoreKey } from './shared-store.js';
import { toUnavailable } from './unavailable-error.js';

/** Most status checks shared between concurrent polls at once; past it, polls only rely on the store's claim. */
const MAX_IN_FLIGHT = 10_000;

/** One upstream status check, shared by every concurrent poll of the same request in this process. */
interface InFlightCheck {
  readonly state: Promise<FlowState>;
}

/**
 * True when an answer's `reason` says the wait timed out or expired (the
 * sandbox says "Pairing timed out"; Toopher's wording is not documented, so
 * only these plain words count).
 */
function saysTimedOut(raw: Readonly<Record<string, unknown>>): boolean {
  const reason = raw['reason'];
  return typeof reason === 'string' && reason.length <= 200 && /\b(timed[ -]?out|time[ -]?out|expired)\b/i.test(reason);
}

/** Checking a flow's status with Toopher: throttled per request across tabs and instances. */
export class StatusChecker {
  private readonly _config: ResolvedToopherConfig;
  private readonly _store: GuardedStore;
  private readonly _records: FlowRecords;
  /** Upstream status checks under way, keyed by the shared-store poll key. */
  private readonly _inFlight = new Map<string, InFlightCheck>();

  constructor(config: ResolvedToopherConfig, store: GuardedStore, records: FlowRecords) {
    this._config = config;
    this._store = store;
    this._records = records;
  }

  /**
   * The flow's current state, asking Toopher at most once per
   * `pollIntervalMs` for the same request, across tabs and instances: the
   * poll slot is claimed atomically in the shared `store`
   * (`setIfAbsent`), and concurrent polls of one request in this process
   * share one upstream call. A poll that loses the claim answers from the
   * last known state (still pending) without calling Toopher. The time of
   * the last call is also kept in the session, a cheap first check.
   */
  async refresh(req: RequestLike, flow: FlowRecord): Promise<FlowState> {
    const config = this._config;
    const now = config.clock();
    const pairing = flow.stage === 'pairing';
    if (flow.lastState === 'granted' && !pairing && isPastDeadline(flow, config.authTimeoutMs, now)) {
      // An approval nobody collected in time is void: it never signs in or runs anything.
      flow.lastState = 'expired';
      emitFlowEvent(config, 'approval-expired', flow);
      return 'expired';
    }
    if (flow.lastState !== 'pending') return flow.lastState;
    if (now >= flow.expiresAt) {
      flow.lastState = 'expired';
      emitFlowEvent(config, pairing ? 'pairing-expired' : 'approval-expired', flow);
      return 'expired';
    }
    if (flow.stage !== 'auth' && !pairing) return 'pending';
    const intervalMs = config.pollIntervalMs;
    if (now - flow.lastCheckedAt < intervalMs) return 'pending';
    // Keyed by user and action too: a check is shared only by flows it was validated for, even if Toopher reused an id.
    const key = sharedStoreKey('poll', pairing ? 'pairing' : 'auth', (pairing ? flow.pairingId : flow.requestId) ?? '', flow.userName, flow.actionName);
    let check = this._inFlight.get(key);
    if (check === undefined) {
      // The slot is claimed before anything else, so two polls arriving together cannot both pass.
      if (intervalMs > 0 && !(await this._store.claimSlot(key, intervalMs))) {
        // Another tab or instance is asking (or just asked): this one answers from the last known state.
        const joined = this._inFlight.get(key);
        if (joined === undefined) return 'pending';
        check = joined;
      }
      if (check === undefined) {
        flow.lastCheckedAt = now;
        await this._records.commit(req);
        check = this._startCheck(key, flow, pairing);
      }
    }
    flow.lastCheckedAt = Math.max(flow.lastCheckedAt, now);
    const state = await check.state;
    if (state !== 'pending') flow.lastState = state;
    await this._records.commit(req);
    return state;
  }

  /** Starts one upstream check and lets concurrent polls of `key` in this process join it until it settles. */
  private _startCheck(key: string, flow: FlowRecord, pairing: boolean): InFlightCheck {
    const started: InFlightCheck = { state: this._checkUpstream(flow, pairing) };
    if (this._inFlight.size < MAX_IN_FLIGHT) {
      this._inFlight.set(key, started);
      const forget = (): void => {
        if (this._inFlight.get(key) === started) this._inFlight.delete(key);
      };
      started.state.then(forget, forget);
    }
    return started;
  }

  /** Asks Toopher once for the flow's request (or pairing) and emits the event of a decision. */
  private async _checkUpstream(flow: FlowRecord, pairing: boolean): Promise<FlowState> {
    const api = this._config.api;
    let state: FlowState;
    try {
      if (pairing) {
        const pairingId = flow.pairingId ?? '';
        const result = await api.getPairingStatus(pairingId);
        if (result.id !== pairingId || result.user.name.trim() === '' || result.user.name !== flow.userName) {
          throw new ToopherApiError('The Toopher API answered about another pairing or user.', { endpoint: 'pairings' });
        }
        state = result.pending ? 'pending' : result.enabled ? 'granted' : 'denied';
        // Toopher ends a pairing nobody confirmed as "not enabled", like a refusal: it expired.
        if (state === 'denied' && (this._config.clock() >= flow.expiresAt || saysTimedOut(result.raw))) state = 'expired';
      } else {
        const requestId = flow.requestId ?? '';
        const result = await api.getAuthenticationStatus(requestId);
        if (!answersFlow(result, flow, requestId)) {
          throw new ToopherApiError('The Toopher API answered about another request, user or action.', { endpoint: 'authentication_requests' });
        }
        state = result.pending ? 'pending' : result.granted ? 'granted' : 'denied';
      }
    } catch (err) {
      throw toUnavailable(err);
    }
    if (state !== 'pending') emitFlowEvent(this._config, decisionEvent(state, pairing), flow);
    return state;
  }
}

function decisionEvent(state: 'granted' | 'denied' | 'expired', pairing: boolean): ToopherEventType {
  if (pairing) return state === 'granted' ? 'pairing-completed' : state === 'expired' ? 'pairing-expired' : 'pairing-denied';
  return state === 'granted' ? 'approval-granted' : 'approval-denied';
}
