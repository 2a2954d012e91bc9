/**
 * The example app against toopher-server (not the sandbox), for the browser end-to-end tests: the
 * server on a temporary SQLite file (or Redis), the app in-process pointed at the server's v1 API, and
 * the steps a person takes in the phone app (`/app/`), driven in its own browser context.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { BrowserContextOptions, Locator, Page } from 'playwright-core';
import { createToopherServer, type ServerStorage, type ToopherServer } from 'passport-toopher/server';
import { createApp } from '../../example-app/app.js';
import { loadConfig } from '../../example-app/config.js';
import { UserDirectory } from '../../example-app/users.js';
import { WAIT_MS, at, screenshot, submitLogin, submitTerminalName, type TransferEntry } from './e2e-app.js';
import { close, listen } from './listen.js';

/** The example app in this process, talking to a toopher-server. */
export interface AppOnServer {
  /** The app's origin, e.g. `http://127.0.0.1:4321`. */
  readonly url: string;
  /** The executed transfers, read through the app's own `GET /transfers.json`. */
  transfers(): Promise<TransferEntry[]>;
}

/** A fresh temporary SQLite file for one test (its folder is removed after the test). */
export function tempSqlite(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'toopher-server-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'state.sqlite');
}

/** toopher-server on 127.0.0.1 (port 0 unless given), silent, closed after the test (a second close is harmless). */
export async function startServer(t: TestContext, storage: ServerStorage, port = 0): Promise<ToopherServer> {
  const server = await createToopherServer({ storage, port, log: () => {} });
  t.after(() => server.close());
  return server;
}

/** The port a server listens on, from its URL. */
export function portOf(server: ToopherServer): number {
  return Number(new URL(server.url).port);
}

/**
 * Creates the requester "Example" on `server` and starts the example app in-process, configured as
 * `npm start` is with TOOPHER_API_URL / TOOPHER_CONSUMER_KEY / TOOPHER_CONSUMER_SECRET.
 */
export async function startAppOnServer(t: TestContext, server: ToopherServer): Promise<AppOnServer> {
  const requester = await server.requesters.create('Example');
  const config = loadConfig(
    { TOOPHER_API_URL: server.apiUrl, TOOPHER_CONSUMER_KEY: requester.key, TOOPHER_CONSUMER_SECRET: requester.secret },
    () => 'e2e-session-secret-e2e-session-secret-0123456789',
  );
  const api = config.toopherApi;
  if (api === undefined) throw new Error('the config has no Toopher API');
  const example = await createApp({ config, api, users: await UserDirectory.withDemoUsers(), onEvent: () => {} });
  const http = createServer(example.app);
  const url = await listen(http);
  t.after(async () => {
    await close(http);
    await example.close();
  });
  return {
    url,
    async transfers() {
      const response = await fetch(`${url}/transfers.json`);
      return (await response.json()) as TransferEntry[];
    },
  };
}

/** The phone app's card for a pending request of the requester "Example". */
export function requestCard(phone: Page, actionName: string): Locator {
  return phone.locator('#requests li[data-request-id]').filter({ hasText: `${actionName} at Example` });
}

/** Opens the phone app at `appUrl` and waits until it has registered its key and shows a phrase. */
export async function openPhoneApp(phone: Page, appUrl: string): Promise<void> {
  await phone.goto(appUrl);
  await phone.locator('#phrase').filter({ hasText: /\S/ }).waitFor({ timeout: WAIT_MS });
}

/** The pairing phrase the phone app shows. */
export async function phraseOf(phone: Page): Promise<string> {
  const phrase = (await phone.locator('#phrase').textContent())?.trim() ?? '';
  if (phrase === '') throw new Error('the phone app shows no pairing phrase');
  return phrase;
}

