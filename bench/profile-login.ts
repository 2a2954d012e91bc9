import { Browser } from './lib/browser.js';
import { BenchContext, type EnrolledUser } from './lib/context.js';
import { closedLoop } from './lib/load.js';

/**
 * Profiling aid (not part of `npm run bench`): runs only one kind of sign-in
 * against the bench app for a few seconds, so `BENCH_CHILD_PROF=toopher-app`
 * gets a profile of that path alone, and prints the CPU time each process
 * spent per sign-in (the app, the sandbox and this driver).
 *
 *   BENCH_CHILD_PROF=toopher-app node build/bench/profile-login.js /login 5000 [concurrency=16]
 */
const path = process.argv[2] ?? '/login';
const ms = Number(process.argv[3] ?? 5000);
const concurrency = Number(process.argv[4] ?? 16);
const ctx = new BenchContext();
try {
  const users = await ctx.enroll(50, { automateActions: ['Log In', 'View report'] });
  const app = await ctx.app('toopher', { variant: 'toopher', users: 1000, alsoPlain: true });
  const sandbox = await ctx.sandbox();
  let next = 0;
  const signIn = async (): Promise<void> => {
    const user = users[next++ % users.length] as EnrolledUser;
    const browser = new Browser(app.info.url);
    const [name = '', value = ''] = user.terminalCookie.split(/=(.*)/s);
    browser.cookies.set(name, value);
    const hop = await browser.post(path, [
      ['email', user.email],
      ['password', user.password],
    ]);
    if (hop.status !== 302) throw new Error(`${path} answered ${hop.status}`);
  };
  await closedLoop(signIn, concurrency, Math.min(1000, ms));
  const [appBefore, sandboxBefore] = await Promise.all([app.cpuMicros(), sandbox.cpuMicros()]);
  const driver: { microsPerOp: number[] } = { microsPerOp: [] };
  const rate = await closedLoop(signIn, concurrency, ms, driver);
  const [appAfter, sandboxAfter] = await Promise.all([app.cpuMicros(), sandbox.cpuMicros()]);
  const count = Math.round((rate * ms) / 1000);
  console.log(
    `${path}: ${rate.toFixed(0)} sign-ins/s, ${count} in total; CPU per sign-in: ` +
      `app ${((appAfter - appBefore) / count).toFixed(0)} us, sandbox ${((sandboxAfter - sandboxBefore) / count).toFixed(0)} us, ` +
      `driver ${(driver.microsPerOp[0] ?? 0).toFixed(0)} us`,
  );
} finally {
  await ctx.stopAll();
}
