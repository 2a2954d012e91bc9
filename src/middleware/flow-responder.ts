import type { Request, Response } from 'express';
import { constantTimeEqual } from '../internal/constant-time.js';
import type { StartOutcome } from '../strategy/core.js';
import { FLOW_STEP_MS, type ToopherCore } from '../strategy/core.js';
import {
  putApproval,
  putGrant,
  putPending,
  removePending,
  type FlowRecord,
} from '../strategy/pending-state.js';
import { safeReturnPath, sameOriginPath } from '../strategy/return-url.js';
import { ToopherUnavailableError } from '../strategy/unavailable-error.js';
import { csrfToken } from './csrf.js';
import { GRANT_FIELD, GRANT_TTL_MS, signGrant } from './grant.js';
import { urlWithGrant } from './held-request.js';
import { sendJson, wantsJson, type Pages } from './respond.js';

/** Turns flow outcomes into responses; shared by the router and the guard. */
export class FlowResponder {
  readonly core: ToopherCore;
  readonly pages: Pages;

  constructor(core: ToopherCore, pages: Pages) {
    this.core = core;
    this.pages = pages;
  }

  get basePath(): string {
    return this.core.config.basePath;
  }

  /** True when the flow may be driven by this request: action flows belong to the signed-in user. */
  owns(req: Request, flow: FlowRecord): boolean {
    if (flow.kind === 'login') return true;
    if (req.user === undefined || req.user === null) return false;
    return constantTimeEqual(this.core.userNameOf(req.user), flow.userName);
  }

  /** Unknown, foreign or already used flow id. */
  async unknown(req: Request, res: Response): Promise<void> {
    const s = this.pages.strings;
    await this.pages.result(
      req,
      res,
      401,
      {
        title: s.expiredTitle,
        message: s.sessionExpiredMessage,
        status: 'expired',
        continueUrl: this.core.config.defaultReturnTo,
      },
      { state: 'unknown' },
    );
  }

  /** Stores the flow and sends the browser to its page (or 202 JSON). */
  async park(req: Request, res: Response, flow: FlowRecord): Promise<void> {
    putPending(this.core.stateOf(req, true), flow, this.core.config.maxPending, this.core.now());
    await this.core.save(req);
    const url = this.core.urlFor(flow);
    if (wantsJson(req)) {
      sendJson(res, 202, {
        state: 'pending',
        id: flow.id,
        stage: flow.stage,
        expiresAt: flow.expiresAt,
        pendingUrl: url,
        statusUrl: `${this.basePath}/status/${flow.id}`,
        checkUrl: `${this.basePath}/pending/${flow.id}`,
        csrfToken: csrfToken(this.core, req),
      });
      return;
    }
    res.redirect(303, url);
  }

  /** Acts on what `core.start` answered for a flow that is (or will be) stored. */
  async afterStart(req: Request, res: Response, flow: FlowRecord, outcome: StartOutcome): Promise<void> {
    switch (outcome.type) {
      case 'granted':
      case 'opted-out':
      case 'fail-open':
        await this.complete(req, res, flow);
        return;
      case 'pending':
      case 'pair':
      case 'name':
        await this.park(req, res, flow);
        return;
      case 'pairing-required':
        await this.pairingRequired(req, res, flow, outcome.pairingRemoved);
        return;
      case 'denied':
        await this.failed(req, res, flow, 'denied');
        return;
      case 'rate-limited':
        await this.rateLimited(req, res, flow);
        return;
    }
  }

  /**
   * Ends a flow that will not complete (denied, expired, cancelled, locked,
   * refused): removed from this session and marked ended in the shared
   * store, so no copy of it saved back by a concurrent request can complete.
   */
  async discard(req: Request, flow: FlowRecord): Promise<void> {
    await this.core.endFlow(flow);
    removePending(this.core.stateOf(req, true), flow.id);
    await this.core.save(req);
  }

  /**
   * A guarded action of a user without an active pairing: refused with a
   * clear page. Pairing a new phone needs a fresh sign-in with the first factor.
   */
  async pairingRequired(req: Request, res: Response, flow: FlowRecord, pairingRemoved: boolean): Promise<void> {
    await this.discard(req, flow);
    const m = this.pages.messages;
    await this.pages.result(
      req,
      res,
      403,
      {
        title: m.pairingRequiredTitle,
        message: pairingRemoved ? m.pairingRemovedMessage : m.pairingRequiredMessage,
        status: 'denied',
        continueUrl: this.core.config.defaultReturnTo,
      },
      { state: 'pairing-required' },
    );
  }

  async rateLimited(req: Request, res: Response, flow: FlowRecord | undefined): Promise<void> {
    if (flow) await this.discard(req, flow);
    else await this.core.save(req);
    const m = this.pages.messages;
    res.set('Retry-After', '60');
    await this.pages.result(
      req,
      res,
      429,
      { title: m.rateLimitedTitle, message: m.rateLimitedMessage, status: 'error', continueUrl: this.retryUrl(flow) },
      { state: 'rate-limited' },
    );
  }

  /**
   * Where "Try again" leads after a flow ended badly: the sign-in's
   * `failureRedirect`, the page a guarded action came from, the guarded page
   * itself (GET), else `defaultReturnTo`. Every candidate is checked again
   * here to be a same-origin path.
   */
  retryUrl(flow: FlowRecord | undefined): string {
    const failureRedirect = safeReturnPath(flow?.failureRedirect);
    if (failureRedirect !== undefined) return failureRedirect;
    const heldGet = flow?.kind === 'action' && flow.held?.method === 'GET' ? sameOriginPath(flow.held.url) : undefined;
    return heldGet ?? this.core.config.defaultReturnTo;
  }