/** On the phone: accepts the pending pairing request of "Example" for `userName`. */
export async function acceptPairing(phone: Page, userName: string): Promise<void> {
  const card = phone.locator('#pending-pairings li').filter({ hasText: 'Example wants to pair' }).filter({ hasText: userName });
  await card.getByRole('button', { name: 'Accept' }).click({ timeout: WAIT_MS });
  await phone.getByRole('status').filter({ hasText: 'Paired with Example.' }).waitFor({ timeout: WAIT_MS });
}

/** On the phone: grants or denies the pending `actionName` request once it shows. */
export async function answerRequest(phone: Page, actionName: string, answer: 'Grant' | 'Deny'): Promise<void> {
  const card = requestCard(phone, actionName);
  await card.getByRole('button', { name: answer, exact: true }).click({ timeout: WAIT_MS });
  const said = answer === 'Grant' ? 'granted' : 'denied';
  await phone.getByRole('status').filter({ hasText: `${actionName} at Example: ${said}.` }).waitFor({ timeout: WAIT_MS });
  await card.waitFor({ state: 'detached', timeout: WAIT_MS });
}

/**
 * A first sign-in on the website paired with the phone app by its phrase: password, the phrase typed
 * into the pairing form, Accept on the phone, naming this browser, Grant of the sign-in on the phone.
 */
export async function pairAndSignIn(site: Page, phone: Page, app: AppOnServer, userName: string): Promise<void> {
  await submitLogin(site, app, userName);
  await site.waitForURL(at(app, '/toopher/pair/'));
  await site.getByLabel('Pairing phrase').fill(await phraseOf(phone));
  await site.getByRole('button', { name: 'Pair', exact: true }).click();
  await site.waitForURL(at(app, '/toopher/pending/'));
  await acceptPairing(phone, userName);
  await submitTerminalName(site, app, 'E2E Chromium');
  await site.waitForURL(at(app, '/toopher/pending/'));
  await answerRequest(phone, 'Log In', 'Grant');
}

/** What a scene gives its test: the server, the app on it, the website's page and the phone app's page. */
export interface Scene {
  readonly server: ToopherServer;
  readonly app: AppOnServer;
  /** Browser context 1: the website user. */
  readonly site: Page;
  /** Browser context 2 (a phone-sized one of its own, so its IndexedDB key is its own): the phone app. */
  readonly phone: Page;
}

/** Where pages come from: `browserPool()` of e2e-app.ts. */
export interface PagePool {
  newPage(t: TestContext, options?: BrowserContextOptions): Promise<Page>;
}

export const PHONE_CONTEXT: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/**
 * Runs `body` with a server on a temporary SQLite file, the app on it, and both pages; the phone app
 * is open at `server.appUrl`. On failure both pages are saved as screenshots named after `name`.
 */
export async function withScene(t: TestContext, browsers: PagePool, name: string, body: (scene: Scene) => Promise<void>): Promise<void> {
  const server = await startServer(t, { sqlite: tempSqlite(t) });
  const app = await startAppOnServer(t, server);
  const site = await browsers.newPage(t);
  const phone = await browsers.newPage(t, PHONE_CONTEXT);
  const problems = [...pageProblems(site, 'site'), ...pageProblems(phone, 'phone')];
  await withScreenshots(name, { site, phone }, async () => {
    await openPhoneApp(phone, server.appUrl);
    await body({ server, app, site, phone });
  });
  assert.deepEqual(problems, [], 'no script errors and nothing logged as an error in either page');
}

/** Collects the page's uncaught script errors and console errors (the array fills as they happen). */
export function pageProblems(page: Page, label: string): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`${label}: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${label}: ${message.text()}`);
  });
  return problems;
}

/** Runs `body`; if it throws, saves each page as `test-output/screenshots/<name>-<key>-failed.png` first. */
export async function withScreenshots(name: string, pages: Record<string, Page>, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    for (const [key, page] of Object.entries(pages)) await screenshot(page, `${name}-${key}-failed`).catch(() => {});
    throw err;
  }
}
