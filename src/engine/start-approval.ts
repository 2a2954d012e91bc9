import type { AuthenticationRequest } from '../api/types.js';
import { PairingDeactivatedError, TerminalUnknownError, ToopherNetworkError, UserDisabledError, UserUnknownError } from '../errors.js';
import { debug } from '../internal/debug.js';
import { assertAnswersFlow } from './answers-flow.js';
import { reportApiFailure } from './diagnostics.js';
import { emitFlowEvent } from './events.js';
import { FLOW_STEP_MS } from './flow.js';
import type { GuardedStore } from './guarded-store.js';
import type { ResolvedToopherConfig } from './options.js';
import { PushRateLimiter } from './rate-limit.js';
import type { RequestLike } from './request-like.js';
import type { SessionAccess } from './session-access.js';
import type { FlowRecord } from './session-state.js';
import { toUnavailable } from './unavailable-error.js';

/** reason_code of a request that sent no push: the user must type a one-time password (toopher-api.md §5). */
const OTP_REQUIRED = 708;

/** What asking Toopher to approve a flow led to. */
export type StartOutcome =
  /** Approved at once (automation, or a valid OTP). */
  | { readonly type: 'granted'; readonly automated: boolean }
  /** The user turned Toopher off (704) and the policy lets them through. */
  | { readonly type: 'opted-out' }
  /** The API is unreachable and `failMode` is `'open'`. */
  | { readonly type: 'fail-open' }
  /** A push was sent; `flow.stage` is `'auth'`. */
  | { readonly type: 'pending' }
  /** The user must pair (705, or 707 with `flow.pairingRemoved`); `flow.stage` is `'pair'`. */
  | { readonly type: 'pair' }
  /** This browser must be named (706); `flow.stage` is `'name'`. */
  | { readonly type: 'name' }
  /**
   * A guarded action of a user with no active pairing (705, or 707): a
   * signed-in session never pairs a new phone, so the action is refused.
   */
  | { readonly type: 'pairing-required'; readonly pairingRemoved: boolean }
  /** Denied at once. */
  | { readonly type: 'denied' }
  /** Too many pushes for this user in the last minute. */
  | { readonly type: 'rate-limited' };

/**
 * Starting an approval: asks Toopher to approve a flow
 * (`authenticateByUserName` with this browser's terminal id), within the
 * user's push limit, and moves the flow to the stage the answer calls for.
 * It changes the flow in memory only; the caller stores it.
 */
export class ApprovalStarter {
  private readonly _config: ResolvedToopherConfig;
  private readonly _session: SessionAccess;
  private readonly _limiter: PushRateLimiter;

  constructor(config: ResolvedToopherConfig, session: SessionAccess, store: GuardedStore) {
    this._config = config;
    this._session = session;
    this._limiter = new PushRateLimiter(config.maxPushesPerMinute, store);
  }

  /** Asks for approval. API failures reject with `ToopherUnavailableError`. */
  async start(req: RequestLike, flow: FlowRecord, reEnabled = false): Promise<StartOutcome> {
    this._session.sessionOf(req);
    const config = this._config;
    // Reserve the push before calling, so parallel requests cannot all pass the check.
    const reservation = await this._limiter.reserve(flow.userName);
    if (reservation === undefined) {
      emitFlowEvent(config, 'rate-limited', flow);
      return { type: 'rate-limited' };
    }
    let request: AuthenticationRequest;
    try {
      request = await config.api.authenticateByUserName(flow.userName, flow.terminalId, flow.actionName, {
        automationAllowed: flow.automationAllowed,
      });
    } catch (err) {
      await this._limiter.release(reservation);
      return this._startFailed(req, flow, err, reEnabled);
    }
    // No push went out (approved or denied at once): give the reservation back.
    if (!request.pending) await this._limiter.release(reservation);
    const now = config.clock();
    assertAnswersFlow(request, flow, 'authentication_requests/initiate');
    if (request.pending) {
      flow.stage = 'auth';
      flow.requestId = request.id;
      const terminalName = request.terminal.name;
      if (terminalName !== '') flow.terminalName = terminalName;
      flow.expiresAt = now + config.authTimeoutMs;
      flow.lastCheckedAt = now;
      flow.lastState = 'pending';
      flow.otpFailures = 0;
      if (request.reasonCode === OTP_REQUIRED) flow.otpRequired = true;
      else delete flow.otpRequired;
      emitFlowEvent(config, 'approval-requested', flow);
      return { type: 'pending' };
    }
    if (request.granted) {
      // A fresh approval: the flow may complete from now on, whatever its earlier deadline.
      flow.expiresAt = now + config.authTimeoutMs;
      flow.lastState = 'granted';
      emitFlowEvent(config, 'approval-granted', flow, { automated: request.automated });
      return { type: 'granted', automated: request.automated };
    }
    flow.lastState = 'denied';
    emitFlowEvent(config, 'approval-denied', flow, { automated: request.automated });
    return { type: 'denied' };
  }

