import type { AuthenticationRequest } from '../api/types.js';
import {
  PairingDeactivatedError,
  TerminalUnknownError,
  ToopherApiError,
  ToopherError,
  ToopherNetworkError,
  UserDisabledError,
  UserUnknownError,
} from '../errors.js';
import { debug } from '../internal/debug.js';
import { reportApiFailure } from './diagnostics.js';
import { emitEvent, type ToopherEventType } from './events.js';
import type { ResolvedToopherConfig } from './options.js';
import {
  createFlowId,
  getSessionState,
  type FlowRecord,
  type FlowState,
  type HeldRequest,
  type SessionBag,
  type ToopherSessionState,
} from './pending-state.js';
import { PushRateLimiter } from './rate-limit.js';
import { saveSession, type PassportLike, type RequestLike, type SessionLike } from './request.js';
import { sharedStoreKey } from './shared-store.js';
import { getTerminalId } from './terminal-cookie.js';
import { ToopherUnavailableError } from './unavailable-error.js';

/** reason_code of a request that sent no push: the user must type a one-time password (toopher-api.md §5). */
const OTP_REQUIRED = 708;

/** How long a user may take on the pair or terminal-naming page. */
export const FLOW_STEP_MS = 10 * 60_000;
/** Wrong one-time passwords are counted per user over this window (at most `maxOtpAttempts` in it). */
export const OTP_WINDOW_MS = 15 * 60_000;
/** Upper bound of `ToopherCore.completionGraceMs`. */
export const MAX_COMPLETION_GRACE_MS = 30_000;

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

/** Fields of a new flow. */
export interface NewFlow {
  readonly kind: 'login' | 'action';
  readonly userName: string;
  readonly user?: unknown;
  readonly actionName: string;
  readonly automationAllowed: boolean;
  readonly terminalId: string;
  readonly successRedirect?: string | undefined;
  readonly failureRedirect?: string | undefined;
  readonly held?: HeldRequest | undefined;
  readonly maxAgeMs?: number | undefined;
}

const OTP_PATTERN = /^[0-9]{6,8}$/;
/** Most status checks shared between concurrent polls at once; past it, polls only rely on the store's claim. */
const MAX_IN_FLIGHT = 10_000;

/** One upstream status check, shared by every concurrent poll of the same request in this process. */
interface InFlightCheck {
  readonly state: Promise<FlowState>;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
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

/** Any API failure becomes a `ToopherUnavailableError` (fail closed); other errors pass unchanged. */
export function toUnavailable(err: unknown): Error {
  return err instanceof ToopherApiError ? new ToopherUnavailableError(err) : asError(err);
}

/**
 * The shared engine of the strategy, the router and the guard: it talks to
 * the Toopher API, keeps flow records in the session, counts pushes and
 * emits events. Internal; apps use `createToopher` or `ToopherStrategy`.
 */
export class ToopherCore {
  readonly config: ResolvedToopherConfig;
  private readonly _limiter: PushRateLimiter;
  /** Upstream status checks under way, keyed by the shared-store poll key. */
  private readonly _inFlight = new Map<string, InFlightCheck>();
  /** The validated session state per request object, so it is read from the session and validated once per request. */
  private readonly _states = new WeakMap<RequestLike, ToopherSessionState>();

  constructor(config: ResolvedToopherConfig) {
    this.config = config;
    this._limiter = new PushRateLimiter(config.maxPushesPerMinute, this);
  }

  now(): number {
    return this.config.clock();
  }

  /**
   * How long after its deadline a decided flow may still complete: the last
   * poll saw the approval just before `expiresAt` and the browser is on its
   * way. At most 30 s (a third of `authTimeoutMs` when that is shorter).
   */
  get completionGraceMs(): number {
    return Math.min(MAX_COMPLETION_GRACE_MS, Math.ceil(this.config.authTimeoutMs / 3));
  }

  /** True when the flow may no longer complete, whatever its last known state. */
  isPastDeadline(flow: FlowRecord): boolean {
    return this.now() > flow.expiresAt + this.completionGraceMs;
  }

  emit(
    type: ToopherEventType,
    flow: { readonly userName: string; readonly actionName: string; readonly kind: 'login' | 'action' },
    extra: { readonly automated?: boolean; readonly reason?: string } = {},
  ): void {
    emitEvent(this.config.onEvent, {
      type,
      userName: flow.userName,
      action: flow.actionName,
      kind: flow.kind,
      at: this.now(),
      ...extra,
    });
  }

