import express, { type Request, type RequestHandler, type Response } from 'express';
import type { ToopherEngine } from '../../engine/engine.js';
import type { FlowRecord } from '../../engine/session-state.js';
import { debug } from '../../internal/debug.js';
import { continueFlow } from '../complete-flow.js';
import { hasValidCsrf } from '../csrf.js';
import type { FlowResponder } from '../flow-responder.js';
import type { Pages } from '../respond.js';

type Handler = (req: Request, res: Response) => Promise<void>;

/** An async route handler whose rejection goes to `next` (the same on Express 4 and 5). */
export function wrap(fn: Handler): RequestHandler {
  return (req, res, next) => {
    fn(req, res).catch(next);
  };
}

/** A string form field, trimmed; undefined when absent, not a string or longer than `max`. */
export function formField(req: Request, name: string, max: number): string | undefined {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value.length > max) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined;
  return value.trim();
}

/**
 * What every route group of the router shares: the engine, the responder,
 * the middleware for our routes (form parser, `no-store`), and the checks
 * each route makes before it acts on a flow.
 */
export class RouteContext {
  readonly engine: ToopherEngine;
  readonly flows: FlowResponder;
  readonly pages: Pages;
  readonly base: string;
  /** Body parser for our forms only. */
  readonly form: RequestHandler = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });
  readonly noStore: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };

  constructor(flows: FlowResponder) {
    this.engine = flows.engine;
    this.flows = flows;
    this.pages = flows.pages;
    this.base = flows.engine.config.basePath;
  }

  /** The flow named by `:id` if this request may drive it, or undefined. */
  find(req: Request): FlowRecord | undefined {
    const flow = this.engine.records.find(req, req.params['id']);
    return flow && this.flows.owns(req, flow) ? flow : undefined;
  }

  /** The flow named by `:id` if this request may drive it; otherwise answers "unknown" and returns undefined. */
  async load(req: Request, res: Response): Promise<FlowRecord | undefined> {
    const flow = this.find(req);
    if (flow) return flow;
    await this.flows.unknown(req, res);
    return undefined;
  }

  /** Checks CSRF on a POST; answers 403 when it is missing or wrong. */
  async csrfOk(req: Request, res: Response): Promise<boolean> {
    if (hasValidCsrf(this.engine, req)) return true;
    const m = this.pages.messages;
    await this.pages.refuse(req, res, 403, { title: m.forbiddenTitle, message: m.csrfMessage }, { state: 'forbidden' });
    return false;
  }

  /** Sends the browser to the page of the flow's current stage when it is none of `stages`; true when it did. */
  elsewhere(res: Response, flow: FlowRecord, ...stages: FlowRecord['stage'][]): boolean {
    if (stages.includes(flow.stage)) return false;
    res.redirect(303, this.engine.urlFor(flow));
    return true;
  }

  /** Ends flows past their deadline; true when it answered. */
  async endIfExpired(req: Request, res: Response, flow: FlowRecord): Promise<boolean> {
    if (flow.lastState === 'pending' && this.engine.now() < flow.expiresAt) return false;
    const state = await this.engine.status.refresh(req, flow);
    if (state === 'pending' || state === 'granted') return false;
    await this.flows.failed(req, res, flow, state);
    return true;
  }

  /** Pairing is part of signing in only: a signed-in session never pairs a new phone. True when it answered. */
  async refusePairingOfAction(req: Request, res: Response, flow: FlowRecord): Promise<boolean> {
    if (flow.kind === 'login') return false;
    await this.flows.pairingRequired(req, res, flow, flow.pairingRemoved === true);
    return true;
  }

  /**
   * The flow behind a pair or terminal page, or undefined when an answer was
   * already sent instead: unknown id, flow at another stage, a guarded action
   * asking to pair (never allowed), or expired.
   */
  async openStep(req: Request, res: Response, stage: 'pair' | 'name'): Promise<FlowRecord | undefined> {
    const flow = await this.load(req, res);
    if (!flow || this.elsewhere(res, flow, stage)) return undefined;
    if (stage === 'pair' && (await this.refusePairingOfAction(req, res, flow))) return undefined;
    if (await this.endIfExpired(req, res, flow)) return undefined;
    return flow;
  }

  /**
   * Asks Toopher again whether the flow's step (pairing, or naming this
   * browser) still applies, right before acting on it. True when it does;
   * otherwise the flow continues as a normal sign-in (a push, an approval or
   * a refusal) and the answer has been sent.
   */
  async stillApplies(req: Request, res: Response, flow: FlowRecord, step: 'pair' | 'name'): Promise<boolean> {
    const outcome = await this.engine.approvals.recheck(req, flow);
    if (outcome.type === step) return true;
    debug('the %s step no longer applies: Toopher answered %s', step, outcome.type);
    await continueFlow(this.flows, req, res, flow, outcome);
    return false;
  }
}
