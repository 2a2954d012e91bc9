import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { ToopherError } from '../errors.js';
import { debug } from '../internal/debug.js';
import type { ToopherCore } from '../strategy/core.js';
import { findPending, type FlowRecord, type FlowState } from '../strategy/pending-state.js';
import { ToopherUnavailableError } from '../strategy/unavailable-error.js';
import { clientScript, noScriptRefreshSeconds, stylesheet, suggestTerminalName } from '../views/index.js';
import { csrfToken, hasValidCsrf } from './csrf.js';
import type { FlowResponder } from './flow-responder.js';
import { serveIframeRelay } from './iframe-relay.js';
import { sendJson, wantsJson } from './respond.js';

type Handler = (req: Request, res: Response) => Promise<void>;

const MAX_PHRASE = 200;
const MAX_TERMINAL_NAME = 100;
const MAX_OTP = 32;

function wrap(fn: Handler): RequestHandler {
  return (req, res, next) => {
    fn(req, res).catch(next);
  };
}

/** A string form field, trimmed; undefined when absent, not a string or longer than `max`. */
function formField(req: Request, name: string, max: number): string | undefined {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value.length > max) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined;
  return value.trim();
}

/**
 * The router mounted with `app.use(toopher)`: the pending, pair and
 * terminal pages, the status JSON, the QR image and the two static assets,
 * all below `basePath`. Body parsers and CSRF checks apply to these routes only.
 */
