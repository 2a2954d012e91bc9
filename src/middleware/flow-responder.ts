import type { Request, Response } from 'express';
import { constantTimeEqual } from '../internal/constant-time.js';
import { answerOutcome, type ApprovedOutcome, type RefusedOutcome } from '../engine/answer-outcome.js';
import type { ToopherEngine } from '../engine/engine.js';
import { safeReturnPath, sameOriginPath } from '../engine/return-url.js';
import type { FlowRecord } from '../engine/session-state.js';
import type { StartOutcome } from '../engine/start-approval.js';
import type { ToopherUnavailableError } from '../engine/unavailable-error.js';
import { sendJson, wantsJson, type Pages } from './respond.js';

/** Turns flow outcomes into pages and JSON; shared by the router and the guard. */
export class FlowResponder {
  readonly engine: ToopherEngine;
  readonly pages: Pages;

  constructor(engine: ToopherEngine, pages: Pages) {
    this.engine = engine;
    this.pages = pages;
  }

  get basePath(): string {
    return this.engine.config.basePath;
  }

  /** True when the flow may be driven by this request: action flows belong to the signed-in user. */
  owns(req: Request, flow: FlowRecord): boolean {
    if (flow.kind === 'login') return true;
    if (req.user === undefined || req.user === null) return false;
    return constantTimeEqual(this.engine.userNameOf(req.user), flow.userName);
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
        continueUrl: this.engine.config.defaultReturnTo,
      },
      { state: 'unknown' },
    );
  }

  /** A flow another request already completed or ended: refused as unknown, and the session left as it is. */
  async replayed(req: Request, res: Response, flow: FlowRecord): Promise<void> {
    this.engine.emit('grant-refused', flow, { reason: 'replayed' });
    await this.unknown(req, res);
  }

  /**
   * Answers what `approvals.start` said about a flow. `approved` is the one
   * thing callers differ in: the pages complete the flow (sign in, or replay
   * the action with a grant); the guard lets the held request run at once.
   */
  settle(
    req: Request,
    res: Response,
    flow: FlowRecord,
    outcome: StartOutcome,
    approved: (outcome: ApprovedOutcome) => Promise<void>,
  ): Promise<void> {
    return answerOutcome(outcome, {
      approved,
      waiting: () => this.park(req, res, flow),
      refused: (refusal) => this._refused(req, res, flow, refusal),
    });
  }

  /** Stores the flow and sends the browser to its page (or 202 JSON). */
  async park(req: Request, res: Response, flow: FlowRecord): Promise<void> {
    await this.engine.records.park(req, flow);
    const url = this.engine.urlFor(flow);
    if (wantsJson(req)) {
      sendJson(res, 202, {
        state: 'pending',
        id: flow.id,
        stage: flow.stage,
        expiresAt: flow.expiresAt,
        pendingUrl: url,
        statusUrl: `${this.basePath}/status/${flow.id}`,
        checkUrl: `${this.basePath}/pending/${flow.id}`,
        csrfToken: this.engine.records.csrfToken(req),
      });
      return;
    }
    res.redirect(303, url);
  }

  private _refused(req: Request, res: Response, flow: FlowRecord, outcome: RefusedOutcome): Promise<void> {
    switch (outcome.type) {
      case 'pairing-required':
        return this.pairingRequired(req, res, flow, outcome.pairingRemoved);
      case 'denied':
        return this.failed(req, res, flow, 'denied');
      case 'rate-limited':
        return this.rateLimited(req, res, flow);
    }
  }

  /**
   * A guarded action of a user without an active pairing: refused with a
   * clear page. Pairing a new phone needs a fresh sign-in with the first factor.
   */
  async pairingRequired(req: Request, res: Response, flow: FlowRecord, pairingRemoved: boolean): Promise<void> {
    await this.engine.records.discard(req, flow);
    const m = this.pages.messages;
    await this.pages.result(
      req,
      res,
      403,
      {
        title: m.pairingRequiredTitle,
        message: pairingRemoved ? m.pairingRemovedMessage : m.pairingRequiredMessage,
        status: 'denied',
        continueUrl: this.engine.config.defaultReturnTo,
      },
      { state: 'pairing-required' },
    );
  }

  /** Too many pushes for the user: the flow ends, and the page says to wait a minute. */
  async rateLimited(req: Request, res: Response, flow: FlowRecord): Promise<void> {
    await this.engine.records.discard(req, flow);
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
    return heldGet ?? this.engine.config.defaultReturnTo;
  }

  /** A denied or expired flow: nobody is signed in, nothing runs. A failed pairing goes back to the pair page. */
  async failed(req: Request, res: Response, flow: FlowRecord, state: 'denied' | 'expired'): Promise<void> {
    const s = this.pages.strings;
    const status = state === 'denied' ? 403 : 401;
    const title = state === 'denied' ? s.deniedTitle : s.expiredTitle;
    if (flow.stage === 'pairing') {
      await this.engine.enrollment.restartPairing(req, flow);
      const message = state === 'denied' ? s.pairingDeniedMessage : s.pairingExpiredMessage;
      await this.pages.result(req, res, status, { title, message, status: state, retryUrl: this.engine.urlFor(flow) }, { state });
      return;
    }
    await this.engine.records.discard(req, flow);
    const message =
      state === 'expired' ? s.expiredMessage : flow.kind === 'login' ? s.loginDeniedMessage : s.actionDeniedMessage;
    const retryUrl = this.retryUrl(flow);
    await this.pages.result(req, res, status, { title, message, status: state, retryUrl }, { state });
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
        retryUrl: retryUrl ?? this.engine.config.defaultReturnTo,
      },
      { state: 'error' },
    );
  }
}
