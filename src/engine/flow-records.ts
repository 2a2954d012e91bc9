import { randomToken } from '../internal/random.js';
import type { GuardedStore } from './guarded-store.js';
import type { ResolvedToopherConfig } from './options.js';
import type { RequestLike } from './request-like.js';
import type { SessionAccess } from './session-access.js';
import {
  findPending,
  hasApproval,
  putApproval,
  putGrant,
  putPending,
  removePending,
  takeGrant,
  type ApprovalRecord,
  type FlowRecord,
  type GrantRecord,
} from './session-state.js';

/**
 * The one owner of this package's record in the session: pending flows,
 * grants, remembered approvals and the CSRF token. Routes, the guard and the
 * strategy find, put, remove and commit through it and never edit the record
 * themselves.
 *
 * It also keeps the rule that a stale concurrent save cannot bring a flow
 * back: a flow that ends (completed or discarded) is first marked ended in
 * the shared store, for longer than any copy of its record can live, and
 * only the request that set that mark may complete it. A request that loses
 * the race writes nothing: saving its copy of the session could drop the
 * grant the winner just stored.
 */
export class FlowRecords {
  private readonly _config: Pick<ResolvedToopherConfig, 'maxPending' | 'clock'>;
  private readonly _session: SessionAccess;
  private readonly _store: GuardedStore;

  constructor(config: Pick<ResolvedToopherConfig, 'maxPending' | 'clock'>, session: SessionAccess, store: GuardedStore) {
    this._config = config;
    this._session = session;
    this._store = store;
  }

  /** The flow with this id in the session, or undefined for a malformed or unknown id. */
  find(req: RequestLike, id: unknown): FlowRecord | undefined {
    return findPending(this._session.read(req), id);
  }

  /** Stores a new or changed flow (the oldest beyond `maxPending` are dropped) and saves the session. */
  async park(req: RequestLike, flow: FlowRecord): Promise<void> {
    putPending(this._session.read(req, true), flow, this._config.maxPending, this._config.clock());
    await this.commit(req);
  }

  /** Saves the session now (after a change to a record found here), so another instance sees it. */
  commit(req: RequestLike): Promise<void> {
    return this._session.save(req);
  }

  /**
   * Ends a flow that will not complete (denied, expired, cancelled, locked,
   * refused): marked ended in the shared store, removed from this session,
   * and the session saved, so no copy of it saved back by a concurrent
   * request can complete.
   */
  async discard(req: RequestLike, flow: FlowRecord): Promise<void> {
    await this._store.endFlow(flow.id);
    removePending(this._session.read(req, true), flow.id);
    await this.commit(req);
  }

  /**
   * Ends a flow for good in the shared store, leaving the session as it is.
   * True only for the first request: the one that may complete it. For steps
   * that must win the flow before they change anything upstream ("Skip").
   */
  end(flow: FlowRecord): Promise<boolean> {
    return this._store.endFlow(flow.id);
  }

  /**
   * Claims the one completion of an approved flow (`ended`: the caller
   * already won `end`). True: the flow is ended for good and taken out of
   * this session (the caller commits, after adding what the completion
   * grants). False: another tab or instance completed or ended it, or this is
   * an older copy of the session that a concurrent request saved back; the
   * session is left as it is and must not be saved.
   */
  async claimCompletion(req: RequestLike, flow: FlowRecord, ended = false): Promise<boolean> {
    if (!ended && !(await this.end(flow))) return false;
    removePending(this._session.read(req, true), flow.id);
    return true;
  }

  /** Stores a single-use grant for an approved action and saves the session. */
  async issueGrant(req: RequestLike, grant: GrantRecord): Promise<void> {
    putGrant(this._session.read(req, true), grant, this._config.clock());
    await this.commit(req);
  }

  /**
   * Uses the grant with this id: taken out of the session and, since the
   * session copy may be stale (another tab or instance may be using it right
   * now), claimed in the shared store. True only for the one request that
   * may run the action; the session is then saved.
   */
  async useGrant(req: RequestLike, grantId: string): Promise<boolean> {
    const now = this._config.clock();
    const grant = takeGrant(this._session.read(req, true), grantId);
    if (grant === undefined || grant.expiresAt <= now) return false;
    if (!(await this._store.claimGrant(grant.id, grant.expiresAt))) return false;
    await this.commit(req);
    return true;
  }

  /** Remembers an approval of `actionName` (`maxAgeMs`); saved with the next commit. */
  rememberApproval(req: RequestLike, actionName: string, approval: ApprovalRecord): void {
    putApproval(this._session.read(req, true), actionName, approval, this._config.clock());
  }

  /** True when a remembered approval of `actionName` by `userName` is still valid. */
  hasApproval(req: RequestLike, actionName: string, userName: string): boolean {
    return hasApproval(this._session.read(req, true), actionName, userName, this._config.clock());
  }

  /** The session's CSRF token (synchronizer pattern), created on first use. */
  csrfToken(req: RequestLike): string {
    const state = this._session.read(req, true);
    state.csrf ??= randomToken(32);
    return state.csrf;
  }

  /** The session's CSRF token if it has one (never creates it). */
  existingCsrfToken(req: RequestLike): string | undefined {
    return this._session.read(req)?.csrf;
  }
}
