import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SessionData } from 'express-session';
import * as fc from 'fast-check';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient } from '../helpers/browser-client.js';
import { createRawClient, type RawClient, type RawResponse } from '../helpers/fuzz-http.js';
import { fuzz, trackProcessErrors } from '../helpers/fuzz-run.js';
import { anyText, formEncode, fuzzBody, httpMethod, idSegment, nastyPairs, nastyText, queryString, sometimes } from '../helpers/fuzz-values.js';
import { enroll, makeUsers, postWithCsrf, SESSION_COOKIE, signIn, startTestApp, type TestApp, type TestUser } from '../helpers/test-app.js';

/**
 * Fuzzing of every route the middleware and the strategy mount, and of the
 * guarded routes: hostile forms, JSON, queries, cookies, ids, huge and
 * unicode values, missing or tampered sessions, from browsers in every
 * state of the flow (signed out, sign-in pending, on the pair page, on the
 * terminal page, signed in with an action pending). Nobody ever approves on
 * the phone, so: never a 5xx, never a sign-in, never a guarded action run.
 */

const processErrors = trackProcessErrors();
const TERMINAL_COOKIE = 'toopher_terminal';
let sandbox: Sandbox;
let api: ToopherApi;
let app: TestApp;
let raw: RawClient;

/** A browser somewhere in a flow, as cookies plus what its pages gave it. */
interface BrowserState {
  readonly name: string;
  readonly cookies: Map<string, string>;
  readonly flowId: string;
  readonly csrf: string;
  /** Who this browser is signed in as (only the action state, signed in during setup). */
  readonly signedInAs: string | null;
}

const users = makeUsers('pending', 'action', 'pairing', 'naming', 'stranger');
const user = (id: string): TestUser => {
  const found = users.find((u) => u.id === id);
  assert.ok(found);
  return found;
};
let states: BrowserState[] = [];
let grantedInSetup = 0;

async function cookiesOf(client: BrowserClient): Promise<Map<string, string>> {
  const cookies = await client.jar.getCookies(client.baseUrl);
  return new Map(cookies.map((c) => [c.key, c.value]));
}

function csrfIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(match?.[1], 'the page carries a CSRF token');
  return match[1];
}

function flowIdIn(location: string | undefined): string {
  const id = /\/toopher\/(?:pending|pair|terminal)\/([A-Za-z0-9_-]+)$/.exec(location ?? '')?.[1];
  assert.ok(id, `a flow page (${location ?? 'no location'})`);
  return id;
}

function granted(): number {
  return app.events.filter((e) => e.type === 'approval-granted').length;
}

/** Builds the states, counting the approvals granted on the phone for them (the only legitimate ones). */
async function rebuildStates(): Promise<void> {
  const before = granted();
  states = await buildStates();
  grantedInSetup += granted() - before;
}

/** Builds one browser per flow state, against the healthy sandbox. */
async function buildStates(): Promise<BrowserState[]> {
  const built: BrowserState[] = [];
  const login = async (client: BrowserClient, u: TestUser) => client.post('/login', { email: u.email, password: u.password });

  const pending = new BrowserClient(app.url);
  await enroll(sandbox, api, user('pending').email, pending);
  const pendingHop = await login(pending, user('pending'));
  const pendingPage = await pending.get(pendingHop.location ?? '');
  built.push({ name: 'sign-in pending', cookies: await cookiesOf(pending), flowId: flowIdIn(pendingHop.location), csrf: csrfIn(pendingPage.body), signedInAs: null });

  const acting = new BrowserClient(app.url);
  await enroll(sandbox, api, user('action').email, acting);
  await signIn(sandbox, acting, user('action'));
  const held = await postWithCsrf(acting, '/transfer', { amount: '100' });
  assert.equal(held.status, 303, `transfer held: ${held.status} ${held.body.slice(0, 300)}`);
  const heldPage = await acting.get(held.location ?? '');
  built.push({ name: 'action pending', cookies: await cookiesOf(acting), flowId: flowIdIn(held.location), csrf: csrfIn(heldPage.body), signedInAs: user('action').email });

  const pairing = new BrowserClient(app.url);
  const pairHop = await login(pairing, user('pairing'));
  const pairPage = await pairing.get(pairHop.location ?? '');
  built.push({ name: 'pair page', cookies: await cookiesOf(pairing), flowId: flowIdIn(pairHop.location), csrf: csrfIn(pairPage.body), signedInAs: null });

  const naming = new BrowserClient(app.url);
  await enroll(sandbox, api, user('naming').email, naming, { nameTerminal: false });
  const nameHop = await login(naming, user('naming'));
  const namePage = await naming.get(nameHop.location ?? '');
  built.push({ name: 'terminal page', cookies: await cookiesOf(naming), flowId: flowIdIn(nameHop.location), csrf: csrfIn(namePage.body), signedInAs: null });

  built.push({ name: 'no session', cookies: new Map(), flowId: 'AAAAAAAAAAAAAAAAAAAAAAAA', csrf: 'none', signedInAs: null });
  return built;
}

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  app = await startTestApp({ api, users, toopher: { maxPushesPerMinute: 1000, pollIntervalMs: 0 } });
  raw = createRawClient(app.url);
  await rebuildStates();
});

