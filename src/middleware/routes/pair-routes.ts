import type { Request, Response, Router } from 'express';
import type { FlowRecord } from '../../engine/session-state.js';
import { continueFlow, completeFlow } from '../complete-flow.js';
import { pairPageModel } from './page-models.js';
import { formField, wrap, type RouteContext } from './route-context.js';

const MAX_PHRASE = 200;

/** Pairing during a sign-in: the pair page, pairing by phrase or QR code, the QR image, and "Skip". */
export function mountPairRoutes(router: Router, ctx: RouteContext): void {
  const { base, engine, flows, pages, form, noStore } = ctx;
  const enrollment = engine.enrollment;

  router.get(`${base}/pair/:id`, noStore, wrap(async (req, res) => {
    const flow = await ctx.openStep(req, res, 'pair');
    if (!flow) return;
    await pages.send(res, 200, 'pair', pairPageModel(ctx, req, flow));
  }));

  router.post(`${base}/pair/:id`, noStore, form, wrap(async (req, res) => {
    if (!(await ctx.csrfOk(req, res))) return;
    const flow = await ctx.openStep(req, res, 'pair');
    if (!flow) return;
    const phrase = formField(req, 'pairing_phrase', MAX_PHRASE);
    if (phrase === undefined || phrase === '') {
      await pages.send(res, 400, 'pair', pairPageModel(ctx, req, flow, pages.strings.pairingPhraseRequired));
      return;
    }
    if (!(await ctx.stillApplies(req, res, flow, 'pair'))) return;
    await afterPairing(req, res, flow, await enrollment.startPairing(req, flow, phrase), phrase);
  }));

  router.post(`${base}/pair/:id/qr`, noStore, form, wrap(async (req, res) => {
    if (!(await ctx.csrfOk(req, res))) return;
    const flow = await ctx.openStep(req, res, 'pair');
    if (!flow) return;
    if (!(await ctx.stillApplies(req, res, flow, 'pair'))) return;
    await afterPairing(req, res, flow, await enrollment.startPairing(req, flow, undefined), undefined);
  }));

  async function afterPairing(
    req: Request,
    res: Response,
    flow: FlowRecord,
    result: 'pending' | 'granted' | 'rejected',
    phrase: string | undefined,
  ): Promise<void> {
    if (result === 'rejected') {
      await pages.send(res, 400, 'pair', pairPageModel(ctx, req, flow, pages.strings.pairingPhraseRejected, phrase));
      return;
    }
    if (result === 'granted') {
      await continueFlow(flows, req, res, flow, await engine.approvals.start(req, flow));
      return;
    }
    await flows.park(req, res, flow);
  }

  router.post(`${base}/pair/:id/skip`, noStore, form, wrap(async (req, res) => {
    if (engine.config.enrollment !== 'optional') {
      await flows.unknown(req, res);
      return;
    }
    if (!(await ctx.csrfOk(req, res))) return;
    const flow = await ctx.load(req, res);
    if (!flow || ctx.elsewhere(res, flow, 'pair')) return;
    if (await ctx.refusePairingOfAction(req, res, flow)) return;
    if (!enrollment.maySkip(flow)) {
      const m = pages.messages;
      await pages.result(req, res, 403, {
        title: m.forbiddenTitle,
        message: m.skipNotAllowedMessage,
        status: 'error',
        retryUrl: engine.urlFor(flow),
      }, { state: 'forbidden' });
      return;
    }
    if (await ctx.endIfExpired(req, res, flow)) return;
    if (!(await ctx.stillApplies(req, res, flow, 'pair'))) return;
    if (!enrollment.maySkip(flow)) {
      // Toopher now says the old pairing was removed (707): never skipped.
      await pages.send(res, 409, 'pair', pairPageModel(ctx, req, flow));
      return;
    }
    // Ended before Toopher is turned off: a Skip that lost the race to Cancel or a completion in another tab changes nothing.
    if (!(await enrollment.skipEnrollment(flow))) {
      await flows.replayed(req, res, flow);
      return;
    }
    await completeFlow(flows, req, res, flow, true);
  }));

  router.get(`${base}/qr/:id`, noStore, wrap(async (req, res) => {
    const flow = ctx.find(req);
    if (!flow || flow.stage !== 'pairing' || flow.pairingByQr !== true) {
      res.status(404).type('text').send('Not Found');
      return;
    }
    const png = await enrollment.qrImage(flow);
    res.set('X-Content-Type-Options', 'nosniff');
    res.type('png').send(png);
  }));
}