export function createToopherRouter(flows: FlowResponder): Router {
  const core: ToopherCore = flows.core;
  const pages = flows.pages;
  const base = core.config.basePath;
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });
  const nonStore: RequestHandler = (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  };

  router.get(`${base}/assets/toopher.css`, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600');
    res.set('X-Content-Type-Options', 'nosniff');
    res.type('css').send(stylesheet);
  });
  router.get(`${base}/assets/toopher.js`, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600');
    res.set('X-Content-Type-Options', 'nosniff');
    res.type('js').send(clientScript);
  });
  // The hosted iframe flow's relay script (see iframe-relay.ts).
  router.get(`${base}/assets/toopher-iframe.js`, serveIframeRelay);

  /** The flow named by `:id` if this request may drive it; otherwise answers "unknown" and returns undefined. */
  async function load(req: Request, res: Response): Promise<FlowRecord | undefined> {
    const flow = findPending(core.stateOf(req), req.params['id']);
    if (flow && flows.owns(req, flow)) return flow;
    await flows.unknown(req, res);
    return undefined;
  }

  /** Ends flows past their deadline; true when it answered. */
  async function endIfExpired(req: Request, res: Response, flow: FlowRecord): Promise<boolean> {
    if (flow.lastState === 'pending' && core.now() < flow.expiresAt) return false;
    const state = await core.refresh(req, flow);
    if (state === 'pending') return false;
    if (state === 'granted') return false;
    await flows.failed(req, res, flow, state);
    return true;
  }

  /** Checks CSRF on a POST; answers 403 when it is missing or wrong. */
  async function csrfOk(req: Request, res: Response): Promise<boolean> {
    if (hasValidCsrf(core, req)) return true;
    const m = pages.messages;
    await pages.refuse(req, res, 403, { title: m.forbiddenTitle, message: m.csrfMessage }, { state: 'forbidden' });
    return false;
  }

  async function renderPending(
    req: Request,
    res: Response,
    flow: FlowRecord,
    status = 200,
    otpError?: string,
    state: 'pending' | 'decided' | 'offline' = 'pending',
  ): Promise<void> {
    const id = flow.id;
    await pages.send(res, status, 'pending', {
      csrfToken: csrfToken(core, req),
      kind: flow.stage === 'pairing' ? 'pairing' : flow.kind,
      id,
      statusUrl: `${base}/status/${id}`,
      checkAction: `${base}/pending/${id}`,
      cancelAction: `${base}/pending/${id}/cancel`,
      ...(flow.stage === 'auth' ? { otpAction: `${base}/pending/${id}/otp` } : {}),
      ...(flow.stage === 'auth' && flow.otpRequired === true ? { otpOnly: true } : {}),
      ...(otpError === undefined ? {} : { otpError }),
      ...(flow.terminalName === undefined ? {} : { terminalName: flow.terminalName }),
      ...(flow.stage === 'pairing' ? {} : { actionName: flow.actionName }),
      ...(flow.stage === 'pairing' && flow.pairingByQr === true ? { qrImageUrl: `${base}/qr/${id}` } : {}),
      expiresAt: flow.expiresAt,
      now: core.now(),
      refreshSeconds: noScriptRefreshSeconds(core.config.pollIntervalMs),
      pollIntervalMs: core.config.pollIntervalMs,
      state,
    });
  }

  /**
   * "Skip" (optional enrollment) turns Toopher off for the user, so it is
   * offered only at sign-in to a user who never paired (705): never after a
   * pairing was removed (707), never from a guarded action.
   */
  function maySkip(flow: FlowRecord): boolean {
    return core.config.enrollment === 'optional' && flow.kind === 'login' && flow.pairingRemoved !== true;
  }

  /** Pairing is part of signing in only: a signed-in session never pairs a new phone. True when it answered. */
  async function refusePairingOfAction(req: Request, res: Response, flow: FlowRecord): Promise<boolean> {
    if (flow.kind === 'login') return false;
    await flows.pairingRequired(req, res, flow, flow.pairingRemoved === true);
    return true;
  }

  async function renderPair(req: Request, res: Response, flow: FlowRecord, status = 200, error?: string, phrase?: string): Promise<void> {
    const id = flow.id;
    await pages.send(res, status, 'pair', {
      csrfToken: csrfToken(core, req),
      action: `${base}/pair/${id}`,
      qrAction: `${base}/pair/${id}/qr`,
      ...(maySkip(flow) ? { skipAction: `${base}/pair/${id}/skip` } : {}),
      ...(flow.pairingRemoved === true ? { notice: pages.strings.pairingDeactivatedNotice } : {}),
      ...(error === undefined ? {} : { error }),
      ...(phrase === undefined ? {} : { pairingPhrase: phrase }),
    });
  }

  async function renderName(req: Request, res: Response, flow: FlowRecord, status = 200, error?: string, value?: string): Promise<void> {
    await pages.send(res, status, 'nameTerminal', {
      csrfToken: csrfToken(core, req),
      action: `${base}/terminal/${flow.id}`,
      suggestedName: suggestTerminalName(req.get('user-agent')),
      ...(error === undefined ? {} : { error }),
      ...(value === undefined ? {} : { value }),
    });
  }

  /** Sends the browser to the page of the flow's current stage when it is not `stage`. */
  /**
   * The flow behind a pair or terminal page, or undefined when an answer was
   * already sent instead: unknown id, flow at another stage, a guarded action
   * asking to pair (never allowed), or expired.
   */
  async function openStep(req: Request, res: Response, stage: 'pair' | 'name'): Promise<FlowRecord | undefined> {
    const flow = await load(req, res);
    if (!flow || elsewhere(res, flow, stage)) return undefined;
    if (stage === 'pair' && (await refusePairingOfAction(req, res, flow))) return undefined;
    if (await endIfExpired(req, res, flow)) return undefined;
    return flow;
  }

  /**
   * Asks Toopher again whether the flow's step (pairing, or naming this
   * browser) still applies, right before acting on it. True when it does;
   * otherwise the flow continues as a normal sign-in (a push, an approval or
   * a refusal) and the answer has been sent.
   */
  async function stillApplies(req: Request, res: Response, flow: FlowRecord, step: 'pair' | 'name'): Promise<boolean> {
    const outcome = await core.recheck(req, flow);
    if (outcome.type === step) return true;
    debug('the %s step no longer applies: Toopher answered %s', step, outcome.type);
    await flows.afterStart(req, res, flow, outcome);
    return false;
  }

  function elsewhere(res: Response, flow: FlowRecord, ...stages: FlowRecord['stage'][]): boolean {
    if (stages.includes(flow.stage)) return false;
    res.redirect(303, core.urlFor(flow));
    return true;
  }

  // ------------------------------------------------------------- pending

  // The page reloads itself without JavaScript, so it checks the answer like the status
  // endpoint (throttled per record). A GET never completes anything: once decided it shows
  // the check form, whose POST (with CSRF) signs in, continues a pairing or replays the action.
  router.get(`${base}/pending/:id`, nonStore, wrap(async (req, res) => {
    const flow = await load(req, res);
    if (!flow || elsewhere(res, flow, 'auth', 'pairing')) return;
    if (flow.stage === 'pairing' && (await refusePairingOfAction(req, res, flow))) return;
    let state: FlowState;
    try {
      state = await core.refresh(req, flow);
    } catch (err) {
      if (!(err instanceof ToopherUnavailableError)) throw err;
      await renderPending(req, res, flow, err.status ?? 503, undefined, 'offline');
      return;
    }
    if (state === 'denied' || state === 'expired') {
      await flows.failed(req, res, flow, state);
      return;
    }
    await renderPending(req, res, flow, 200, undefined, state === 'granted' ? 'decided' : 'pending');
  }));

  router.post(`${base}/pending/:id`, nonStore, form, wrap(async (req, res) => {
    if (!(await csrfOk(req, res))) return;
    const flow = await load(req, res);
    if (!flow || elsewhere(res, flow, 'auth', 'pairing')) return;
    if (flow.stage === 'pairing' && (await refusePairingOfAction(req, res, flow))) return;
    const state = await core.refresh(req, flow);
    if (state === 'pending') {
      if (wantsJson(req)) sendJson(res, 202, { state, expiresAt: flow.expiresAt });
      else res.redirect(303, core.urlFor(flow));
      return;
    }
    if (state === 'granted') {
      if (flow.stage === 'pairing') {
        await flows.afterStart(req, res, flow, await core.start(req, flow));
        return;
      }
      await flows.complete(req, res, flow);
      return;
    }
    await flows.failed(req, res, flow, state);
  }));

  router.post(`${base}/pending/:id/otp`, nonStore, form, wrap(async (req, res) => {
    if (!(await csrfOk(req, res))) return;
    const flow = await load(req, res);
    if (!flow || elsewhere(res, flow, 'auth')) return;
    if (await endIfExpired(req, res, flow)) return;
    const result = await core.tryOtp(req, flow, formField(req, 'otp', MAX_OTP) ?? '');
    if (result === 'granted') {
      await flows.complete(req, res, flow);
      return;
    }
    const s = pages.strings;
    if (result === 'locked') {
      await flows.discard(req, flow);
      await pages.result(req, res, 403, {
        title: s.deniedTitle,
        message: s.otpTooManyAttempts,
        status: 'denied',
        retryUrl: flows.retryUrl(flow),
      }, { state: 'denied' });
      return;
    }
    await core.save(req);
    if (wantsJson(req)) sendJson(res, 401, { state: 'pending', message: s.otpInvalid });
    else await renderPending(req, res, flow, 401, s.otpInvalid);
  }));

  router.post(`${base}/pending/:id/cancel`, nonStore, form, wrap(async (req, res) => {
    if (!(await csrfOk(req, res))) return;
    const flow = await load(req, res);
    if (!flow) return;
    await flows.discard(req, flow);
    core.emit('approval-cancelled', flow);
    const s = pages.strings;
    await pages.result(req, res, 200, {
      title: s.cancelledTitle,
      message: s.cancelledMessage,
      status: 'info',
      continueUrl: flows.retryUrl(flow),
    }, { state: 'cancelled' });
  }));

  // -------------------------------------------------------------- status

  router.get(`${base}/status/:id`, nonStore, wrap(async (req, res) => {
    const flow = findPending(core.stateOf(req), req.params['id']);
    const s = pages.strings;
    if (!flow || !flows.owns(req, flow)) {
      sendJson(res, 401, { state: 'unknown', message: s.sessionExpiredMessage });
      return;
    }
    let state;
    try {
      state = await core.refresh(req, flow);
    } catch (err) {
      if (!(err instanceof ToopherUnavailableError)) throw err;
      sendJson(res, err.status ?? 503, { state: 'error', message: pages.messages.unavailableMessage });
      return;
    }
    switch (state) {
      case 'pending':
        sendJson(res, 202, { state, expiresAt: flow.expiresAt });
        return;
      case 'granted':
        sendJson(res, 200, { state });
        return;
      case 'denied':
        sendJson(res, 403, {
          state,
          message:
            flow.stage === 'pairing'
              ? s.pairingDeniedMessage
              : flow.kind === 'login'
                ? s.loginDeniedMessage
                : s.actionDeniedMessage,
        });
        return;
      case 'expired':
        sendJson(res, 401, { state, message: flow.stage === 'pairing' ? s.pairingExpiredMessage : s.expiredMessage });
        return;
    }
  }));

  // ---------------------------------------------------------------- pair

  router.get(`${base}/pair/:id`, nonStore, wrap(async (req, res) => {
    const flow = await openStep(req, res, 'pair');
    if (!flow) return;
    await renderPair(req, res, flow);
  }));

  router.post(`${base}/pair/:id`, nonStore, form, wrap(async (req, res) => {
    if (!(await csrfOk(req, res))) return;
    const flow = await openStep(req, res, 'pair');
    if (!flow) return;
    const phrase = formField(req, 'pairing_phrase', MAX_PHRASE);
    if (phrase === undefined || phrase === '') {
      await renderPair(req, res, flow, 400, pages.strings.pairingPhraseRequired);
      return;
    }
    if (!(await stillApplies(req, res, flow, 'pair'))) return;
    await afterPairing(req, res, flow, await core.startPairing(flow, phrase), phrase);
  }));

  router.post(`${base}/pair/:id/qr`, nonStore, form, wrap(async (req, res) => {
    if (!(await csrfOk(req, res))) return;
    const flow = await openStep(req, res, 'pair');
    if (!flow) return;
    if (!(await stillApplies(req, res, flow, 'pair'))) return;
    await afterPairing(req, res, flow, await core.startPairing(flow, undefined), undefined);
  }));

  async function afterPairing(
    req: Request,
    res: Response,
    flow: FlowRecord,
    result: 'pending' | 'granted' | 'rejected',
    phrase: string | undefined,
  ): Promise<void> {
    if (result === 'rejected') {
      await core.save(req);
      await renderPair(req, res, flow, 400, pages.strings.pairingPhraseRejected, phrase);
      return;
    }
    if (result === 'granted') {
      await flows.afterStart(req, res, flow, await core.start(req, flow));
      return;
    }
    await flows.park(req, res, flow);
  }

  router.post(`${base}/pair/:id/skip`, nonStore, form, wrap(async (req, res) => {
    if (core.config.enrollment !== 'optional') {
      await flows.unknown(req, res);
      return;
    }
    if (!(await csrfOk(req, res))) return;
    const flow = await load(req, res);
    if (!flow || elsewhere(res, flow, 'pair')) return;
    if (await refusePairingOfAction(req, res, flow)) return;
    if (!maySkip(flow)) {
      const m = pages.messages;
      await pages.result(req, res, 403, {
        title: m.forbiddenTitle,
        message: m.skipNotAllowedMessage,
        status: 'error',
        retryUrl: core.urlFor(flow),
      }, { state: 'forbidden' });
      return;
    }
    if (await endIfExpired(req, res, flow)) return;
    if (!(await stillApplies(req, res, flow, 'pair'))) return;
    if (!maySkip(flow)) {
      // Toopher now says the old pairing was removed (707): never skipped.
      await renderPair(req, res, flow, 409);
      return;
    }
    await core.skipEnrollment(flow);
    await flows.complete(req, res, flow);
  }));

  router.get(`${base}/qr/:id`, nonStore, wrap(async (req, res) => {
    const flow = findPending(core.stateOf(req), req.params['id']);
    if (!flow || !flows.owns(req, flow) || flow.stage !== 'pairing' || flow.pairingByQr !== true) {
      res.status(404).type('text').send('Not Found');
      return;
    }
    const png = await core.qrImage(flow);
    res.type('png').send(png);
  }));

  // ------------------------------------------------------------ terminal

  router.get(`${base}/terminal/:id`, nonStore, wrap(async (req, res) => {
    const flow = await openStep(req, res, 'name');
    if (!flow) return;
    await renderName(req, res, flow);
  }));

  router.post(`${base}/terminal/:id`, nonStore, form, wrap(async (req, res) => {
    if (!(await csrfOk(req, res))) return;
    const flow = await openStep(req, res, 'name');
    if (!flow) return;
    const name = formField(req, 'terminal_name', MAX_TERMINAL_NAME);
    if (name === undefined || name === '') {
      await renderName(req, res, flow, 400, pages.strings.terminalNameRequired, name);
      return;
    }
    if (!(await stillApplies(req, res, flow, 'name'))) return;
    await core.nameTerminal(flow, name);
    await flows.afterStart(req, res, flow, await core.start(req, flow));
  }));

  // -------------------------------------------------------------- errors

  router.use(`${base}`, (err: unknown, req: Request, res: Response, next: NextFunction) => {
    handleRouteError(flows, err, req, res, next);
  });

  return router;
}

