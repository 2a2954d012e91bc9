import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from 'passport-toopher';
import { createSandbox, type Sandbox } from 'passport-toopher/sandbox';
import { BrowserClient, findForm, type Hop } from '../helpers/browser-client.js';
import { startNodeProcess, startRedis, type RunningProcess } from '../helpers/processes.js';
import { skipUnlessRedis } from '../helpers/requirements.js';

// Two example-app processes behind one "load balancer" (the same host, so one
// cookie jar serves both) sharing a real redis-server session store.

const skip = skipUnlessRedis();
let sandbox: Sandbox;
let redis: { url: string; stop(): Promise<void> } | undefined;
const instances: { process: RunningProcess; url: string }[] = [];

async function startInstance(): Promise<{ process: RunningProcess; url: string }> {
  const { process, match } = await startNodeProcess(
    'build/example-app/main.js',
    [],
    {
      PORT: '0',
      TOOPHER_API_URL: sandbox.apiUrl,
      TOOPHER_CONSUMER_KEY: sandbox.consumerKey,
      TOOPHER_CONSUMER_SECRET: sandbox.consumerSecret,
      REDIS_URL: redis?.url ?? '',
      SESSION_SECRET: 'two-instances-test-session-secret-0123456789',
      TOOPHER_ENROLLMENT: 'required',
    },
    /Example app:\s+(http:\/\/\S+?)\/?\s/,
  );
  const instance = { process, url: match[1] ?? '' };
  instances.push(instance);
  return instance;
}

before(async () => {
  if (skip !== false) return;
  sandbox = await createSandbox();
  redis = await startRedis();
});

/** Two fresh instances for one test (each test starts its own: no test relies on another). */
async function twoInstances(): Promise<[{ process: RunningProcess; url: string }, { process: RunningProcess; url: string }]> {
  return Promise.all([startInstance(), startInstance()]);
}

/** Pairs `userName` through the API and the sandbox phone unless a pairing is active already. */
async function ensurePaired(userName: string): Promise<void> {
  if ((await sandbox.phone.listPairings(userName)).some((p) => p.enabled && !p.deactivated)) return;
  const api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  const pairing = await api.pair(await sandbox.phone.createPairingPhrase(), userName);
  await sandbox.phone.respondToPairing(pairing.id, true);
}

after(async () => {
  await Promise.all(instances.map((i) => i.process.stop()));
  await redis?.stop();
  await sandbox?.close();
});

async function signIn(client: BrowserClient, username: string): Promise<Hop> {
  const page = await client.get('/login');
  const hop = await client.submit(findForm(page.body, '/login'), { username, password: 'demo-password' });
  assertRedirect(hop);
  return hop;
}

function assertRedirect(hop: Hop): void {
  assert.ok(hop.status === 302 || hop.status === 303, `${hop.method} ${hop.url} answered ${hop.status}, not a redirect`);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function approvePendingRequest(userName: string): Promise<void> {
  const request = await waitFor('a pending authentication request', async () =>
    (await sandbox.phone.listAuthenticationRequests(userName)).find((r) => r.pending),
  );
  await sandbox.phone.respondToAuthenticationRequest(request.id, true);
}

/** Polls the pending page's JSON status endpoint (as the page's script does) until it is decided. */
async function waitUntilDecided(client: BrowserClient, pendingPageHtml: string): Promise<Record<string, unknown>> {
  const statusUrl = (/data-status-url="([^"]+)"/.exec(pendingPageHtml)?.[1] ?? '').replace(/&amp;/g, '&');
  assert.notEqual(statusUrl, '', 'the pending page names its status URL');
  return waitFor(`a decision at ${statusUrl}`, async () => {
    const { status, body } = await client.getJson(statusUrl);
    return status === 202 ? undefined : body;
  });
}

async function signedInAs(client: BrowserClient): Promise<string | undefined> {
  const home = await client.get('/');
  return home.status === 200 ? /Signed in as ([^<]+)</.exec(home.body)?.[1] : undefined;
}

