import { Browser } from './lib/browser.js';
import type { BenchContext, EnrolledUser } from './lib/context.js';
import { forEachLimit } from './lib/enroll.js';
import { atMost, type BenchConfig, type BenchResult } from './lib/result.js';
import { formatCount, percentile, round } from './lib/stats.js';

const PENDING = 1000;
const POLL_MS = 1000;
const WINDOW_MS = 5000;
/** How long to wait for polls still in flight after the window. */
const STRAGGLER_MS = 15_000;
/** Every third browser polls from two tabs. */
const TWO_TAB_EVERY = 3;

function cookieOf(header: string): [string, string] {
  const [name = '', value = ''] = header.split(/=(.*)/s);
  return [name, value];
}

interface PendingLogin {
  readonly browser: Browser;
  readonly statusPath: string;
}

/**
 * `poll_amplification` and `pending_state_bytes`. 1,000 users sign in with
 * the password and are left pending (nobody answers on the phone). Then each
 * browser polls the status endpoint every second for 5 s, every third one
 * from two tabs with their own timers, while a proxy in front of the sandbox
 * counts `GET authentication_requests/:id`. The figure is upstream status
 * calls per pending request per poll interval. `pending_state_bytes` is the
 * JSON size of this package's session state holding one pending sign-in.
 */
export async function benchPollAmplification(_config: BenchConfig, ctx: BenchContext): Promise<BenchResult[]> {
  const users = await ctx.enroll(PENDING, { prefix: 'poll' });
  const sandbox = await ctx.sandbox();
  const app = await ctx.app('counted', { variant: 'toopher', users: PENDING, userPrefixes: ['poll'], counted: true });
  const url = app.info.url;

  const logins: PendingLogin[] = [];
  await forEachLimit(users, 32, async (user: EnrolledUser) => {
    const browser = new Browser(url);
    browser.cookies.set(...cookieOf(user.terminalCookie));
    const hop = await browser.post('/login', [
      ['email', user.email],
      ['password', user.password],
    ]);
    const id = /^\/toopher\/pending\/([A-Za-z0-9_-]+)$/.exec(hop.location ?? '')?.[1];
    if (hop.status !== 303 || id === undefined) throw new Error(`login of ${user.email} answered ${hop.status} ${hop.location ?? ''}`);
    logins.push({ browser, statusPath: `/toopher/status/${id}` });
  });

  const first = logins[0];
  if (first === undefined) throw new Error('no pending login');
  const bytes = JSON.parse((await first.browser.get('/bench/session-bytes', { accept: 'application/json' })).body) as {
    toopher: number;
    session: number;
    pending: number;
  };
  if (bytes.pending !== 1) throw new Error(`expected one pending login in the session, found ${bytes.pending}`);

  await sandbox.call('resetCounts');
  const latencies: number[] = [];
  let polls = 0;
  let unexpected = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const timers: NodeJS.Timeout[] = [];
  const poll = (login: PendingLogin): void => {
    const t0 = performance.now();
    polls++;
    const p = login.browser
      .get(login.statusPath, { accept: 'application/json' })
      .then((reply) => {
        latencies.push(performance.now() - t0);
        if (reply.status !== 202) unexpected++;
      })
      .catch(() => {
        failed++;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  logins.forEach((login, index) => {
    const tabs = index % TWO_TAB_EVERY === 0 ? 2 : 1;
    for (let tab = 0; tab < tabs; tab++) {
      const phase = Math.random() * POLL_MS;
      for (let at = phase; at < WINDOW_MS; at += POLL_MS) timers.push(setTimeout(() => poll(login), at));
    }
  });
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  // Let late answers arrive, but keep the run bounded when the app is overloaded.
  const stragglerDeadline = performance.now() + STRAGGLER_MS;
  while (inFlight.size > 0 && performance.now() < stragglerDeadline) {
    await Promise.race([Promise.all([...inFlight]), new Promise((resolve) => setTimeout(resolve, 250))]);
  }
  const unanswered = inFlight.size;
  const elapsed = performance.now() - started;
  const counts = await sandbox.call<Record<string, number>>('counts');
  const calls = counts['GET /v1/authentication_requests/:id'] ?? 0;
  const intervals = WINDOW_MS / POLL_MS;
  const amplification = calls / (logins.length * intervals);
  if (unexpected > 0 || failed > 0) throw new Error(`${unexpected} status polls did not answer 202 pending, ${failed} failed`);
  for (const timer of timers) clearTimeout(timer);

  return [
    {
      key: 'poll_amplification',
      value: round(amplification),
      ...atMost(amplification, 1.0),
      rows: [
        ['pending sign-ins / tabs polling', `${formatCount(logins.length)} / ${formatCount(logins.length + Math.ceil(logins.length / TWO_TAB_EVERY))}`],
        [`status polls sent in ${WINDOW_MS / 1000} s (answered within ${(elapsed / 1000).toFixed(1)} s)`, `${formatCount(polls)} (${formatCount(unanswered)} unanswered)`],
        ['upstream GET authentication_requests/:id', formatCount(calls)],
        ['poll latency p50 / p99', `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} ms`],
      ],
    },
    {
      key: 'pending_state_bytes',
      value: bytes.toopher,
      ...atMost(bytes.toopher, 1024),
      rows: [
        ['JSON of req.session.toopher with one pending sign-in', `${bytes.toopher} bytes`],
        ['whole session (cookie, passport, toopher)', `${bytes.session} bytes`],
      ],
    },
  ];
}
