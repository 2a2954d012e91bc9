import { Browser, formIn, type Reply } from './browser.js';
import { percentile } from './stats.js';

/**
 * The simulated browser of the load test. Each one does the whole flow as a
 * person would: password form, pending page, polling the status endpoint
 * every `pollMs` while the sandbox's phone approves by itself, the page's
 * check form, then proves it is signed in as itself, then loads the
 * transfer form and posts it (guarded: held, approved, replayed through the
 * auto-submitting form). With several
 * instance URLs, consecutive requests go to different instances (one cookie
 * jar, as a browser behind a load balancer).
 */

export interface LoadUser {
  readonly email: string;
  readonly password: string;
  /** `toopher_terminal=<signed id>` of a terminal already named for this user. */
  readonly terminalCookie: string;
}

export interface BrowserOutcome {
  readonly email: string;
  /** Signed in as itself at the end of the sign-in. */
  readonly signedIn: boolean;
  /** The guarded action ran, for this user, and answered as this user. */
  readonly actionDone: boolean;
  /** Who the app said was signed in after the sign-in (null: the session was lost). */
  readonly seenAs: string | null | undefined;
  /** Who the guarded action ran as. */
  readonly actedAs: string | null | undefined;
  readonly error: string | undefined;
  readonly loginMs: number;
  readonly actionMs: number;
  readonly requests: number;
  readonly latenciesMs: readonly number[];
}

export interface LoadOptions {
  readonly pollMs: number;
  /** Give up on one browser after this long. */
  readonly deadlineMs: number;
}

class FlowError extends Error {}

class Driver {
  private readonly _browsers: Browser[];
  private _turn: number;
  requests = 0;
  readonly latencies: number[] = [];

  constructor(urls: readonly string[], user: LoadUser, offset: number) {
    const first = new Browser(urls[0] ?? '');
    const [name = '', value = ''] = user.terminalCookie.split(/=(.*)/s);
    first.cookies.set(name, value);
    this._browsers = urls.map((url, i) => (i === 0 ? first : first.on(url)));
    this._turn = offset;
  }

  /** The next instance, round robin. */
  private _next(): Browser {
    const browser = this._browsers[this._turn % this._browsers.length] as Browser;
    this._turn++;
    return browser;
  }

  async send(method: 'GET' | 'POST', path: string, form?: [string, string][], accept = 'text/html'): Promise<Reply> {
    const browser = this._next();
    const t0 = performance.now();
    const reply =
      method === 'GET' ? await browser.get(path, { accept }) : await browser.post(path, form ?? [], { accept });
    this.latencies.push(performance.now() - t0);
    this.requests++;
    return reply;
  }
}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new FlowError(message);
}

/** Waits on the pending page at `pendingPath` until approved, then submits its check form. */
async function waitAndCheck(driver: Driver, pendingPath: string, options: LoadOptions, deadline: number): Promise<Reply> {
  const page = await driver.send('GET', pendingPath);
  expect(page.status === 200, `pending page answered ${page.status}`);
  const check = formIn(page.body, 'toopher-check');
  expect(check !== undefined, 'pending page has no check form');
  const statusPath = pendingPath.replace('/pending/', '/status/');
  for (;;) {
    expect(performance.now() < deadline, 'gave up waiting for the approval');
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    const status = await driver.send('GET', statusPath, undefined, 'application/json');
    if (status.status === 202) continue;
    expect(status.status === 200, `status poll answered ${status.status}: ${status.body.slice(0, 120)}`);
    break;
  }
  return driver.send('POST', check.action, check.fields);
}

async function whoAmI(driver: Driver): Promise<string | null> {
  const reply = await driver.send('GET', '/', undefined, 'application/json');
  expect(reply.status === 200, `GET / answered ${reply.status}`);
  return (JSON.parse(reply.body) as { user: string | null }).user;
}