  /** A denied or expired flow: nobody is signed in, nothing runs. A failed pairing goes back to the pair page. */
  async failed(req: Request, res: Response, flow: FlowRecord, state: 'denied' | 'expired'): Promise<void> {
    const s = this.pages.strings;
    const status = state === 'denied' ? 403 : 401;
    const title = state === 'denied' ? s.deniedTitle : s.expiredTitle;
    if (flow.stage === 'pairing') {
      flow.stage = 'pair';
      flow.lastState = 'pending';
      flow.expiresAt = this.core.now() + FLOW_STEP_MS;
      delete flow.pairingId;
      delete flow.pairingByQr;
      await this.core.save(req);
      const message = state === 'denied' ? s.pairingDeniedMessage : s.pairingExpiredMessage;
      await this.pages.result(req, res, status, { title, message, status: state, retryUrl: this.core.urlFor(flow) }, { state });
      return;
    }
    await this.discard(req, flow);
    const message =
      state === 'expired' ? s.expiredMessage : flow.kind === 'login' ? s.loginDeniedMessage : s.actionDeniedMessage;
    const retryUrl = this.retryUrl(flow);
    await this.pages.result(req, res, status, { title, message, status: state, retryUrl }, { state });
  }

  /**
   * The flow is approved: a sign-in completes with `req.logIn` (Passport
   * regenerates the session); an action gets a single-use grant and is replayed.
   */
  async complete(req: Request, res: Response, flow: FlowRecord): Promise<void> {
    if (this.core.isPastDeadline(flow)) {
      // However it was approved, too late is too late.
      await this.failed(req, res, flow, 'expired');
      return;
    }
    if (!(await this.core.endFlow(flow))) {
      // Already completed or ended: by another tab or instance, or this is an
      // older copy of the session that a concurrent request saved back. The
      // session is left as it is: saving this request's copy could drop the
      // grant the winner just stored.
      this.core.emit('grant-refused', flow, { reason: 'replayed' });
      await this.unknown(req, res);
      return;
    }
    const state = this.core.stateOf(req, true);
    removePending(state, flow.id);
    if (flow.kind === 'login') {
      await this._completeLogin(req, res, flow);
      return;
    }
    if (!this.owns(req, flow)) {
      await this.core.save(req);
      await this.unknown(req, res);
      return;
    }
    const now = this.core.now();
    // The held URL was checked when it was held; checked again as it comes back from the session store.
    const held = flow.held !== undefined && sameOriginPath(flow.held.url) !== undefined ? flow.held : undefined;
    if (flow.maxAgeMs !== undefined) {
      putApproval(state, flow.actionName, { userName: flow.userName, expiresAt: now + flow.maxAgeMs }, now);
    }
    if (!held) {
      await this.core.save(req);
      res.redirect(303, this.core.config.defaultReturnTo);
      return;
    }
    // The grant takes the flow's id: two racing "check" requests of one flow
    // (two tabs) then issue the same grant, which can be used only once.
    const grant = {
      id: flow.id,
      actionName: flow.actionName,
      userName: flow.userName,
      digest: held.digest,
      expiresAt: now + GRANT_TTL_MS,
    };
    putGrant(state, grant, now);
    await this.core.save(req);
    const token = signGrant(this.core.config.secret, { ...grant, sessionId: this.core.sessionIdOf(req) });
    if (wantsJson(req)) {
      sendJson(res, 200, { state: 'granted', grant: token, method: held.method, url: held.url });
      return;
    }
    if (held.method === 'GET' || held.method === 'HEAD') {
      res.redirect(303, urlWithGrant(held.url, token));
      return;
    }
    if (held.json || held.method !== 'POST') {
      const m = this.pages.messages;
      await this.pages.result(req, res, 415, {
        title: m.badRequestTitle,
        message: m.unsupportedRequestMessage,
        status: 'error',
        continueUrl: this.core.config.defaultReturnTo,
      });
      return;
    }
    await this.pages.send(res, 200, 'replay', { action: held.url, fields: [...held.fields, [GRANT_FIELD, token]] });
  }

  private async _completeLogin(req: Request, res: Response, flow: FlowRecord): Promise<void> {
    await this.core.save(req);
    const user = await this.core.deserializeUser(req, flow.user);
    if (user === undefined || user === null || user === false) {
      const s = this.pages.strings;
      await this.pages.result(req, res, 401, {
        title: s.expiredTitle,
        message: this.pages.messages.accountUnavailableMessage,
        status: 'expired',
        retryUrl: this.retryUrl(flow),
      });
      return;
    }
    await this.core.logIn(req, user);
    // Checked again here: the record comes back from the session store.
    const target = safeReturnPath(flow.successRedirect) ?? this.core.config.defaultReturnTo;
    if (wantsJson(req)) {
      sendJson(res, 200, { state: 'granted', redirect: target });
      return;
    }
    res.redirect(303, target);
  }

  /** An upstream fault: a clear 502/503 page or JSON, never a sign-in or an action. */
  async unavailable(req: Request, res: Response, err: ToopherUnavailableError, retryUrl?: string): Promise<void> {
    const m = this.pages.messages;
    await this.pages.result(
      req,
      res,
      err.status ?? 503,
      {
        title: m.unavailableTitle,
        message: m.unavailableMessage,
        status: 'error',
        retryUrl: retryUrl ?? this.core.config.defaultReturnTo,
      },
      { state: 'error' },
    );
  }
}