after(async () => {
  raw.close();
  await app.close();
  await sandbox.close();
  processErrors.dispose();
});

/** Every route mounted by the router, the strategy's login routes and the app's guarded routes. */
const ROUTES: readonly { method: string; path: string; fields: readonly string[] }[] = [
  { method: 'GET', path: '/toopher/pending/{id}', fields: [] },
  { method: 'POST', path: '/toopher/pending/{id}', fields: ['_csrf'] },
  { method: 'POST', path: '/toopher/pending/{id}/otp', fields: ['_csrf', 'otp'] },
  { method: 'POST', path: '/toopher/pending/{id}/cancel', fields: ['_csrf'] },
  { method: 'GET', path: '/toopher/status/{id}', fields: [] },
  { method: 'GET', path: '/toopher/pair/{id}', fields: [] },
  { method: 'POST', path: '/toopher/pair/{id}', fields: ['_csrf', 'pairing_phrase'] },
  { method: 'POST', path: '/toopher/pair/{id}/qr', fields: ['_csrf'] },
  { method: 'POST', path: '/toopher/pair/{id}/skip', fields: ['_csrf'] },
  { method: 'GET', path: '/toopher/qr/{id}', fields: [] },
  { method: 'GET', path: '/toopher/terminal/{id}', fields: [] },
  { method: 'POST', path: '/toopher/terminal/{id}', fields: ['_csrf', 'terminal_name'] },
  { method: 'GET', path: '/toopher/assets/toopher.css', fields: [] },
  { method: 'GET', path: '/toopher/assets/toopher.js', fields: [] },
  { method: 'GET', path: '/toopher/{id}', fields: [] },
  { method: 'POST', path: '/login', fields: ['email', 'password', 'returnTo'] },
  { method: 'POST', path: '/login-account', fields: ['email', 'password', 'returnTo'] },
  { method: 'GET', path: '/form-token', fields: [] },
  { method: 'POST', path: '/profile', fields: ['_csrf'] },
  { method: 'POST', path: '/transfer', fields: ['_csrf', 'amount', '_toopher_grant'] },
  { method: 'POST', path: '/quick', fields: ['_csrf', 'n', '_toopher_grant'] },
  { method: 'POST', path: '/own-csrf', fields: ['_csrf', 'n', '_toopher_grant'] },
  { method: 'GET', path: '/report', fields: ['year', '_toopher_grant'] },
  { method: 'GET', path: '/', fields: [] },
];

type CookieMutation = 'as-is' | 'no-session' | 'tampered-session' | 'tampered-terminal' | 'foreign-session' | 'duplicated' | 'garbage' | 'huge' | 'none';
const COOKIE_MUTATIONS: readonly CookieMutation[] = [
  'as-is',
  'as-is',
  'as-is',
  'no-session',
  'tampered-session',
  'tampered-terminal',
  'foreign-session',
  'duplicated',
  'garbage',
  'huge',
  'none',
];

