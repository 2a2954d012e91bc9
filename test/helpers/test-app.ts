import { createServer, request as httpRequest, type Server } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import session, { MemoryStore, type Store } from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { createToopher, type Toopher, type ToopherApi, type ToopherEvent, type ToopherOptions } from '../../src/index.js';
import type { Sandbox, SandboxAuthenticationRequest } from '../../src/sandbox/index.js';
import { createTerminalId, signTerminalId } from '../../src/strategy/terminal-cookie.js';
import { findForm, type BrowserClient, type Hop } from './browser-client.js';
import { close, listen } from './listen.js';

export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
}

export const SECRET = 'test-secret-test-secret-test-secret-0123';
export const SESSION_COOKIE = 'connect.sid';

/** Users the local strategy accepts (password "pw-" + id). */
export function makeUsers(...ids: string[]): TestUser[] {
  return ids.map((id) => ({ id, email: `${id}@example.com`, password: `pw-${id}` }));
}

export interface TestAppOptions {
  readonly api: ToopherOptions<TestUser>['api'];
  readonly users: readonly TestUser[];
  /** Shared by several apps to act as instances of one deployment. */
  readonly store?: Store;
  /** Extra createToopher options. */
  readonly toopher?: Partial<ToopherOptions<TestUser>>;
  /** Use `passport.initialize()` instead of passing `passport` to createToopher. */
  readonly viaInitialize?: boolean;
}

export interface TestApp {
  readonly app: Express;
  readonly server: Server;
  readonly url: string;
  readonly toopher: Toopher<TestUser>;
  readonly events: ToopherEvent[];
  /** Every run of a guarded handler: [route, user email, body amount or query]. */
  readonly executed: Array<{ readonly route: string; readonly user: string; readonly value: string }>;
  readonly store: Store;
  close(): Promise<void>;
}

/**
 * A real Express 5 app: express-session (MemoryStore unless given), a
 * Passport instance with passport-local as first factor, Toopher as second,
 * and guarded routes: POST /transfer, POST /quick (maxAgeMs), POST /own-csrf
 * (`csrf: false`), GET /report. Guarded POSTs need the CSRF token (`postWithCsrf`).
 * POST /login uses `successRedirect: '/'`, POST /login-account `returnTo:
 * '/account'`, POST /login-return `successReturnToOrRedirect: '/'` (with
 * GET /remember?to=… setting `req.session.returnTo`).
 */
export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const auth = new passport.Passport();
  const users = new Map(options.users.map((u) => [u.id, u]));
  auth.use(
    new LocalStrategy({ usernameField: 'email' }, (email, password, done) => {
      const user = options.users.find((u) => u.email === email && u.password === password);
      done(null, user ?? false);
    }),
  );
  auth.serializeUser((user, done) => done(null, (user as TestUser).id));
  auth.deserializeUser((id: string, done) => done(null, users.get(id) ?? false));

  const events: ToopherEvent[] = [];
  const executed: TestApp['executed'] = [];
  const store = options.store ?? new MemoryStore();
  const toopher = createToopher<TestUser>({
    api: options.api,
    userName: (user) => user.email,
    secret: SECRET,
    ...(options.viaInitialize === true ? {} : { passport: auth }),
    onEvent: (event) => events.push(event),
    onWarning: () => undefined,
    ...options.toopher,
  });

  const app = express();
  app.set('env', 'test');
  app.use(
    session({ secret: 'session-secret', resave: false, saveUninitialized: false, store, name: SESSION_COOKIE }),
  );
  if (options.viaInitialize === true) app.use(auth.initialize());
  app.use(auth.session());
  app.use(toopher);
  auth.use(toopher.strategy);

  const form = express.urlencoded({ extended: false, limit: '32kb' });
  app.get('/login', (_req, res) => {
    res.type('text').send('login page');
  });
  app.post(
    '/login',
    form,
    auth.authenticate('local', { session: false, failureRedirect: '/login?bad=1' }) as RequestHandler,
    auth.authenticate('toopher', { successRedirect: '/', failureRedirect: '/login' }) as RequestHandler,
  );
  app.post(
    '/login-account',
    form,
    auth.authenticate('local', { session: false, failureRedirect: '/login?bad=1' }) as RequestHandler,
    auth.authenticate('toopher', { returnTo: '/account', successRedirect: '/' } as object) as RequestHandler,
  );
  app.post(
    '/login-return',
    form,
    auth.authenticate('local', { session: false, failureRedirect: '/login?bad=1' }) as RequestHandler,
    auth.authenticate('toopher', { successReturnToOrRedirect: '/', failureRedirect: '/login' }) as RequestHandler,
  );
  /** Stores `?to=` as `req.session.returnTo`, as an app's "sign in first" redirect would. */
  app.get('/remember', (req, res) => {
    (req.session as unknown as Record<string, unknown>)['returnTo'] = req.query['to'];
    res.json({ remembered: req.query['to'] ?? null });
  });
  app.get('/form-token', (req, res) => {
    res.json({ token: toopher.csrfToken(req) });
  });
  app.post('/profile', form, toopher.verifyCsrf, (_req, res) => {
    res.json({ saved: true });
  });
  app.get('/', (req, res) => {
    res.json({ user: req.isAuthenticated() ? (req.user as TestUser).email : null });
  });
  app.get('/account', (req, res) => {
    res.json({ user: req.isAuthenticated() ? (req.user as TestUser).email : null, page: 'account' });
  });
  app.post('/transfer', form, express.json(), toopher.require('Transfer money'), (req, res) => {
    const body = req.body as Record<string, unknown>;
    executed.push({ route: 'transfer', user: (req.user as TestUser).email, value: String(body['amount']) });
    res.json({ done: true, amount: body['amount'], via: req.toopher?.approval?.via ?? null });
  });
  app.post('/quick', form, toopher.require('Quick action', { maxAgeMs: 60_000 }), (req, res) => {
    executed.push({ route: 'quick', user: (req.user as TestUser).email, value: String((req.body as Record<string, unknown>)['n']) });
    res.json({ done: true, via: req.toopher?.approval?.via ?? null });
  });
  app.post('/own-csrf', form, toopher.require('Own CSRF check', { csrf: false }), (req, res) => {
    executed.push({ route: 'own-csrf', user: (req.user as TestUser).email, value: String((req.body as Record<string, unknown>)['n']) });
    res.json({ done: true });
  });
  app.get('/report', toopher.require('View report'), (req, res) => {
    executed.push({ route: 'report', user: (req.user as TestUser).email, value: typeof req.query['year'] === 'string' ? req.query['year'] : '' });
    res.json({ report: true, year: req.query['year'] });
  });
  app.use(toopher.errorHandler);

  const server = createServer(app);
  const url = await listen(server);
  return { app, server, url, toopher, events, executed, store, close: () => close(server) };
}

