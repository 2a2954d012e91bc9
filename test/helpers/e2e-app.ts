/**
 * The example app under test, for the browser end-to-end tests: started
 * in-process (`createApp` + `createSandbox`, fast, any settings) or as the
 * `npm start` process (`build/example-app/main.js`), plus the steps a person
 * takes in the browser and on the sandbox's phone.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { ToopherEvent } from 'passport-toopher';
import {
  createSandbox,
  type SandboxAuthenticationRequest,
  type SandboxOptions,
  type SandboxPairing,
  type SandboxPhone,
} from 'passport-toopher/sandbox';
import { createApp } from '../../example-app/app.js';
import { loadConfig } from '../../example-app/config.js';
import { DEMO_PASSWORD, UserDirectory } from '../../example-app/users.js';
import { launchChromium, screenshotDir } from './browser.js';
import { close, listen } from './listen.js';
import { startNodeProcess } from './processes.js';

/** Conditions are awaited this long at most (pages poll the phone about once a second). */
export const WAIT_MS = 15_000;

/** The phone functions the tests use; `sandbox.phone` in-process, the JSON control API otherwise. */
export type PhoneControl = Pick<
  SandboxPhone,
  | 'createPairingPhrase'
  | 'listPairings'
  | 'respondToPairing'
  | 'getOtp'
  | 'listAuthenticationRequests'
  | 'respondToAuthenticationRequest'
  | 'setAutoRespond'
  | 'clearAutoRespond'
>;

/** One entry of the app's `GET /transfers.json`. */
export interface TransferEntry {
  readonly id: number;
  readonly user: string;
  readonly amount: string;
  readonly recipient: string;
}

export interface E2eApp {
  /** The app's origin, e.g. `http://127.0.0.1:4321` (no trailing slash). */
  readonly url: string;
  /** The sandbox's origin; its phone page is `sandboxUrl + '/phone'`. */
  readonly sandboxUrl: string;
  readonly phone: PhoneControl;
  /** passport-toopher's audit events (in-process apps only; empty for a process). */
  readonly events: readonly ToopherEvent[];
  /** The executed transfers, read through the app's own `GET /transfers.json`. */
  transfers(): Promise<TransferEntry[]>;
  close(): Promise<void>;
}