  /**
   * Calls the shared `store`; a rejection or a malformed answer becomes a
   * 503 `ToopherError` (fail closed: nothing is granted on a store fault).
   */
  private async _storeCall<T>(what: string, call: () => Promise<T>, valid: (value: unknown) => boolean): Promise<T> {
    let value: T;
    try {
      value = await call();
    } catch (err) {
      throw new ToopherError(`The \`store\` option's \`${what}\` failed, so nothing was done. Check the shared store (e.g. Redis).`, {
        cause: err,
        status: 503,
      });
    }
    if (!valid(value)) {
      throw new ToopherError(`The \`store\` option's \`${what}\` answered with a wrong type, so nothing was done.`, { status: 503 });
    }
    return value;
  }

  /**
   * Marks a grant used, across every instance sharing `store`. True only the
   * first time, so a grant runs its action once.
   */
  claimGrant(grantId: string, expiresAt: number): Promise<boolean> {
    const store = this.config.store;
    const ttlMs = Math.max(1, Math.ceil(expiresAt - this.now()));
    const key = sharedStoreKey('grant', grantId);
    return this._storeCall('setIfAbsent', () => store.setIfAbsent(key, ttlMs), (v) => typeof v === 'boolean');
  }

  /**
   * How long any copy of a flow record, in any session write, can still lead
   * to a completion: the longest a step can wait, plus a full approval wait
   * started from it, plus the completion grace and a margin.
   */
  get flowLifeMs(): number {
    const config = this.config;
    return Math.max(config.pairingTimeoutMs, FLOW_STEP_MS) + config.authTimeoutMs + this.completionGraceMs + 60_000;
  }

  /**
   * Ends a flow for good, across every instance sharing `store`. True only
   * for the first call: the one request allowed to complete the flow (sign
   * in, or mint its grant). The mark outlives every copy of the record, so a
   * concurrent request that saves an older copy of the session back cannot
   * make the flow complete again, however long `authTimeoutMs` is.
   */
  endFlow(flow: FlowRecord): Promise<boolean> {
    const store = this.config.store;
    const key = sharedStoreKey('end', flow.id);
    return this._storeCall('setIfAbsent', () => store.setIfAbsent(key, this.flowLifeMs), (v) => typeof v === 'boolean');
  }

  /** Adds one to a shared counter and returns its value. */
  countInStore(key: string, windowMs: number): Promise<number> {
    const store = this.config.store;
    const ttlMs = Math.max(1, Math.ceil(windowMs));
    return this._storeCall('increment', () => store.increment(key, ttlMs), (v) => typeof v === 'number' && !Number.isNaN(v));
  }

  /**
   * Gives one back to a shared counter when the store can. Best effort: a
   * failure only leaves the count one too high (stricter, never looser).
   */
  async uncountInStore(key: string): Promise<void> {
    const store = this.config.store;
    if (store.decrement === undefined) return;
    try {
      await store.decrement(key);
    } catch (err) {
      debug('store decrement failed: %s', err instanceof Error ? err.name : typeof err);
    }
  }

  /** The session, or an error naming express-session. */
  sessionOf(req: RequestLike): SessionLike {
    const session = req.session;
    if (session === undefined || session === null) {
      throw new ToopherError(
        'passport-toopher needs `req.session`: mount express-session (`app.use(session({ ... }))`) before Passport and the Toopher router.',
        { status: 500 },
      );
    }
    const methods = session as unknown as { save?: unknown; regenerate?: unknown };
    if (typeof methods.save !== 'function' || typeof methods.regenerate !== 'function') {
      // A cookie-held session (cookie-session) could be replayed by the browser, defeating single use.
      throw new ToopherError(
        'passport-toopher needs a server-side session with `save()` and `regenerate()`: use express-session (with any store), not a cookie-held session.',
        { status: 500 },
      );
    }
    return session;
  }

  /** This package's state in the session (validated; created when `create`). */
  stateOf(req: RequestLike, create: true): ToopherSessionState;
  stateOf(req: RequestLike, create?: boolean): ToopherSessionState | undefined;
  stateOf(req: RequestLike, create = false): ToopherSessionState | undefined {
    const cached = this._states.get(req);
    // Still the object in the session (nothing replaced or regenerated it): already validated for this request.
    if (cached !== undefined && (req.session as unknown as SessionBag | undefined)?.[this.config.sessionKey] === cached) return cached;
    const state = getSessionState(this.sessionOf(req) as unknown as SessionBag, this.config.sessionKey, create);
    if (state !== undefined) this._states.set(req, state);
    return state;
  }