/** The e-mail of the signed-in user as the app's `GET /` reports it, or null. */
export async function whoAmI(client: BrowserClient): Promise<unknown> {
  return (JSON.parse((await client.get('/', { accept: 'application/json' })).body) as { user: unknown }).user;
}

/** The user with this id among `users` (a test's own list); fails the test when there is none. */
export function userById(users: readonly TestUser[], id: string): TestUser {
  const found = users.find((u) => u.id === id);
  if (found === undefined) throw new Error(`no test user ${id}`);
  return found;
}

/** A valid terminal cookie value for `id` (tests that pre-name a terminal). */
export function terminalCookieFor(id: string): string {
  return signTerminalId(id, SECRET);
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Pairs `userName` through the API and the sandbox phone, and names the
 * client's terminal (a fresh signed terminal cookie is put in its jar).
 */
export async function enroll(
  sandbox: Sandbox,
  api: ToopherApi,
  userName: string,
  client?: BrowserClient,
  options: { readonly nameTerminal?: boolean } = {},
): Promise<{ readonly pairingId: string; readonly terminalId: string }> {
  const phrase = await sandbox.phone.createPairingPhrase();
  const pairing = await api.pair(phrase, userName);
  await sandbox.phone.respondToPairing(pairing.id, true);
  const terminalId = createTerminalId();
  if (client) await client.setCookie('toopher_terminal', terminalCookieFor(terminalId));
  if (options.nameTerminal !== false) await api.createUserTerminal(userName, 'Test browser', terminalId);
  return { pairingId: pairing.id, terminalId };
}

/** The newest authentication request of `userName` that is still pending on the phone. */
export async function pendingRequest(sandbox: Sandbox, userName: string): Promise<SandboxAuthenticationRequest> {
  return waitFor(async () => (await sandbox.phone.listAuthenticationRequests(userName)).find((r) => r.pending), 5_000, `a pending request of ${userName}`);
}

/**
 * A pass-through HTTP proxy in front of the sandbox that counts requests by
 * path, to prove how often the middleware calls the API.
 */
export async function startCountingProxy(target: string): Promise<{
  readonly url: string;
  readonly count: (pathPart: string) => number;
  close(): Promise<void>;
}> {
  const seen: string[] = [];
  const targetUrl = new URL(target);
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const upstream = httpRequest(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const url = await listen(server);
  return {
    url,
    count: (pathPart) => seen.filter((p) => p.includes(pathPart)).length,
    close: () => close(server),
  };
}

/**
 * The session's CSRF token (what `toopher.csrfToken(req)` puts in the app's
 * forms), read through `GET /form-token`. Guarded POSTs need it as `_csrf`
 * (or an `X-CSRF-Token` header); read it after signing in (the session is new).
 */
export async function csrfTokenOf(client: BrowserClient): Promise<string> {
  const hop = await client.get('/form-token');
  if (hop.status !== 200) throw new Error(`GET /form-token answered ${hop.status}`);
  return (JSON.parse(hop.body) as { token: string }).token;
}

/** POSTs `fields` plus the session's CSRF token, as the app's own form would. */
export async function postWithCsrf(client: BrowserClient, path: string, fields: Readonly<Record<string, string>>): Promise<Hop> {
  return client.post(path, { ...fields, _csrf: await csrfTokenOf(client) });
}

/** Signs `user` in through the login form, approving the push on the sandbox phone. */
export async function signIn(sandbox: Sandbox, client: BrowserClient, user: TestUser): Promise<void> {
  const hop = await client.post('/login', { email: user.email, password: user.password });
  if (hop.status === 302 && hop.location?.endsWith('/') === true) return;
  if (hop.status !== 303 || hop.location === undefined) throw new Error(`login answered ${hop.status}`);
  const page = await client.get(hop.location);
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, user.email)).id, true);
  const done = await client.submit(findForm(page.body, 'toopher-check'));
  if (done.status !== 303) throw new Error(`check answered ${done.status}: ${done.body.slice(0, 300)}`);
}

/** Approves the newest pending request of `userName` and submits the page's check form. */
export async function approveAndCheck(sandbox: Sandbox, client: BrowserClient, pendingUrl: string, userName: string, granted = true): Promise<Hop> {
  const page = await client.get(pendingUrl);
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, userName)).id, granted);
  return client.submit(findForm(page.body, 'toopher-check'));
}