function flipLast(value: string): string {
  if (value === '') return 'x';
  const last = value[value.length - 1];
  return `${value.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
}

function cookieHeader(state: BrowserState, mutation: CookieMutation, noise: string, other: BrowserState): string | undefined {
  const cookies = new Map(state.cookies);
  switch (mutation) {
    case 'none':
      return undefined;
    case 'no-session':
      cookies.delete(SESSION_COOKIE);
      break;
    case 'tampered-session':
      cookies.set(SESSION_COOKIE, flipLast(cookies.get(SESSION_COOKIE) ?? ''));
      break;
    case 'tampered-terminal':
      cookies.set(TERMINAL_COOKIE, flipLast(cookies.get(TERMINAL_COOKIE) ?? ''));
      break;
    case 'foreign-session': {
      const foreign = other.cookies.get(SESSION_COOKIE);
      if (foreign !== undefined) cookies.set(SESSION_COOKIE, foreign);
      break;
    }
    case 'duplicated':
      return [...cookies, ...[...other.cookies].reverse()].map(([k, v]) => `${k}=${v}`).join('; ');
    case 'garbage':
      return `${[...cookies].map(([k, v]) => `${k}=${v}`).join('; ')}; ${noise}`;
    case 'huge':
      return `${[...cookies].map(([k, v]) => `${k}=${v}`).join('; ')}; pad=${'x'.repeat(6000)}`;
    case 'as-is':
      break;
  }
  return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

const fieldValue = fc.oneof({ weight: 3, arbitrary: anyText }, { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{6,8}$/) });

const middlewareCase = fc.record({
  stateIndex: fc.nat(),
  otherIndex: fc.nat(),
  route: fc.constantFrom(...ROUTES),
  otherMethod: sometimes(httpMethod, 8),
  idChoice: fc.oneof(
    { weight: 4, arbitrary: fc.constant<'own' | 'other'>('own') },
    { weight: 1, arbitrary: fc.constant<'own' | 'other'>('other') },
    { weight: 2, arbitrary: idSegment },
  ),
  cookies: fc.constantFrom(...COOKIE_MUTATIONS),
  noise: nastyText,
  realCsrf: fc.boolean(),
  fields: fc.array(fc.tuple(fc.nat(), fieldValue), { maxLength: 4 }),
  extra: nastyPairs,
  bodyKind: fc.constantFrom('form', 'form', 'form', 'json', 'hostile'),
  hostile: fuzzBody,
  query: queryString,
  accept: fc.constantFrom(undefined, 'text/html', 'application/json', '*/*', 'garbage/;;', 'application/json, text/html;q=0.1'),
  xhr: fc.boolean(),
});

function assertServed(res: RawResponse, what: string): void {
  assert.ok(res.status >= 200 && res.status < 500, `${what} answered ${res.status}: ${res.body.slice(0, 300)}`);
  assert.doesNotMatch(res.body, /\n\s+at .+:\d+:\d+/, `${what} showed a stack trace`);
}

function setCookieValue(res: RawResponse, name: string): string | undefined {
  for (const line of res.headers['set-cookie'] ?? []) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

async function signedInUser(sessionCookie: string): Promise<unknown> {
  const res = await raw.send({ method: 'GET', path: '/', headers: { cookie: `${SESSION_COOKIE}=${sessionCookie}`, accept: 'application/json' } });
  assert.equal(res.status, 200);
  return (JSON.parse(res.body) as { user: unknown }).user;
}

test('fuzz: the Toopher routes, login and guarded routes never answer 5xx, sign anyone in or run an action', async (t) => {
  const statuses = new Map<number, number>();
  let cases = 0;
  await fuzz(t, 'middleware-routes', middlewareCase, async (c) => {
    cases++;
    // Flows get used up (cancelled, locked by wrong OTPs): start fresh ones now and then.
    if (cases % 40 === 0) await rebuildStates();
    const state = states[c.stateIndex % states.length] as BrowserState;
    const other = states[c.otherIndex % states.length] as BrowserState;
    const id = c.idChoice === 'own' ? state.flowId : c.idChoice === 'other' ? other.flowId : c.idChoice;
    const method = c.otherMethod ?? c.route.method;
    const fields: [string, string][] = c.fields.map(([i, value]) => [c.route.fields[i % Math.max(c.route.fields.length, 1)] ?? 'x', value]);
    if (c.realCsrf && c.route.fields.includes('_csrf')) fields.unshift(['_csrf', state.csrf]);
    fields.push(...c.extra);
    const headers: Record<string, string> = {};
    const cookie = cookieHeader(state, c.cookies, c.noise, other);
    if (cookie !== undefined) headers['cookie'] = cookie;
    if (c.accept !== undefined) headers['accept'] = c.accept;
    if (c.xhr) headers['x-requested-with'] = 'XMLHttpRequest';
    let body: string | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      if (c.bodyKind === 'form') {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = formEncode(fields);
      } else if (c.bodyKind === 'json') {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(Object.fromEntries(fields));
      } else {
        if (c.hostile.contentType !== undefined) headers['content-type'] = c.hostile.contentType;
        body = c.hostile.body;
      }
    }
    const query = method === 'GET' && fields.length > 0 && c.route.fields.length > 0 ? `${c.query === '' ? '?' : `${c.query}&`}${formEncode(fields)}` : c.query;
    const path = `${c.route.path.replace('{id}', id)}${query}`;
    const res = await raw.send({ method, path, headers, ...(body === undefined ? {} : { body }) });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const what = `${method} ${c.route.path} (${state.name}, cookies ${c.cookies})`;
    assertServed(res, what);
    assert.equal(app.executed.length, 0, `${what} ran a guarded action without approval`);
    const session = setCookieValue(res, SESSION_COOKIE);
    if (session !== undefined && session !== '') {
      const who = await signedInUser(session);
      assert.ok(who === null || who === state.signedInAs, `${what} signed in ${String(who)}`);
    }
  });
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);

  // Nobody approved anything: no approval was granted after setup, no session holds another sign-in.
  assert.equal(granted(), grantedInSetup, 'no approval granted during the fuzz');
  const sessions = await new Promise<Record<string, SessionData> | null | undefined>((resolve, reject) => {
    const all = app.store.all?.bind(app.store);
    if (all === undefined) {
      resolve(undefined);
      return;
    }
    all((err: unknown, result?: Record<string, SessionData> | SessionData[] | null) => (err ? reject(err instanceof Error ? err : new Error("the store failed to list sessions")) : resolve(result as Record<string, SessionData> | null)));
  });
  assert.ok(sessions, 'the store lists its sessions');
  const signedIn = Object.values(sessions).map((s) => (s as { passport?: { user?: unknown } }).passport?.user).filter((u) => u !== undefined);
  assert.ok(signedIn.every((u) => u === user('action').id), `only the user signed in during setup has sessions (${JSON.stringify(signedIn)})`);
  processErrors.assertNone();
});
