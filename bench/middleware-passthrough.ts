import { BENCH_SESSION_COOKIE } from './lib/bench-app.js';
import { Browser } from './lib/browser.js';
import type { BenchContext } from './lib/context.js';
import { cannon, compare, CpuMeter, cpuRatio } from './lib/load.js';
import { atLeast, type BenchConfig, type BenchResult } from './lib/result.js';
import { formatCount, round } from './lib/stats.js';

const CONNECTIONS = 32;

/** Signs `email` in with the password-only route and returns the browser's Cookie header. */
export async function passwordSession(url: string, email: string, password: string, extraCookie?: string): Promise<string> {
  const browser = new Browser(url);
  if (extraCookie !== undefined) {
    const [name = '', value = ''] = extraCookie.split(/=(.*)/s);
    browser.cookies.set(name, value);
  }
  const hop = await browser.post('/login-password', [
    ['email', email],
    ['password', password],
  ]);
  if (hop.status !== 302 || hop.location !== '/') throw new Error(`password login answered ${hop.status} ${hop.location ?? ''}`);
  if (!browser.cookies.has(BENCH_SESSION_COOKIE)) throw new Error('password login set no session cookie');
  const me = JSON.parse((await browser.get('/', { accept: 'application/json' })).body) as { user: unknown };
  if (me.user !== email) throw new Error(`password login did not sign ${email} in`);
  return browser.cookieHeader();
}

/**
 * `middleware_passthrough`: an unguarded JSON route (`GET /public`) for a
 * signed-in user, in the app with `app.use(toopher)` and the strategy
 * registered vs the same app without them. Same session and Passport setup
 * (MemoryStore, deserializeUser on every request); both apps are served by
 * one child process on two ports, measured one after the other.
 */
export async function benchMiddlewarePassthrough(config: BenchConfig, ctx: BenchContext): Promise<BenchResult> {
  const [user] = await ctx.enroll(1, { automateActions: ['Log In', 'View report'] });
  if (user === undefined) throw new Error('no user');
  // Both variants are served by one process (two ports, two apps, two session stores).
  const app = await ctx.app('toopher', { variant: 'toopher', users: 1000, alsoPlain: true });
  const { url, plainUrl } = app.info;
  if (plainUrl === undefined) throw new Error('the bench app serves no plain variant');
  const toopherCookie = await passwordSession(url, user.email, user.password, user.terminalCookie);
  const plainCookie = await passwordSession(plainUrl, user.email, user.password, user.terminalCookie);
  const load = (base: string, cookie: string) => (ms: number) =>
    cannon({ url: `${base}/public`, connections: CONNECTIONS, headers: { cookie, accept: 'application/json' } }, ms);
  const plainCpu = new CpuMeter(app);
  const toopherCpu = new CpuMeter(app);
  const result = await compare(
    { label: 'plain', measure: plainCpu.wrap(load(plainUrl, plainCookie)) },
    { label: 'toopher', measure: toopherCpu.wrap(load(url, toopherCookie)) },
    config,
  );
  return {
    key: 'middleware_passthrough',
    rounds: result.ratios,
    perCpu: round(cpuRatio(plainCpu, toopherCpu)),
    value: round(result.ratio),
    ...atLeast(result.ratio, 0.95),
    rows: [
      [`GET /public, app without Toopher (${CONNECTIONS} connections)`, `${formatCount(result.baseline)} req/s, ${plainCpu.median().toFixed(0)} us app CPU/req`],
      ['GET /public, app.use(toopher) + strategy', `${formatCount(result.candidate)} req/s, ${toopherCpu.median().toFixed(0)} us app CPU/req`],
      ['per-round ratios', result.ratios.map((r) => r.toFixed(3)).join(' ')],
      ['requests per app CPU-second, ratio', cpuRatio(plainCpu, toopherCpu).toFixed(3)],
    ],
  };
}
