import { ToopherError } from '../errors.js';
import { Enrollment } from './enrollment.js';
import { emitFlowEvent, type FlowIdentity, type ToopherEventType } from './events.js';
import { createFlow, flowUrl, isPastDeadline, type NewFlow } from './flow.js';
import { FlowRecords } from './flow-records.js';
import { GuardedStore } from './guarded-store.js';
import type { ResolvedToopherConfig } from './options.js';
import { OtpChecker } from './otp-check.js';
import type { RequestLike } from './request-like.js';
import { SessionAccess } from './session-access.js';
import type { FlowRecord } from './session-state.js';
import { ApprovalStarter } from './start-approval.js';
import { StatusChecker } from './status-check.js';
import { getTerminalId } from './terminal-cookie.js';

/**
 * The engine shared by the strategy, the router and the guard: one per
 * configuration. It holds one part per concern, each named for what it does:
 *
 * - `session`: the request's session, Passport's (de)serialize and `req.logIn`;
 * - `records`: the one owner of this package's record in the session;
 * - `approvals`: starting (and re-checking) an approval;
 * - `status`: checking a pending flow's status with Toopher;
 * - `otp`: approving with a one-time password;
 * - `enrollment`: pairing, naming this browser, skipping.
 *
 * The guarded shared-store calls (`GuardedStore`) are handed to the parts
 * that need them and not exposed: adapters reach the store only through
 * `records` (single use) and the parts' own rules (limits, poll slots).
 *
 * Internal; apps use `createToopher` or `ToopherStrategy`.
 */
export class ToopherEngine {
  readonly config: ResolvedToopherConfig;
  readonly session: SessionAccess;
  readonly records: FlowRecords;
  readonly approvals: ApprovalStarter;
  readonly status: StatusChecker;
  readonly otp: OtpChecker;
  readonly enrollment: Enrollment;
  /** The router that serves this engine's pages, once `createToopher` made one (to warn when it is not mounted). */
  pagesRouter: object | undefined;

  constructor(config: ResolvedToopherConfig) {
    this.config = config;
    this.session = new SessionAccess(config);
    const store = new GuardedStore(config);
    this.records = new FlowRecords(config, this.session, store);
    this.approvals = new ApprovalStarter(config, this.session, store);
    this.status = new StatusChecker(config, store, this.records);
    this.otp = new OtpChecker(config, store, this.records);
    this.enrollment = new Enrollment(config, this.records);
  }

  now(): number {
    return this.config.clock();
  }

  emit(type: ToopherEventType, flow: FlowIdentity, extra: { readonly automated?: boolean; readonly reason?: string } = {}): void {
    emitFlowEvent(this.config, type, flow, extra);
  }

  /** A new flow (not stored yet), waiting for approval until `authTimeoutMs` from now. */
  newFlow(init: NewFlow): FlowRecord {
    return createFlow(init, this.config.authTimeoutMs, this.now());
  }

  /** The page a flow is on: pending, pair or terminal naming. */
  urlFor(flow: FlowRecord): string {
    return flowUrl(this.config.basePath, flow);
  }

  /** True when the flow may no longer complete, whatever its last known state. */
  isPastDeadline(flow: FlowRecord): boolean {
    return isPastDeadline(flow, this.config.authTimeoutMs, this.now());
  }

  /** The Toopher user name of `user`, checked. */
  userNameOf(user: unknown): string {
    let name: unknown;
    try {
      name = this.config.userName(user);
    } catch (err) {
      throw new ToopherError('The `userName` option threw while naming the user.', { cause: err, status: 500 });
    }
    if (typeof name !== 'string' || name.trim() === '' || name.length > 255) {
      throw new ToopherError('The `userName` option must return a non-empty string of at most 255 characters.', {
        status: 500,
      });
    }
    return name;
  }

  /** This browser's terminal id (from the signed cookie, or a new one with `Set-Cookie`). */
  terminalIdOf(req: RequestLike): string {
    return getTerminalId(req, this.config.terminalCookie, this.config.secret);
  }
}