async function getJson(url: string, init?: RequestInit): Promise<unknown> {
  const response = await fetch(url, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** The sandbox's JSON control API (`/sandbox/...`) as a {@link PhoneControl}. */
export function httpPhone(sandboxUrl: string): PhoneControl {
  const post = (path: string, body: object): Promise<unknown> =>
    getJson(`${sandboxUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const query = (userName: string | undefined): string =>
    userName === undefined ? '' : `?user_name=${encodeURIComponent(userName)}`;
  return {
    async createPairingPhrase() {
      return ((await post('/sandbox/pairing_phrases', {})) as { pairing_phrase: string }).pairing_phrase;
    },
    async listPairings(userName) {
      return (await getJson(`${sandboxUrl}/sandbox/pairings${query(userName)}`)) as SandboxPairing[];
    },
    async respondToPairing(id, granted) {
      await post(`/sandbox/pairings/${encodeURIComponent(id)}/respond`, { granted });
    },
    async getOtp(id) {
      return ((await getJson(`${sandboxUrl}/sandbox/pairings/${encodeURIComponent(id)}/otp`)) as { otp: string }).otp;
    },
    async listAuthenticationRequests(userName) {
      return (await getJson(`${sandboxUrl}/sandbox/authentication_requests${query(userName)}`)) as SandboxAuthenticationRequest[];
    },
    async respondToAuthenticationRequest(id, granted, automate) {
      await post(`/sandbox/authentication_requests/${encodeURIComponent(id)}/respond`, { granted, automate: automate ?? false });
    },
    async setAutoRespond(options) {
      await post('/sandbox/auto_respond', options);
    },
    async clearAutoRespond() {
      await getJson(`${sandboxUrl}/sandbox/auto_respond`, { method: 'DELETE' });
    },
  };
}

function transfersOf(url: string): () => Promise<TransferEntry[]> {
  return async () => (await getJson(`${url}/transfers.json`)) as TransferEntry[];
}

export interface InProcessOptions {
  /** Environment the app's `loadConfig` reads, e.g. `{ TOOPHER_AUTH_TIMEOUT_SECONDS: '2' }`. */
  readonly env?: Readonly<Record<string, string>>;
  readonly sandbox?: SandboxOptions;
}

/** The example app and an embedded sandbox in this process, each on 127.0.0.1 port 0. */
export async function startInProcessApp(options: InProcessOptions = {}): Promise<E2eApp> {
  const sandbox = await createSandbox({ host: '127.0.0.1', port: 0, ...options.sandbox });
  const events: ToopherEvent[] = [];
  let example;
  try {
    const config = loadConfig({ ...options.env }, () => 'e2e-session-secret-e2e-session-secret-0123456789');
    example = await createApp({
      config,
      api: { baseUrl: sandbox.apiUrl, consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret },
      users: await UserDirectory.withDemoUsers(),
      onEvent: (event) => events.push(event),
    });
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  const server = createServer(example.app);
  const url = await listen(server);
  const app = example;
  return {
    url,
    sandboxUrl: sandbox.url,
    phone: sandbox.phone,
    events,
    transfers: transfersOf(url),
    async close() {
      await close(server);
      await Promise.allSettled([app.close(), sandbox.close()]);
    },
  };
}

/** {@link startInProcessApp} for one test, closed after it. */
export async function startAppFor(t: TestContext, options: InProcessOptions = {}): Promise<E2eApp> {
  const app = await startInProcessApp(options);
  t.after(() => app.close());
  return app;
}

/**
 * `npm start`'s program, `build/example-app/main.js`, on free ports, with
 * its printed URLs parsed; the phone is driven through the control API.
 */
export async function startExampleAppProcess(env: Readonly<Record<string, string>> = {}): Promise<E2eApp & { output(): string }> {
  const { process: child, match } = await startNodeProcess(
    'build/example-app/main.js',
    [],
    { PORT: '0', SANDBOX_PORT: '0', NODE_ENV: 'test', ...env },
    /Example app:\s+(http:\/\/\S+?)\/?\r?\n\s*Sandbox phone:\s+(http:\/\/\S+?)\/phone\r?\n/,
  );
  const url = match[1] ?? '';
  const sandboxUrl = match[2] ?? '';
  return {
    url,
    sandboxUrl,
    phone: httpPhone(sandboxUrl),
    events: [],
    transfers: transfersOf(url),
    output: () => child.output(),
    close: () => child.stop('SIGTERM'),
  };
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The user's newest pending authentication request (for `actionName`), once the app has asked the phone. */
export function pendingRequest(app: E2eApp, userName: string, actionName = 'Log In'): Promise<SandboxAuthenticationRequest> {
  return waitFor(`a pending "${actionName}" request for ${userName}`, async () =>
    (await app.phone.listAuthenticationRequests(userName)).find((r) => r.pending && r.action.name === actionName),
  );
}

/** The user's newest pending pairing, once the app has sent the phrase. */
export function pendingPairing(app: E2eApp, userName: string): Promise<SandboxPairing> {
  return waitFor(`a pending pairing for ${userName}`, async () =>
    (await app.phone.listPairings(userName)).find((p) => p.pending),
  );
}

/** One Chromium per test file, launched on first use; each page gets its own context, closed after its test. */
export function browserPool(): { newPage(t: TestContext, options?: BrowserContextOptions): Promise<Page>; close(): Promise<void> } {
  let launched: Promise<Browser> | undefined;
  return {
    async newPage(t, options) {
      launched ??= launchChromium();
      const context: BrowserContext = await (await launched).newContext(options);
      t.after(() => context.close());
      return context.newPage();
    },
    async close() {
      if (launched !== undefined) await (await launched).close();
    },
  };
}

/** True for URLs of `app` whose path starts with `path`. */
export function at(app: Pick<E2eApp, 'url'>, path: string): (url: URL) => boolean {
  return (url) => url.origin === app.url && url.pathname.startsWith(path);
}

/** Saves a full-page screenshot as `test-output/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Fills the login form and submits it; `returnTo` goes into the login page's query. */
export async function submitLogin(page: Page, app: Pick<E2eApp, 'url'>, userName: string, returnTo?: string): Promise<void> {
  const query = returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
  await page.goto(`${app.url}/login${query}`);
  await page.getByLabel('Username').fill(userName);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** On the pair page: types a fresh phrase from the phone and submits it; resolves with the pending pairing. */
export async function submitPairingPhrase(page: Page, app: E2eApp, userName: string): Promise<SandboxPairing> {
  await page.waitForURL(at(app, '/toopher/pair/'));
  await page.getByLabel('Pairing phrase').fill(await app.phone.createPairingPhrase());
  await page.getByRole('button', { name: 'Pair', exact: true }).click();
  await page.waitForURL(at(app, '/toopher/pending/'));
  return pendingPairing(app, userName);
}

/** On the terminal-naming page: names this browser. */
export async function submitTerminalName(page: Page, app: Pick<E2eApp, 'url'>, name: string): Promise<void> {
  await page.waitForURL(at(app, '/toopher/terminal/'));
  await page.getByLabel('Terminal name').fill(name);
  await page.getByRole('button', { name: 'Save and continue' }).click();
}

/** Waits until the page is the app's start page showing `userName` as signed in. */
export async function expectSignedIn(page: Page, app: Pick<E2eApp, 'url'>, userName: string): Promise<void> {
  await page.waitForURL((url) => url.origin === app.url && url.pathname === '/', { timeout: WAIT_MS });
  await page.getByRole('heading', { name: `Signed in as ${userName}` }).waitFor({ timeout: WAIT_MS });
}

/** Waits for a heading with exactly `name`. */
export async function expectHeading(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { name, exact: true }).waitFor({ timeout: WAIT_MS });
}

/**
 * A first sign-in on this browser: password, pairing (granted on the phone),
 * naming the terminal and approving the login. Resolves with the pairing.
 */
export async function enrol(
  page: Page,
  app: E2eApp,
  userName: string,
  options: { readonly terminalName?: string; readonly automate?: boolean } = {},
): Promise<SandboxPairing> {
  await submitLogin(page, app, userName);
  const pairing = await submitPairingPhrase(page, app, userName);
  await app.phone.respondToPairing(pairing.id, true);
  await submitTerminalName(page, app, options.terminalName ?? 'E2E Chromium');
  await page.waitForURL(at(app, '/toopher/pending/'));
  const request = await pendingRequest(app, userName);
  await app.phone.respondToAuthenticationRequest(request.id, true, options.automate ?? false);
  await expectSignedIn(page, app, userName);
  return pairing;
}

/**
 * Set-up for tests about later sign-ins: a first sign-in (pairing and naming
 * this browser) with the phone answering by itself, granting at once (and
 * automating when asked); then the phone is back to manual answers.
 */
export async function enrolQuickly(
  page: Page,
  app: E2eApp,
  userName: string,
  options: { readonly terminalName?: string; readonly automate?: boolean } = {},
): Promise<void> {
  await app.phone.setAutoRespond({ granted: true, automate: options.automate ?? false });
  try {
    await submitLogin(page, app, userName);
    await page.waitForURL(at(app, '/toopher/pair/'));
    await page.getByLabel('Pairing phrase').fill(await app.phone.createPairingPhrase());
    await page.getByRole('button', { name: 'Pair', exact: true }).click();
    await submitTerminalName(page, app, options.terminalName ?? 'E2E Chromium');
    await expectSignedIn(page, app, userName);
  } finally {
    await app.phone.clearAutoRespond();
  }
}

/** Presses "Log out" on the start page. */
export async function logOut(page: Page, app: Pick<E2eApp, 'url'>): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(at(app, '/login'));
}

/** An enrolled user signs out and in again and lands on the pending page, waiting for the phone. */
export async function signInAgainUntilPending(page: Page, app: E2eApp, userName: string): Promise<void> {
  await enrolQuickly(page, app, userName);
  await logOut(page, app);
  await submitLogin(page, app, userName);
  await page.waitForURL(at(app, '/toopher/pending/'));
}