  /** The session id (express-session's `req.sessionID`). */
  sessionIdOf(req: RequestLike): string {
    return req.sessionID ?? this.sessionOf(req).id;
  }

  /** Saves the session now, so another instance sharing the store sees the change. */
  save(req: RequestLike): Promise<void> {
    return saveSession(this.sessionOf(req));
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

  newFlow(init: NewFlow): FlowRecord {
    const now = this.now();
    const flow: FlowRecord = {
      id: createFlowId(),
      kind: init.kind,
      stage: 'auth',
      userName: init.userName,
      actionName: init.actionName,
      automationAllowed: init.automationAllowed,
      terminalId: init.terminalId,
      createdAt: now,
      expiresAt: now + this.config.authTimeoutMs,
      lastCheckedAt: 0,
      lastState: 'pending',
      otpFailures: 0,
    };
    if (init.user !== undefined) flow.user = init.user;
    if (init.successRedirect !== undefined) flow.successRedirect = init.successRedirect;
    if (init.failureRedirect !== undefined) flow.failureRedirect = init.failureRedirect;
    if (init.held !== undefined) flow.held = init.held;
    if (init.maxAgeMs !== undefined && init.maxAgeMs > 0) flow.maxAgeMs = init.maxAgeMs;
    return flow;
  }

  /** The page a flow is on: pending, pair or terminal naming. */
  urlFor(flow: FlowRecord): string {
    const page = flow.stage === 'pair' ? 'pair' : flow.stage === 'name' ? 'terminal' : 'pending';
    return `${this.config.basePath}/${page}/${flow.id}`;
  }

  private _passport(req: RequestLike): PassportLike {
    const candidate = this.config.passport ?? req._passport?.instance;
    if (
      typeof candidate === 'object' &&
      candidate !== null &&
      typeof (candidate as Partial<PassportLike>).serializeUser === 'function' &&
      typeof (candidate as Partial<PassportLike>).deserializeUser === 'function'
    ) {
      return candidate as PassportLike;
    }
    throw new ToopherError(
      'passport-toopher needs Passport to hold a sign-in while it waits for approval: pass `passport` to createToopher({ passport }) (or to ToopherStrategy), or mount `app.use(passport.initialize())`.',
      { status: 500 },
    );
  }

  /** The user as Passport's `serializeUser` stores it. */
  serializeUser(req: RequestLike, user: unknown): Promise<unknown> {
    const passport = this._passport(req);
    return new Promise((resolve, reject) => {
      passport.serializeUser(user, req, (err, serialized) => (err ? reject(asError(err)) : resolve(serialized)));
    });
  }

  /** The user back from Passport's `deserializeUser`; undefined/false when it no longer exists. */
  deserializeUser(req: RequestLike, serialized: unknown): Promise<unknown> {
    const passport = this._passport(req);
    return new Promise((resolve, reject) => {
      passport.deserializeUser(serialized, req, (err, user) => (err ? reject(asError(err)) : resolve(user)));
    });
  }

  /**
   * Signs `user` in with Passport's `req.logIn`, which regenerates the
   * session (and saves it) before resolving. `keepSessionInfo` is Passport's
   * option of that name.
   */
  async logIn(req: RequestLike, user: unknown, options: { readonly keepSessionInfo?: boolean } = {}): Promise<void> {
    const logIn = (req as unknown as { logIn?: unknown }).logIn;
    if (typeof logIn !== 'function') {
      throw new ToopherError(
        'passport-toopher completes sign-ins with `req.logIn`: mount `app.use(passport.session())` (or `passport.initialize()`) before the Toopher router.',
        { status: 500 },
      );
    }
    const logInOptions = options.keepSessionInfo === true ? { keepSessionInfo: true } : {};
    await new Promise<void>((resolve, reject) => {
      const done = (err: unknown): void => (err ? reject(asError(err)) : resolve());
      (logIn as (user: unknown, options: object, callback: (err: unknown) => void) => void).call(req, user, logInOptions, done);
    });
  }

  /**
   * True unless Toopher's answer is exactly about this flow: the request id
   * we asked about (when we asked about one), and the flow's user and action
   * by name. A blank name matches nothing. User and action names are not
   * secrets, so `===` is enough (no constant-time compare).
   */
  private _answersFlow(request: AuthenticationRequest, flow: FlowRecord, requestedId?: string): boolean {
    if (requestedId !== undefined && request.id !== requestedId) return false;
    const userName = request.user.name;
    const actionName = request.action.name;
    return userName.trim() !== '' && userName === flow.userName && actionName.trim() !== '' && actionName === flow.actionName;
  }

  /** Fails closed (`ToopherUnavailableError`) on an answer about another request, user or action. */
  private _assertAnswersFlow(request: AuthenticationRequest, flow: FlowRecord, endpoint: string, requestedId?: string): void {
    if (!this._answersFlow(request, flow, requestedId)) {
      throw toUnavailable(new ToopherApiError('The Toopher API answered about another request, user or action.', { endpoint }));
    }
  }

  /**
   * Asks Toopher to approve the flow (`authenticateByUserName` with this
   * browser's terminal id) and moves the flow to the stage the answer calls
   * for. API failures reject with `ToopherUnavailableError`.
   */
  async start(req: RequestLike, flow: FlowRecord, reEnabled = false): Promise<StartOutcome> {
    this.sessionOf(req);
    // Reserve the push before calling, so parallel requests cannot all pass the check.
    const reservation = await this._limiter.reserve(flow.userName);
    if (reservation === undefined) {
      this.emit('rate-limited', flow);
      return { type: 'rate-limited' };
    }
    let request: AuthenticationRequest;
    try {
      request = await this.config.api.authenticateByUserName(flow.userName, flow.terminalId, flow.actionName, {
        automationAllowed: flow.automationAllowed,
      });
    } catch (err) {
      await this._limiter.release(reservation);
      return this._startFailed(req, flow, err, reEnabled);
    }
    // No push went out (approved or denied at once): give the reservation back.
    if (!request.pending) await this._limiter.release(reservation);
    const now = this.now();
    this._assertAnswersFlow(request, flow, 'authentication_requests/initiate');
    if (request.pending) {
      flow.stage = 'auth';
      flow.requestId = request.id;
      const terminalName = request.terminal.name;
      if (terminalName !== '') flow.terminalName = terminalName;
      flow.expiresAt = now + this.config.authTimeoutMs;
      flow.lastCheckedAt = now;
      flow.lastState = 'pending';
      flow.otpFailures = 0;
      if (request.reasonCode === OTP_REQUIRED) flow.otpRequired = true;
      else delete flow.otpRequired;
      this.emit('approval-requested', flow);
      return { type: 'pending' };
    }
    if (request.granted) {
      // A fresh approval: the flow may complete from now on, whatever its earlier deadline.
      flow.expiresAt = now + this.config.authTimeoutMs;
      flow.lastState = 'granted';
      this.emit('approval-granted', flow, { automated: request.automated });
      return { type: 'granted', automated: request.automated };
    }
    flow.lastState = 'denied';
    this.emit('approval-denied', flow, { automated: request.automated });
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
    const now = this.now();
    if (err instanceof UserDisabledError) {
      if (this.config.enrollment === 'optional') {
        flow.expiresAt = now + this.config.authTimeoutMs;
        this.emit('opted-out', flow);
        return { type: 'opted-out' };
      }
      if (reEnabled) throw toUnavailable(err);
      debug('user disabled but enrollment is required: re-enabling');
      try {
        await this.config.api.setToopherEnabledForUser(flow.userName, true);
      } catch (error) {
        throw toUnavailable(error);
      }
      return this.start(req, flow, true);
    }
    if (err instanceof UserUnknownError || err instanceof PairingDeactivatedError) {
      if (err instanceof UserUnknownError && this.config.enrollment === 'optional' && (await this._optedOut(flow))) {
        flow.expiresAt = now + this.config.authTimeoutMs;
        this.emit('opted-out', flow);
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
    if (err instanceof ToopherNetworkError && err.unreachable && this.config.failMode === 'open') {
      flow.expiresAt = now + this.config.authTimeoutMs;
      this.emit('fail-open', flow, { reason: 'unreachable' });
      return { type: 'fail-open' };
    }
    reportApiFailure(this.config, flow, err, now);
    throw toUnavailable(err);
  }

  /**
   * With optional enrollment a user who chose "Skip" before pairing exists
   * with Toopher turned off; servers may still answer 705 for them.
   */
  private async _optedOut(flow: FlowRecord): Promise<boolean> {
    try {
      const users = await this.config.api.getUsersByName(flow.userName);
      return users.length === 1 && users[0]?.toopherAuthenticationEnabled === false;
    } catch (err) {
      throw toUnavailable(err);
    }
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
    const now = this.now();
    const pairing = flow.stage === 'pairing';
    if (flow.lastState === 'granted' && !pairing && this.isPastDeadline(flow)) {
      // An approval nobody collected in time is void: it never signs in or runs anything.
      flow.lastState = 'expired';
      this.emit('approval-expired', flow);
      return 'expired';
    }
    if (flow.lastState !== 'pending') return flow.lastState;
    if (now >= flow.expiresAt) {
      flow.lastState = 'expired';
      this.emit(pairing ? 'pairing-expired' : 'approval-expired', flow);
      return 'expired';
    }
    if (flow.stage !== 'auth' && !pairing) return 'pending';
    const intervalMs = this.config.pollIntervalMs;
    if (now - flow.lastCheckedAt < intervalMs) return 'pending';
    const key = sharedStoreKey('poll', pairing ? 'pairing' : 'auth', (pairing ? flow.pairingId : flow.requestId) ?? '');
    let check = this._inFlight.get(key);
    if (check === undefined) {
      // The slot is claimed before anything else, so two polls arriving together cannot both pass.
      if (intervalMs > 0) {
        const store = this.config.store;
        const claimed = await this._storeCall('setIfAbsent', () => store.setIfAbsent(key, intervalMs), (v) => typeof v === 'boolean');
        if (!claimed) {
          // Another tab or instance is asking (or just asked): this one answers from the last known state.
          const joined = this._inFlight.get(key);
          if (joined === undefined) return 'pending';
          check = joined;
        }
      }
      if (check === undefined) {
        flow.lastCheckedAt = now;
        await this.save(req);
        const started: InFlightCheck = { state: this._checkUpstream(flow, pairing) };
        check = started;
        if (this._inFlight.size < MAX_IN_FLIGHT) {
          this._inFlight.set(key, started);
          const forget = (): void => {
            if (this._inFlight.get(key) === started) this._inFlight.delete(key);
          };
          started.state.then(forget, forget);
        }
      }
    }
    flow.lastCheckedAt = Math.max(flow.lastCheckedAt, now);
    const state = await check.state;
    if (state !== 'pending') flow.lastState = state;
    await this.save(req);
    return state;
  }

  /** Asks Toopher once for the flow's request (or pairing) and emits the event of a decision. */
  private async _checkUpstream(flow: FlowRecord, pairing: boolean): Promise<FlowState> {
    let state: FlowState;
    try {
      if (pairing) {
        const pairingId = flow.pairingId ?? '';
        const result = await this.config.api.getPairingStatus(pairingId);
        if (result.id !== pairingId || result.user.name.trim() === '' || result.user.name !== flow.userName) {
          throw new ToopherApiError('The Toopher API answered about another pairing or user.', { endpoint: 'pairings' });
        }
        state = result.pending ? 'pending' : result.enabled ? 'granted' : 'denied';
        // Toopher ends a pairing nobody confirmed as "not enabled", like a refusal: it expired.
        if (state === 'denied' && (this.now() >= flow.expiresAt || saysTimedOut(result.raw))) state = 'expired';
      } else {
        const requestId = flow.requestId ?? '';
        const result = await this.config.api.getAuthenticationStatus(requestId);
        if (!this._answersFlow(result, flow, requestId)) {
          throw new ToopherApiError('The Toopher API answered about another request, user or action.', { endpoint: 'authentication_requests' });
        }
        state = result.pending ? 'pending' : result.granted ? 'granted' : 'denied';
      }
    } catch (err) {
      throw toUnavailable(err);
    }
    if (state !== 'pending') {
      const type: ToopherEventType = pairing
        ? state === 'granted'
          ? 'pairing-completed'
          : state === 'expired'
            ? 'pairing-expired'
            : 'pairing-denied'
        : state === 'granted'
          ? 'approval-granted'
          : 'approval-denied';
      this.emit(type, flow);
    }
    return state;
  }

  /**
   * Checks a one-time password. Each attempt is its own Toopher request
   * (`initiate` with `otp`), so a wrong one does not cancel the push on the
   * phone. Every attempt is counted before Toopher is asked, in the flow
   * record and in the shared store per user name (across all of the user's
   * flows, tabs and instances, for `OTP_WINDOW_MS`), so parallel guesses see
   * each other; a correct one is given back. After `maxOtpAttempts` wrong
   * ones in the window the answer is `'locked'`.
   */
  async tryOtp(req: RequestLike, flow: FlowRecord, otp: string): Promise<'granted' | 'wrong' | 'locked'> {
    const max = this.config.maxOtpAttempts;
    if (flow.otpFailures >= max) return 'locked';
    flow.otpFailures += 1;
    await this.save(req);
    const key = sharedStoreKey('otp', flow.userName);
    const attempts = await this.countInStore(key, OTP_WINDOW_MS);
    if (attempts > max) {
      await this.uncountInStore(key);
      flow.otpFailures = max;
      this.emit('otp-locked', flow);
      return 'locked';
    }
    const value = otp.trim();
    let granted = false;
    if (OTP_PATTERN.test(value)) {
      let request: AuthenticationRequest;
      try {
        request = await this.config.api.authenticateByUserName(flow.userName, flow.terminalId, flow.actionName, {
          otp: value,
          automationAllowed: false,
        });
      } catch (err) {
        throw toUnavailable(err);
      }
      this._assertAnswersFlow(request, flow, 'authentication_requests/initiate');
      granted = !request.pending && request.granted;
    }
    if (granted) {
      // Only wrong guesses count against the user.
      await this.uncountInStore(key);
      flow.lastState = 'granted';
      this.emit('approval-granted', flow, { reason: 'otp' });
      return 'granted';
    }
    this.emit('otp-failed', flow);
    if (attempts >= max) {
      flow.otpFailures = max;
      this.emit('otp-locked', flow);
      return 'locked';
    }
    return 'wrong';
  }

  /**
   * Starts pairing the flow's user with a phrase from the app (or a QR code
   * when `phrase` is undefined). `'rejected'` means Toopher refused the phrase.
   */
  async startPairing(flow: FlowRecord, phrase: string | undefined): Promise<'pending' | 'granted' | 'rejected'> {
    let pairing;
    try {
      pairing =
        phrase === undefined
          ? await this.config.api.pairQr(flow.userName)
          : await this.config.api.pair(phrase, flow.userName);
    } catch (err) {
      const status = err instanceof ToopherApiError ? err.status : undefined;
      if (phrase !== undefined && (status === 400 || status === 404 || status === 409)) return 'rejected';
      throw toUnavailable(err);
    }
    const now = this.now();
    flow.pairingId = pairing.id;
    flow.pairingByQr = phrase === undefined;
    this.emit('pairing-started', flow, { reason: phrase === undefined ? 'qr' : 'phrase' });
    if (!pairing.pending && pairing.enabled) {
      this.emit('pairing-completed', flow);
      return 'granted';
    }
    flow.stage = 'pairing';
    flow.expiresAt = now + this.config.pairingTimeoutMs;
    flow.lastCheckedAt = now;
    flow.lastState = 'pending';
    return 'pending';
  }

  /** PNG of the QR code of the flow's pairing. */
  async qrImage(flow: FlowRecord): Promise<Buffer> {
    try {
      return await this.config.api.getQrCodeImage(flow.pairingId ?? '');
    } catch (err) {
      throw toUnavailable(err);
    }
  }

  /** Names this browser for the flow's user (after 706). */
  async nameTerminal(flow: FlowRecord, terminalName: string): Promise<void> {
    try {
      await this.config.api.createUserTerminal(flow.userName, terminalName, flow.terminalId);
    } catch (err) {
      throw toUnavailable(err);
    }
    flow.terminalName = terminalName;
    this.emit('terminal-named', flow);
  }

  /** Optional enrollment: turns Toopher off for the flow's user (creating the user if needed). */
  async skipEnrollment(flow: FlowRecord): Promise<void> {
    try {
      const users = await this.config.api.getUsersByName(flow.userName);
      if (users.length === 0) await this.config.api.createUser(flow.userName);
      await this.config.api.setToopherEnabledForUser(flow.userName, false);
    } catch (err) {
      throw toUnavailable(err);
    }
    this.emit('enrollment-skipped', flow);
  }
}
