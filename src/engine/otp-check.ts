import type { AuthenticationRequest } from '../api/types.js';
import { assertAnswersFlow } from './answers-flow.js';
import { emitFlowEvent } from './events.js';
import type { FlowRecords } from './flow-records.js';
import type { GuardedStore } from './guarded-store.js';
import type { ResolvedToopherConfig } from './options.js';
import type { RequestLike } from './request-like.js';
import type { FlowRecord } from './session-state.js';
import { sharedStoreKey } from './shared-store.js';
import { toUnavailable } from './unavailable-error.js';

/** Wrong one-time passwords are counted per user over this window (at most `maxOtpAttempts` in it). */
export const OTP_WINDOW_MS = 15 * 60_000;

const OTP_PATTERN = /^[0-9]{6,8}$/;

/** Approving a pending flow with a one-time password from the Toopher app instead of the push. */
export class OtpChecker {
  private readonly _config: ResolvedToopherConfig;
  private readonly _store: GuardedStore;
  private readonly _records: FlowRecords;

  constructor(config: ResolvedToopherConfig, store: GuardedStore, records: FlowRecords) {
    this._config = config;
    this._store = store;
    this._records = records;
  }

  /**
   * Checks a one-time password. Each attempt is its own Toopher request
   * (`initiate` with `otp`), so a wrong one does not cancel the push on the
   * phone. Every attempt is counted before Toopher is asked, in the flow
   * record and in the shared store per user name (across all of the user's
   * flows, tabs and instances, for `OTP_WINDOW_MS`), so parallel guesses see
   * each other; a correct one is given back. After `maxOtpAttempts` wrong
   * ones in the window the answer is `'locked'`. A wrong one is saved in the
   * session before this resolves.
   */
  async tryOtp(req: RequestLike, flow: FlowRecord, otp: string): Promise<'granted' | 'wrong' | 'locked'> {
    const config = this._config;
    const max = config.maxOtpAttempts;
    if (flow.otpFailures >= max) return 'locked';
    flow.otpFailures += 1;
    await this._records.commit(req);
    const key = sharedStoreKey('otp', flow.userName);
    const attempts = await this._store.count(key, OTP_WINDOW_MS);
    if (attempts > max) {
      await this._store.uncount(key);
      flow.otpFailures = max;
      emitFlowEvent(config, 'otp-locked', flow);
      return 'locked';
    }
    const value = otp.trim();
    let granted = false;
    if (OTP_PATTERN.test(value)) {
      let request: AuthenticationRequest;
      try {
        request = await config.api.authenticateByUserName(flow.userName, flow.terminalId, flow.actionName, {
          otp: value,
          automationAllowed: false,
        });
      } catch (err) {
        throw toUnavailable(err);
      }
      assertAnswersFlow(request, flow, 'authentication_requests/initiate');
      granted = !request.pending && request.granted;
    }
    if (granted) {
      // Only wrong guesses count against the user.
      await this._store.uncount(key);
      flow.lastState = 'granted';
      emitFlowEvent(config, 'approval-granted', flow, { reason: 'otp' });
      return 'granted';
    }
    emitFlowEvent(config, 'otp-failed', flow);
    if (attempts >= max) {
      flow.otpFailures = max;
      emitFlowEvent(config, 'otp-locked', flow);
      return 'locked';
    }
    await this._records.commit(req);
    return 'wrong';
  }
}
