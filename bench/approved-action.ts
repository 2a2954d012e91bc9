import { Browser } from './lib/browser.js';
import type { BenchContext } from './lib/context.js';
import { cannon, compare, CpuMeter, cpuRatio } from './lib/load.js';
import { atLeast, type BenchConfig, type BenchResult } from './lib/result.js';
import { formatCount, round } from './lib/stats.js';
import { passwordSession } from './middleware-passthrough.js';

const CONNECTIONS = 32;

/**
 * `approved_action`: `GET /report-guarded` (`toopher.require('View report',
 * { maxAgeMs: 600000 })`) whose approval is fresh vs the same handler
 * unguarded (`GET /report`), same app, same signed-in session.
 */
export async function benchApprovedAction(config: BenchConfig, ctx: BenchContext): Promise<BenchResult> {
  const [user] = await ctx.enroll(1, { automateActions: ['Log In', 'View report'] });
  if (user === undefined) throw new Error('no user');
  const app = await ctx.app('toopher', { variant: 'toopher', users: 1000, alsoPlain: true });
  const cookie = await passwordSession(app.info.url, user.email, user.password, user.terminalCookie);
  // The first guarded request is approved automatically and stores the approval for maxAgeMs.
  const browser = new Browser(app.info.url);
  for (const part of cookie.split('; ')) {
    const [name = '', value = ''] = part.split(/=(.*)/s);
    browser.cookies.set(name, value);
  }
  for (let i = 0; i < 2; i++) {
    const reply = await browser.get('/report-guarded?year=2024', { accept: 'application/json' });
    const body = JSON.parse(reply.body) as { report?: boolean; user?: string };
    if (reply.status !== 200 || body.report !== true || body.user !== user.email) {
      throw new Error(`guarded report answered ${reply.status}: ${reply.body.slice(0, 200)}`);
    }
  }
  const load = (path: string) => (ms: number) =>
    cannon({ url: `${app.info.url}${path}`, connections: CONNECTIONS, headers: { cookie: browser.cookieHeader(), accept: 'application/json' } }, ms);
  const unguardedCpu = new CpuMeter(app);
  const guardedCpu = new CpuMeter(app);
  const result = await compare(
    { label: 'unguarded', measure: unguardedCpu.wrap(load('/report?year=2024')) },
    { label: 'guarded', measure: guardedCpu.wrap(load('/report-guarded?year=2024')) },
    config,
  );
  return {
    key: 'approved_action',
    rounds: result.ratios,
    perCpu: round(cpuRatio(unguardedCpu, guardedCpu)),
    value: round(result.ratio),
    ...atLeast(result.ratio, 0.9),
    rows: [
      [`GET /report unguarded (${CONNECTIONS} connections)`, `${formatCount(result.baseline)} req/s, ${unguardedCpu.median().toFixed(0)} us app CPU/req`],
      ['GET /report-guarded, approval fresh (maxAgeMs)', `${formatCount(result.candidate)} req/s, ${guardedCpu.median().toFixed(0)} us app CPU/req`],
      ['per-round ratios', result.ratios.map((r) => r.toFixed(3)).join(' ')],
      ['requests per app CPU-second, ratio', cpuRatio(unguardedCpu, guardedCpu).toFixed(3)],
    ],
  };
}
