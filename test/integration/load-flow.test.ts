import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { RedisStore } from 'connect-redis';
import type { Store } from 'express-session';
import { createClient } from 'redis';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { signTerminalId } from '../../src/engine/terminal-cookie.js';
import { BENCH_SECRET, benchUsers, createBenchApp, type BenchApp } from '../../bench/lib/bench-app.js';
import { closeBrowsers } from '../../bench/lib/browser.js';
import { enrollUser, forEachLimit } from '../../bench/lib/enroll.js';
import { formatSummary, runLoad, type LoadSummary, type LoadUser } from '../../bench/lib/load-flow.js';
import { close, listen } from '../helpers/listen.js';
import { startRedis } from '../helpers/processes.js';
import { skipUnlessRedis } from '../helpers/requirements.js';

/**
 * The small version of `npm run load`: 25 simulated browsers at once, each
 * doing the whole flow (password, pending page, the sandbox phone approving
 * by itself, polling, signed in, a guarded POST approved and replayed),
 * against one app instance, then against two instances sharing Redis.
 * Every browser must end signed in as its own user and run its action
 * exactly once: no lost and no crossed sessions.
 */

const BROWSERS = 25;
let sandbox: Sandbox;
let api: ToopherApi;
const users: LoadUser[] = [];
const plainUsers = benchUsers(BROWSERS, 'small');

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  await forEachLimit(plainUsers, 8, async (user) => {
    const terminalId = `load-terminal-${user.id}-000000000`;
    await enrollUser(api, { sandboxUrl: sandbox.url, userName: user.email, terminalId });
    users.push({ email: user.email, password: user.password, terminalCookie: `toopher_terminal=${signTerminalId(terminalId, BENCH_SECRET)}` });
  });
  await sandbox.phone.setAutoRespond({ granted: true, delayMs: 50 });
});

after(async () => {
  closeBrowsers();
  await sandbox.close();
});

async function startInstance(store?: Store): Promise<{ bench: BenchApp; server: Server; url: string }> {
  const bench = createBenchApp({
    variant: 'toopher',
    api,
    users: plainUsers,
    ...(store === undefined ? {} : { store }),
    toopher: { pollIntervalMs: 50 },
  });
  const server = createServer(bench.app);
  const url = await listen(server);
  return { bench, server, url };
}

function assertNoLostOrCrossed(summary: LoadSummary, transfers: readonly { user: string }[]): void {
  const report = formatSummary('load', summary);
  assert.equal(summary.lostSessions, 0, report);
  assert.equal(summary.crossedSessions, 0, report);
  assert.equal(summary.failed, 0, report);
  assert.equal(summary.completedLogins, BROWSERS, report);
  assert.equal(summary.completedActions, BROWSERS, report);
  const perUser = new Map<string, number>();
  for (const t of transfers) perUser.set(t.user, (perUser.get(t.user) ?? 0) + 1);
  assert.deepEqual(
    users.map((u) => perUser.get(u.email) ?? 0),
    users.map(() => 1),
    'each guarded action ran exactly once, for its own user',
  );
}

test('25 browsers at once each sign in as themselves and run their action once on one instance', async (t) => {
  const instance = await startInstance();
  t.after(() => close(instance.server));
  const { summary } = await runLoad([instance.url], users, { pollMs: 50, deadlineMs: 20_000 });
  t.diagnostic(formatSummary('one instance', summary));
  assertNoLostOrCrossed(summary, instance.bench.transfers);
});

test('25 browsers alternating between two instances that share Redis sessions lose and cross nothing', { skip: skipUnlessRedis() }, async (t) => {
  const redis = await startRedis();
  const clients = [createClient({ url: redis.url }), createClient({ url: redis.url })];
  const instances: Awaited<ReturnType<typeof startInstance>>[] = [];
  // One hook, in order: servers, then Redis clients, then the server they talk to.
  t.after(async () => {
    for (const instance of instances) await close(instance.server);
    for (const client of clients) if (client.isOpen) await client.quit();
    await redis.stop();
  });
  for (const client of clients) await client.connect();
  for (const client of clients) instances.push(await startInstance(new RedisStore({ client, prefix: 'load:' })));
  const { summary } = await runLoad(
    instances.map((i) => i.url),
    users,
    { pollMs: 50, deadlineMs: 20_000 },
  );
  t.diagnostic(formatSummary('two instances, Redis', summary));
  assertNoLostOrCrossed(summary, instances.flatMap((i) => i.bench.transfers));
  assert.ok(instances.every((i) => i.bench.transfers.length > 0), 'both instances ran guarded actions');
});