/** One browser, the whole flow. Never throws: failures are in the outcome. */
export async function runBrowser(urls: readonly string[], user: LoadUser, index: number, options: LoadOptions): Promise<BrowserOutcome> {
  const driver = new Driver(urls, user, index);
  const started = performance.now();
  const deadline = started + options.deadlineMs;
  let seenAs: string | null | undefined;
  let actedAs: string | null | undefined;
  let loginMs = Number.NaN;
  let actionMs = Number.NaN;
  let error: string | undefined;
  try {
    const login = await driver.send('POST', '/login', [
      ['email', user.email],
      ['password', user.password],
    ]);
    expect(login.status === 303 && login.location?.startsWith('/toopher/pending/') === true, `login answered ${login.status} ${login.location ?? ''}`);
    const done = await waitAndCheck(driver, login.location ?? '', options, deadline);
    expect(done.status === 303 || done.status === 302, `sign-in check answered ${done.status}: ${done.body.slice(0, 120)}`);
    seenAs = await whoAmI(driver);
    loginMs = performance.now() - started;
    expect(seenAs === user.email, seenAs === null ? 'session lost after sign-in' : `signed in as ${seenAs}`);

    const actionStarted = performance.now();
    const amount = String(1000 + index);
    const formPage = await driver.send('GET', '/transfer');
    const transferForm = formIn(formPage.body, 'transfer');
    expect(formPage.status === 200 && transferForm !== undefined, `transfer form answered ${formPage.status}`);
    const held = await driver.send('POST', transferForm.action, [...transferForm.fields.filter(([name]) => name !== 'amount'), ['amount', amount]]);
    expect(held.status === 303 && held.location?.startsWith('/toopher/pending/') === true, `transfer answered ${held.status} ${held.location ?? ''} ${/<title>([^<]*)<\/title>/.exec(held.body)?.[1] ?? held.body.slice(0, 80)}`);
    const replayPage = await waitAndCheck(driver, held.location ?? '', options, deadline);
    expect(replayPage.status === 200, `action check answered ${replayPage.status}: ${replayPage.body.slice(0, 120)}`);
    const replay = formIn(replayPage.body, 'toopher-replay');
    expect(replay !== undefined, 'no replay form after approval');
    const result = await driver.send('POST', replay.action, replay.fields, 'application/json');
    expect(result.status === 200, `replayed transfer answered ${result.status}: ${result.body.slice(0, 120)}`);
    const body = JSON.parse(result.body) as { done?: boolean; user?: string | null; amount?: string };
    actedAs = body.user ?? null;
    expect(body.done === true && body.amount === amount, `transfer result ${result.body.slice(0, 120)}`);
    actionMs = performance.now() - actionStarted;
    expect(actedAs === user.email, `transfer ran as ${String(actedAs)}`);
  } catch (err) {
    error = err instanceof FlowError ? err.message : `${err instanceof Error ? err.name : 'error'}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return {
    email: user.email,
    signedIn: seenAs === user.email,
    actionDone: actedAs === user.email && error === undefined,
    seenAs,
    actedAs,
    error,
    loginMs,
    actionMs,
    requests: driver.requests,
    latenciesMs: driver.latencies,
  };
}

export interface LoadSummary {
  readonly browsers: number;
  readonly completedLogins: number;
  readonly completedActions: number;
  /** Signed in, then the app saw nobody. */
  readonly lostSessions: number;
  /** Seen as, or acted as, another user. */
  readonly crossedSessions: number;
  readonly failed: number;
  readonly errors: ReadonlyMap<string, number>;
  readonly requests: number;
  readonly requestP50Ms: number;
  readonly requestP99Ms: number;
  readonly loginP50Ms: number;
  readonly loginP99Ms: number;
  readonly seconds: number;
}

/** Runs `users.length` browsers at once and summarises. */
export async function runLoad(urls: readonly string[], users: readonly LoadUser[], options: LoadOptions): Promise<{ summary: LoadSummary; outcomes: BrowserOutcome[] }> {
  const t0 = performance.now();
  const outcomes = await Promise.all(users.map((user, i) => runBrowser(urls, user, i, options)));
  const errors = new Map<string, number>();
  for (const o of outcomes) {
    if (o.error === undefined) continue;
    const key = o.error.replace(/\/[A-Za-z0-9_-]{16,}/g, '/:id').replace(/\d{4,}/g, 'N').slice(0, 160);
    errors.set(key, (errors.get(key) ?? 0) + 1);
  }
  const latencies = outcomes.flatMap((o) => o.latenciesMs);
  const logins = outcomes.filter((o) => o.signedIn).map((o) => o.loginMs);
  const emails = new Set(users.map((u) => u.email));
  const summary: LoadSummary = {
    browsers: users.length,
    completedLogins: outcomes.filter((o) => o.signedIn).length,
    completedActions: outcomes.filter((o) => o.actionDone).length,
    lostSessions: outcomes.filter((o) => o.seenAs === null || (o.signedIn && o.actedAs === null)).length,
    crossedSessions: outcomes.filter(
      (o) =>
        (typeof o.seenAs === 'string' && o.seenAs !== o.email && emails.has(o.seenAs)) ||
        (typeof o.actedAs === 'string' && o.actedAs !== o.email),
    ).length,
    failed: outcomes.filter((o) => o.error !== undefined).length,
    errors,
    requests: latencies.length,
    requestP50Ms: percentile(latencies, 50),
    requestP99Ms: percentile(latencies, 99),
    loginP50Ms: percentile(logins, 50),
    loginP99Ms: percentile(logins, 99),
    seconds: (performance.now() - t0) / 1000,
  };
  return { summary, outcomes };
}

/** A few lines for people. */
export function formatSummary(label: string, s: LoadSummary): string {
  const lines = [
    `${label}: ${s.browsers} browsers in ${s.seconds.toFixed(1)} s`,
    `  completed sign-ins ${s.completedLogins}/${s.browsers}, completed guarded actions ${s.completedActions}/${s.browsers}`,
    `  lost sessions ${s.lostSessions}, crossed sessions ${s.crossedSessions}, failed browsers ${s.failed}`,
    `  ${s.requests} requests: latency p50 ${s.requestP50Ms.toFixed(1)} ms, p99 ${s.requestP99Ms.toFixed(1)} ms`,
    `  sign-in (password to signed in, incl. approval and polling): p50 ${s.loginP50Ms.toFixed(0)} ms, p99 ${s.loginP99Ms.toFixed(0)} ms`,
  ];
  for (const [error, count] of s.errors) lines.push(`  ${count} x ${error}`);
  return lines.join('\n');
}
