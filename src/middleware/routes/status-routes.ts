import type { Router } from 'express';
import type { FlowState } from '../../engine/session-state.js';
import { ToopherUnavailableError } from '../../engine/unavailable-error.js';
import { sendJson } from '../respond.js';
import { wrap, type RouteContext } from './route-context.js';

/** The status JSON the pending page polls: 202 pending, 200 granted, 403 denied, 401 expired or unknown. */
export function mountStatusRoutes(router: Router, ctx: RouteContext): void {
  const { base, engine, pages, noStore } = ctx;

  router.get(`${base}/status/:id`, noStore, wrap(async (req, res) => {
    const flow = ctx.find(req);
    const s = pages.strings;
    if (!flow) {
      sendJson(res, 401, { state: 'unknown', message: s.sessionExpiredMessage });
      return;
    }
    let state: FlowState;
    try {
      state = await engine.status.refresh(req, flow);
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
}
