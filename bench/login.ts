import { BENCH_SESSION_COOKIE } from './lib/bench-app.js';
import { Browser } from './lib/browser.js';
import type { BenchContext, EnrolledUser } from './lib/context.js';
import { closedLoop, compare, CpuMeter, cpuRatio } from './lib/load.js';
import { atLeast, type BenchConfig, type BenchResult } from './lib/result.js';
import { formatCount, round } from './lib/stats.js';

const CONCURRENCY = 16;
const USERS = 50;

function cookieOf(header: string): [string, string] {
  const [name = '', value = ''] = header.split(/=(.*)/s);
  return [name, value];
}

/** One complete sign-in from a fresh browser: POST the password form, expect the redirect home with a session. */
async function signIn(url: string, path: string, user: EnrolledUser): Promise<void> {
  const browser = new Browser(url);
  browser.cookies.set(...cookieOf(user.terminalCookie));
  const hop = await browser.post(path, [
    ['email', user.email],
    ['password', user.password],
  ]);
  if (hop.status !== 302 || hop.location !== '/' || !browser.cookies.has(BENCH_SESSION_COOKIE)) {
    throw new Error(`${path} for ${user.email} answered ${hop.status} ${hop.location ?? ''}: ${hop.body.slice(0, 200)}`);
  }
}

interface Variant {
  readonly key: string;
  readonly toopherPath: string;
  readonly passwordPath: string;
  readonly password: string;
}

const VARIANTS: readonly Variant[] = [
  // The password check is a plain compare, so the figure shows what Toopher itself costs a sign-in.
  { key: 'login_vs_password_only', toopherPath: '/login', passwordPath: '/login-password', password: 'plain compare' },
  // The same with the password checked against a scrypt hash (example-app/users.ts's parameters), as a real app does.
  { key: 'login_vs_password_only_scrypt', toopherPath: '/login-hashed', passwordPath: '/login-password-hashed', password: 'scrypt hash (N 16384, r 8, p 1)' },
];

/**
 * `login_vs_password_only`: complete sign-ins per second through password +
 * Toopher with automated approval (the terminal is "always allowed", so
 * `authentication_requests/initiate` answers granted at once) vs
 * password-only sign-ins in the same app, the password checked with a plain
 * compare, so the ratio is Toopher's own cost. `login_vs_password_only_scrypt`:
 * the same with the password checked against a real scrypt hash. Each sign-in is a fresh
 * browser (no session yet) posting the form and getting the redirect with
 * a new session; the Toopher one makes one signed API call to the sandbox.
 */
export async function benchLogin(config: BenchConfig, ctx: BenchContext): Promise<BenchResult[]> {
  const users = await ctx.enroll(USERS, { automateActions: ['Log In', 'View report'] });
  const app = await ctx.app('toopher', { variant: 'toopher', users: 1000, alsoPlain: true });
  const url = app.info.url;
  // Check once that every route really signs the user in.
  for (const path of VARIANTS.flatMap((v) => [v.toopherPath, v.passwordPath])) {
    const browser = new Browser(url);
    const user = users[0] as EnrolledUser;
    browser.cookies.set(...cookieOf(user.terminalCookie));
    await browser.post(path, [
      ['email', user.email],
      ['password', user.password],
    ]);
    const me = JSON.parse((await browser.get('/', { accept: 'application/json' })).body) as { user: unknown };
    if (me.user !== user.email) throw new Error(`${path} did not sign ${user.email} in`);
  }
  // The app stores each user's scrypt hash on first use: do that for every user before measuring.
  await Promise.all(users.map((user) => signIn(url, '/login-password-hashed', user)));
  const sandboxServer = await ctx.sandbox();
  const results: BenchResult[] = [];
  for (const variant of VARIANTS) {
    let next = 0;
    const loop = (path: string) => (ms: number) =>
      closedLoop(() => signIn(url, path, users[next++ % users.length] as EnrolledUser), CONCURRENCY, ms);
    const passwordCpu = new CpuMeter(app);
    const toopherCpu = new CpuMeter(app);
    const sandboxCpu = new CpuMeter(sandboxServer);
    const result = await compare(
      { label: 'password only', measure: passwordCpu.wrap(loop(variant.passwordPath)) },
      { label: 'password + toopher', measure: sandboxCpu.wrap(toopherCpu.wrap(loop(variant.toopherPath))) },
      config,
    );
    results.push({
      key: variant.key,
      rounds: result.ratios,
      perCpu: round(cpuRatio(passwordCpu, toopherCpu)),
      value: round(result.ratio),
      ...atLeast(result.ratio, 0.5),
      rows: [
        [`password-only sign-ins, ${variant.password} (${CONCURRENCY} browsers at a time)`, `${formatCount(result.baseline)} /s, ${passwordCpu.median().toFixed(0)} us app CPU each`],
        ['password + Toopher, automated approval', `${formatCount(result.candidate)} /s, ${toopherCpu.median().toFixed(0)} us app CPU + ${sandboxCpu.median().toFixed(0)} us sandbox CPU each`],
        ['per-round ratios', result.ratios.map((r) => r.toFixed(3)).join(' ')],
        ['sign-ins per app CPU-second, ratio', cpuRatio(passwordCpu, toopherCpu).toFixed(3)],
      ],
    });
  }
  return results;
}