test('a login started on instance A is paired, named and completed on instance B', { skip }, async () => {
  // bob is paired by no other test, so this one starts from "never paired" in any order.
  const [a, b] = await twoInstances();
  const onA = new BrowserClient(a.url);
  const onB = onA.withBaseUrl(b.url);

  const toPair = await signIn(onA, 'bob');
  assert.match(toPair.location ?? '', /\/toopher\/pair\//);
  assert.equal(await signedInAs(onA), undefined, 'not signed in before Toopher approves');

  // The pairing page is served by B from the session A wrote.
  const pairPage = await onB.get(toPair.location ?? '');
  assert.equal(pairPage.status, 200);
  const phrase = await sandbox.phone.createPairingPhrase();
  const toPairingPending = await onB.submit(findForm(pairPage.body, '/pair/'), { pairing_phrase: phrase });
  assertRedirect(toPairingPending);
  const pairing = await waitFor('the pending pairing', async () => (await sandbox.phone.listPairings('bob')).find((p) => p.pending));
  await sandbox.phone.respondToPairing(pairing.id, true);

  const pairingPending = await onA.get(toPairingPending.location ?? '');
  assert.equal((await waitUntilDecided(onB, pairingPending.body))['state'], 'granted');
  const toNaming = await onA.submit(findForm(pairingPending.body, 'toopher-check'));
  assert.match(toNaming.location ?? '', /\/toopher\/terminal\//);

  const namingPage = await onB.get(toNaming.location ?? '');
  const toPending = await onB.submit(findForm(namingPage.body, '/terminal/'), { terminal_name: 'Test runner' });
  assert.match(toPending.location ?? '', /\/toopher\/pending\//);
  assert.equal(await signedInAs(onB), undefined, 'still not signed in while the approval is pending');

  await approvePendingRequest('bob');
  const pendingPage = await onA.get(toPending.location ?? '');
  assert.equal((await waitUntilDecided(onA, pendingPage.body))['state'], 'granted');

  const done = await onB.submit(findForm(pendingPage.body, 'toopher-check'));
  assertRedirect(done);
  assert.equal(await signedInAs(onB), 'bob');
  assert.equal(await signedInAs(onA), 'bob', 'the session is shared through Redis');
});

test('an approved transfer replayed to both instances at once runs exactly once', { skip }, async () => {
  const [a, b] = await twoInstances();
  await ensurePaired('alice');
  const onA = new BrowserClient(a.url);
  const onB = onA.withBaseUrl(b.url);
  // This browser is new: name it, then approve the sign-in.
  const toNaming = await signIn(onA, 'alice');
  const namingPage = await onA.get(toNaming.location ?? '');
  const toLoginPending = await onA.submit(findForm(namingPage.body, '/terminal/'), { terminal_name: 'Transfer browser' });
  const loginPending = await onA.get(toLoginPending.location ?? '');
  await approvePendingRequest('alice');
  assert.equal((await waitUntilDecided(onA, loginPending.body))['state'], 'granted');
  await onA.submit(findForm(loginPending.body, 'toopher-check'));
  assert.equal(await signedInAs(onB), 'alice');

  const recipient = `both-instances-${Date.now()}`;
  const form = await onA.get('/transfer');
  const toActionPending = await onA.submit(findForm(form.body, '/transfer'), { amount: '12.50', recipient });
  const actionPending = await onB.get(toActionPending.location ?? '');
  await approvePendingRequest('alice');
  assert.equal((await waitUntilDecided(onB, actionPending.body))['state'], 'granted');
  const replayPage = await onB.submit(findForm(actionPending.body, 'toopher-check'));
  const replay = findForm(replayPage.body, 'toopher-replay');

  const [onInstanceA, onInstanceB] = await Promise.all([onA.submit(replay), onB.submit(replay)]);
  const statuses = [onInstanceA.status, onInstanceB.status].sort();
  assert.equal(statuses.filter((s) => s === 200).length, 1, `replay statuses ${statuses.join(', ')}`);
  const executed = (
    await Promise.all(
      [onA, onB].map(async (client) => JSON.parse((await client.get('/transfers.json')).body) as { recipient: string }[]),
    )
  )
    .flat()
    .filter((t) => t.recipient === recipient);
  assert.equal(executed.length, 1);
});

test('a login pending on instance A completes on instance B after A is killed', { skip }, async () => {
  const [a, b] = await twoInstances();
  await ensurePaired('alice');
  const onA = new BrowserClient(a.url);
  const onB = onA.withBaseUrl(b.url);

  // A new browser (new terminal cookie) must name its terminal first.
  const toNaming = await signIn(onA, 'alice');
  assert.match(toNaming.location ?? '', /\/toopher\/terminal\//);
  const namingPage = await onA.get(toNaming.location ?? '');
  const toPending = await onA.submit(findForm(namingPage.body, '/terminal/'), { terminal_name: 'Second browser' });
  assert.match(toPending.location ?? '', /\/toopher\/pending\//);
  const pendingPage = await onA.get(toPending.location ?? '');

  await a.process.stop('SIGKILL');
  await approvePendingRequest('alice');
  assert.equal((await waitUntilDecided(onB, pendingPage.body))['state'], 'granted');

  const done = await onB.submit(findForm(pendingPage.body, 'toopher-check'));
  assertRedirect(done);
  assert.equal(await signedInAs(onB), 'alice');
});
