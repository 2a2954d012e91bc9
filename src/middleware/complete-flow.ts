import type { Request, Response } from 'express';
import { safeReturnPath, sameOriginPath } from '../engine/return-url.js';
import type { FlowRecord } from '../engine/session-state.js';
import type { StartOutcome } from '../engine/start-approval.js';
import type { FlowResponder } from './flow-responder.js';
import { GRANT_FIELD, GRANT_TTL_MS, signGrant } from './grant.js';
import { urlWithGrant } from './held-request.js';
import { sendJson, wantsJson } from './respond.js';

/** Answers what `approvals.start` said about a flow the pages drive: approved means completed. */
export function continueFlow(flows: FlowResponder, req: Request, res: Response, flow: FlowRecord, outcome: StartOutcome): Promise<void> {
  return flows.settle(req, res, flow, outcome, () => completeFlow(flows, req, res, flow));
}

/**
 * Completes an approved flow, once: a sign-in with `req.logIn` (Passport
 * regenerates the session), a guarded action with a single-use grant and a
 * replay of the held request. Only the request that wins the flow's
 * completion claim writes the session; `ended` says this request already
 * won it (`records.end`).
 */
export async function completeFlow(flows: FlowResponder, req: Request, res: Response, flow: FlowRecord, ended = false): Promise<void> {
  const engine = flows.engine;
  if (engine.isPastDeadline(flow)) {
    // However it was approved, too late is too late.
    await flows.failed(req, res, flow, 'expired');
    return;
  }
  if (!(await engine.records.claimCompletion(req, flow, ended))) {
    // Already completed or ended: by another tab or instance, or this is an
    // older copy of the session that a concurrent request saved back. The
    // session is left as it is: saving this request's copy could drop the
    // grant the winner just stored.
    await flows.replayed(req, res, flow);
    return;
  }
  if (flow.kind === 'login') {
    await completeLogin(flows, req, res, flow);
    return;
  }
  if (!flows.owns(req, flow)) {
    await engine.records.commit(req);
    await flows.unknown(req, res);
    return;
  }
  await completeAction(flows, req, res, flow);
}

async function completeLogin(flows: FlowResponder, req: Request, res: Response, flow: FlowRecord): Promise<void> {
  const engine = flows.engine;
  await engine.records.commit(req);
  const user = await engine.session.deserializeUser(req, flow.user);
  if (user === undefined || user === null || user === false) {
    const s = flows.pages.strings;
    await flows.pages.result(req, res, 401, {
      title: s.expiredTitle,
      message: flows.pages.messages.accountUnavailableMessage,
      status: 'expired',
      retryUrl: flows.retryUrl(flow),
    });
    return;
  }
  await engine.session.logIn(req, user);
  // Checked again here: the record comes back from the session store.
  const target = safeReturnPath(flow.successRedirect) ?? engine.config.defaultReturnTo;
  if (wantsJson(req)) {
    sendJson(res, 200, { state: 'granted', redirect: target });
    return;
  }
  res.redirect(303, target);
}

async function completeAction(flows: FlowResponder, req: Request, res: Response, flow: FlowRecord): Promise<void> {
  const engine = flows.engine;
  const records = engine.records;
  const now = engine.now();
  // The held URL was checked when it was held; checked again as it comes back from the session store.
  const held = flow.held !== undefined && sameOriginPath(flow.held.url) !== undefined ? flow.held : undefined;
  if (flow.maxAgeMs !== undefined) {
    records.rememberApproval(req, flow.actionName, { userName: flow.userName, expiresAt: now + flow.maxAgeMs });
  }
  if (!held) {
    await records.commit(req);
    res.redirect(303, engine.config.defaultReturnTo);
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
  await records.issueGrant(req, grant);
  const token = signGrant(engine.config.secret, { ...grant, sessionId: engine.session.sessionIdOf(req) });
  if (wantsJson(req)) {
    sendJson(res, 200, { state: 'granted', grant: token, method: held.method, url: held.url });
    return;
  }
  if (held.method === 'GET' || held.method === 'HEAD') {
    res.redirect(303, urlWithGrant(held.url, token));
    return;
  }
  if (held.json || held.method !== 'POST') {
    const m = flows.pages.messages;
    await flows.pages.result(req, res, 415, {
      title: m.badRequestTitle,
      message: m.unsupportedRequestMessage,
      status: 'error',
      continueUrl: engine.config.defaultReturnTo,
    });
    return;
  }
  await flows.pages.send(res, 200, 'replay', { action: held.url, fields: [...held.fields, [GRANT_FIELD, token]] });
}