  /**
   * Pairing, skipping and naming a browser act on a 705/706/707 answer that
   * may be minutes old, and the user may have paired (or been paired) since.
   * Asks Toopher again right before acting: the outcome is `'pair'` (or
   * `'name'`) when the step still applies, with the step's deadline kept;
   * any other outcome is a normal sign-in's (a push, an approval, a refusal)
   * and the caller acts on it instead.
   */
  async recheck(req: RequestLike, flow: FlowRecord): Promise<StartOutcome> {
    const expiresAt = flow.expiresAt;
    const outcome = await this.start(req, flow);
    if (outcome.type === 'pair' || outcome.type === 'name') flow.expiresAt = Math.min(expiresAt, flow.expiresAt);
    return outcome;
  }

  private async _startFailed(req: RequestLike, flow: FlowRecord, err: unknown, reEnabled: boolean): Promise<StartOutcome> {
    const config = this._config;
    const now = config.clock();
    if (err instanceof UserDisabledError) {
      if (config.enrollment === 'optional') {
        flow.expiresAt = now + config.authTimeoutMs;
        emitFlowEvent(config, 'opted-out', flow);
        return { type: 'opted-out' };
      }
      if (reEnabled) throw toUnavailable(err);
      debug('user disabled but enrollment is required: re-enabling');
      try {
        await config.api.setToopherEnabledForUser(flow.userName, true);
      } catch (error) {
        throw toUnavailable(error);
      }
      return this.start(req, flow, true);
    }
    if (err instanceof UserUnknownError || err instanceof PairingDeactivatedError) {
      if (err instanceof UserUnknownError && config.enrollment === 'optional' && (await this._optedOut(flow))) {
        flow.expiresAt = now + config.authTimeoutMs;
        emitFlowEvent(config, 'opted-out', flow);
        return { type: 'opted-out' };
      }
      if (flow.kind === 'action') {
        debug('guarded action of a user without an active pairing: refused');
        return { type: 'pairing-required', pairingRemoved: err instanceof PairingDeactivatedError };
      }
      flow.stage = 'pair';
      flow.pairingRemoved = err instanceof PairingDeactivatedError;
      flow.expiresAt = now + FLOW_STEP_MS;
      flow.lastState = 'pending';
      return { type: 'pair' };
    }
    if (err instanceof TerminalUnknownError) {
      flow.stage = 'name';
      flow.expiresAt = now + FLOW_STEP_MS;
      flow.lastState = 'pending';
      return { type: 'name' };
    }
    if (err instanceof ToopherNetworkError && err.unreachable && config.failMode === 'open') {
      flow.expiresAt = now + config.authTimeoutMs;
      emitFlowEvent(config, 'fail-open', flow, { reason: 'unreachable' });
      return { type: 'fail-open' };
    }
    reportApiFailure(config, flow, err, now);
    throw toUnavailable(err);
  }

  /**
   * With optional enrollment a user who chose "Skip" before pairing exists
   * with Toopher turned off; servers may still answer 705 for them.
   */
  private async _optedOut(flow: FlowRecord): Promise<boolean> {
    try {
      const users = await this._config.api.getUsersByName(flow.userName);
      // Only a record of this very user decides: another user's "off" says nothing about ours.
      return users.length === 1 && users[0]?.name === flow.userName && users[0].toopherAuthenticationEnabled === false;
    } catch (err) {
      throw toUnavailable(err);
    }
  }
}
