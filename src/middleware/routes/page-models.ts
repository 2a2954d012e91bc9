import type { Request } from 'express';
import type { FlowRecord } from '../../engine/session-state.js';
import { noScriptRefreshSeconds, suggestTerminalName } from '../../views/index.js';
import { csrfToken } from '../csrf.js';
import type { PageModels } from '../respond.js';
import type { RouteContext } from './route-context.js';

/** What the pending page shows: waiting for the phone, decided (check form), or Toopher offline. */
export type PendingPageState = 'pending' | 'decided' | 'offline';

/** The pending page of a flow waiting for approval or for a pairing. */
export function pendingPageModel(
  ctx: RouteContext,
  req: Request,
  flow: FlowRecord,
  state: PendingPageState = 'pending',
  otpError?: string,
): PageModels['pending'] {
  const { base, engine } = ctx;
  const id = flow.id;
  return {
    csrfToken: csrfToken(engine, req),
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
    now: engine.now(),
    refreshSeconds: noScriptRefreshSeconds(engine.config.pollIntervalMs),
    pollIntervalMs: engine.config.pollIntervalMs,
    state,
  };
}

/** The pair page: a phrase form, a QR button, and "Skip" when enrollment is optional. */
export function pairPageModel(ctx: RouteContext, req: Request, flow: FlowRecord, error?: string, phrase?: string): PageModels['pair'] {
  const { base, engine } = ctx;
  const id = flow.id;
  return {
    csrfToken: csrfToken(engine, req),
    action: `${base}/pair/${id}`,
    qrAction: `${base}/pair/${id}/qr`,
    ...(engine.enrollment.maySkip(flow) ? { skipAction: `${base}/pair/${id}/skip` } : {}),
    ...(flow.pairingRemoved === true ? { notice: ctx.pages.strings.pairingDeactivatedNotice } : {}),
    ...(error === undefined ? {} : { error }),
    ...(phrase === undefined ? {} : { pairingPhrase: phrase }),
  };
}

/** The page that names this browser as a terminal, with a name suggested from its user agent. */
export function nameTerminalPageModel(ctx: RouteContext, req: Request, flow: FlowRecord, error?: string, value?: string): PageModels['nameTerminal'] {
  return {
    csrfToken: csrfToken(ctx.engine, req),
    action: `${ctx.base}/terminal/${flow.id}`,
    suggestedName: suggestTerminalName(req.get('user-agent')),
    ...(error === undefined ? {} : { error }),
    ...(value === undefined ? {} : { value }),
  };
}
