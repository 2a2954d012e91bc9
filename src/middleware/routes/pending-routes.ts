import type { Router } from 'express';
import type { FlowState } from '../../engine/session-state.js';
import { ToopherUnavailableError } from '../../engine/unavailable-error.js';
import { completeFlow, continueFlow } from '../complete-flow.js';
import { sendJson, wantsJson } from '../respond.js';
import { pendingPageModel } from './page-models.js';
import { formField, wrap, type RouteContext } from './route-context.js';

const MAX_OTP = 32;

/**
 * The pending page of a flow waiting for the phone (or for a pairing), its
 * check form, the one-time-password form and Cancel.
 */
export function mountPendingRoutes(router: Router, ctx: RouteContext): void {
  const { base, engine, flows, pages, form, noStore } = ctx;

  // The page reloads itself without JavaScript, so it checks the answer like the status
  // endpoint (throttled per record). A GET never completes anything: once decided it shows
  // the check form, whose POST (with CSRF) signs in, continues a pairing or replays the action.
  router.get(`${base}/pending/:id`, noStore, wrap(async (req, res) => {
    const flow = await ctx.load(req, res);
    if (!flow || ctx.elsewhere(res, flow, 'auth', 'pairing')) return;
    if (flow.stage === 'pairing' && (await ctx.refusePairingOfAction(req, res, flow))) return;
    let state: FlowState;
    try {
      state = await engine.status.refresh(req, flow);
    } catch (err) {
      if (!(err instanceof ToopherUnavailableError)) throw err;
      await pages.send(res, err.status ?? 503, 'pending', pendingPageModel(ctx, req, flow, 'offline'));
      return;
    }
    if (state === 'denied' || state === 'expired') {
      await flows.failed(req, res, flow, state);
      return;
    }
    await pages.send(res, 200, 'pending', pendingPageModel(ctx, req, flow, state === 'granted' ? 'decided' : 'pending'));
  }));

  router.post(`${base}/pending/:id`, noStore, form, wrap(async (req, res) => {
    if (!(await ctx.csrfOk(req, res))) return;
    const flow = await ctx.load(req, res);
    if (!flow || ctx.elsewhere(res, flow, 'auth', 'pairing')) return;
    if (flow.stage === 'pairing' && (await ctx.refusePairingOfAction(req, res, flow))) return;
    const state = await engine.status.refresh(req, flow);
    if (state === 'pending') {
      if (wantsJson(req)) sendJson(res, 202, { state, expiresAt: flow.expiresAt });
      else res.redirect(303, engine.urlFor(flow));
      return;
    }
    if (state === 'granted') {
      if (flow.stage === 'pairing') {
        await continueFlow(flows, req, res, flow, await engine.approvals.start(req, flow));
        return;
      }
      await completeFlow(flows, req, res, flow);
      return;
    }
    await flows.failed(req, res, flow, state);
  }));

  router.post(`${base}/pending/:id/otp`, noStore, form, wrap(async (req, res) => {
    if (!(await ctx.csrfOk(req, res))) return;
    const flow = await ctx.load(req, res);
    if (!flow || ctx.elsewhere(res, flow, 'auth')) return;
    if (await ctx.endIfExpired(req, res, flow)) return;
    const result = await engine.otp.tryOtp(req, flow, formField(req, 'otp', MAX_OTP) ?? '');
    if (result === 'granted') {
      await completeFlow(flows, req, res, flow);
      return;
    }
    const s = pages.strings;
    if (result === 'locked') {
      await engine.records.discard(req, flow);
      await pages.result(req, res, 403, {
        title: s.deniedTitle,
        message: s.otpTooManyAttempts,
        status: 'denied',
        retryUrl: flows.retryUrl(flow),
      }, { state: 'denied' });
      return;
    }
    if (wantsJson(req)) sendJson(res, 401, { state: 'pending', message: s.otpInvalid });
    else await pages.send(res, 401, 'pending', pendingPageModel(ctx, req, flow, 'pending', s.otpInvalid));
  }));

  router.post(`${base}/pending/:id/cancel`, noStore, form, wrap(async (req, res) => {
    if (!(await ctx.csrfOk(req, res))) return;
    const flow = await ctx.load(req, res);
    if (!flow) return;
    await engine.records.discard(req, flow);
    engine.emit('approval-cancelled', flow);
    const s = pages.strings;
    await pages.result(req, res, 200, {
      title: s.cancelledTitle,
      message: s.cancelledMessage,
      status: 'info',
      continueUrl: flows.retryUrl(flow),
    }, { state: 'cancelled' });
  }));
}
