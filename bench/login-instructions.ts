import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { Browser } from './lib/browser.js';
import { BenchContext, type EnrolledUser } from './lib/context.js';

/**
 * Load-independent companion of `login_vs_password_only` (not part of
 * `npm run bench`; needs valgrind, takes minutes): user-space instructions
 * the bench app executes per complete sign-in, password-only and password +
 * Toopher, with the app under `valgrind --tool=callgrind` (all its threads,
 * GC and JIT included) and the sandbox and the browsers outside it. First
 * WARM sign-ins of each path, then ROUNDS rounds: per path, counters zeroed,
 * COUNT sign-ins (8 browsers at a time), counters dumped. Kernel time (the
 * socket writes) is not counted. Counts move by a few per cent between runs
 * with V8's JIT timing.
 *
 *   node build/bench/login-instructions.js [COUNT=250] [WARM=500] [ROUNDS=2] [paths=/login-password,/login]
 */
const count = Number(process.argv[2] ?? 250);
const warm = Number(process.argv[3] ?? 500);
const rounds = Number(process.argv[4] ?? 2);
const paths = (process.argv[5] ?? '/login-password,/login').split(',');
const CONCURRENCY = 8;
const OUT = 'test-output/callgrind';

async function run(url: string, path: string, users: readonly EnrolledUser[], n: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const user = users[next++ % users.length] as EnrolledUser;
      const browser = new Browser(url);
      const [name = '', value = ''] = user.terminalCookie.split(/=(.*)/s);
      browser.cookies.set(name, value);
      const hop = await browser.post(path, [
        ['email', user.email],
        ['password', user.password],
      ]);
      if (hop.status !== 302 || hop.location !== '/') throw new Error(`${path} answered ${hop.status} ${hop.location ?? ''}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** Total instructions of the newest dump of `pid`. */
function lastDumpTotal(pid: number): number {
  const dumps = readdirSync(OUT).filter((f) => f.startsWith(`${pid}.out.`));
  const newest = dumps.sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop())).pop();
  if (newest === undefined) throw new Error(`no callgrind dump of ${pid}`);
  const match = /^(?:totals|summary):\s+(\d+)/m.exec(readFileSync(`${OUT}/${newest}`, 'utf8'));
  if (match === null) throw new Error(`no totals in ${newest}`);
  return Number(match[1]);
}

mkdirSync(OUT, { recursive: true });
process.env['BENCH_CHILD_CALLGRIND'] = 'toopher-app';
const ctx = new BenchContext();
try {
  const users = await ctx.enroll(50, { automateActions: ['Log In', 'View report'] });
  const app = await ctx.app('toopher', { variant: 'toopher', users: 1000, alsoPlain: true });
  const pid = app.pid;
  if (pid === undefined) throw new Error('no pid');
  for (const path of paths) await run(app.info.url, path, users, warm);
  for (let round = 1; round <= rounds; round++) {
    for (const path of paths) {
      execFileSync('callgrind_control', ['-z', String(pid)], { stdio: 'ignore' });
      await run(app.info.url, path, users, count);
      execFileSync('callgrind_control', ['-d', String(pid)], { stdio: 'ignore' });
      console.log(`round ${round} ${path}: ${(lastDumpTotal(pid) / count / 1e6).toFixed(3)} M instructions per sign-in (app)`);
    }
  }
} finally {
  await ctx.stopAll();
}