interface BodyParserError {
  readonly type?: unknown;
  readonly status?: unknown;
}

/** Our routes' faults as pages: upstream → 502/503, bad input → 4xx; anything else goes to the app. */
export function handleRouteError(flows: FlowResponder, err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(err);
    return;
  }
  const pages = flows.pages;
  const m = pages.messages;
  const reply = (promise: Promise<void>): void => {
    promise.catch(next);
  };
  if (err instanceof ToopherUnavailableError) {
    debug('upstream fault: %s', err.cause instanceof Error ? err.cause.name : 'unknown');
    reply(flows.unavailable(req, res, err));
    return;
  }
  const parserError = err as BodyParserError;
  const status = typeof parserError.status === 'number' ? parserError.status : undefined;
  if (typeof parserError.type === 'string' && status !== undefined && status >= 400 && status < 500) {
    reply(
      pages.result(req, res, status, {
        title: m.badRequestTitle,
        message: status === 413 ? m.requestTooLargeMessage : m.badRequestMessage,
        status: 'error',
        continueUrl: flows.core.config.defaultReturnTo,
      }),
    );
    return;
  }
  if (err instanceof ToopherError && err.status !== undefined && err.status >= 400 && err.status < 500) {
    reply(
      pages.result(req, res, err.status, {
        title: m.badRequestTitle,
        message: m.badRequestMessage,
        status: 'error',
        continueUrl: flows.core.config.defaultReturnTo,
      }),
    );
    return;
  }
  next(err);
}
