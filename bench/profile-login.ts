import { Browser } from './lib/browser.js';
import { BenchContext, type EnrolledUser } from './lib/context.js';
import { closedLoop } from './lib/load.js';

/**
 * Profiling aid (not part of `npm run bench`): runs only one kind of sign-in
 * against the bench app for a few seconds, so `BENCH_CHILD_PROF=toopher-app`
 * gets a profile of that path alone.
 *
 *   BENCH_CHILD_PROF=toopher-app node build/bench/profile-login.js /login 5000
 */
const path = process.argv[2] ?? '/login';
const ms = Number(process.argv[3] ?? 5000);
const ctx = new BenchContext();
try {
  const users = await ctx.enroll(50, { automateActions: ['Log In', 'View report'] });
  const app = await ctx.app('toopher', { variant: 'toopher', users: 1000, alsoPlain: true });
  let next = 0;
  const rate = await closedLoop(
    async () => {
      const user = users[next++ % users.length] as EnrolledUser;
      const browser = new Browser(app.info.url);
      const [name = '', value = ''] = user.terminalCookie.split(/=(.*)/s);
      browser.cookies.set(name, value);
      const hop = await browser.post(path, [
        ['email', user.email],
        ['password', user.password],
      ]);
      if (hop.status !== 302) throw new Error(`${path} answered ${hop.status}`);
    },
    16,
    ms,
  );
  console.log(`${path}: ${rate.toFixed(0)} sign-ins/s, ${Math.round((rate * ms) / 1000)} in total`);
} finally {
  await ctx.stopAll();
}
