import type { Router } from 'express';
import { continueFlow } from '../complete-flow.js';
import { nameTerminalPageModel } from './page-models.js';
import { formField, wrap, type RouteContext } from './route-context.js';

const MAX_TERMINAL_NAME = 100;

/** Naming this browser as a terminal of the user (after Toopher answered 706). */
export function mountTerminalRoutes(router: Router, ctx: RouteContext): void {
  const { base, engine, flows, pages, form, noStore } = ctx;

  router.get(`${base}/terminal/:id`, noStore, wrap(async (req, res) => {
    const flow = await ctx.openStep(req, res, 'name');
    if (!flow) return;
    await pages.send(res, 200, 'nameTerminal', nameTerminalPageModel(ctx, req, flow));
  }));

  router.post(`${base}/terminal/:id`, noStore, form, wrap(async (req, res) => {
    if (!(await ctx.csrfOk(req, res))) return;
    const flow = await ctx.openStep(req, res, 'name');
    if (!flow) return;
    const name = formField(req, 'terminal_name', MAX_TERMINAL_NAME);
    if (name === undefined || name === '') {
      await pages.send(res, 400, 'nameTerminal', nameTerminalPageModel(ctx, req, flow, pages.strings.terminalNameRequired, name));
      return;
    }
    if (!(await ctx.stillApplies(req, res, flow, 'name'))) return;
    await engine.enrollment.nameTerminal(flow, name);
    await continueFlow(flows, req, res, flow, await engine.approvals.start(req, flow));
  }));
}
