import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { enroll, makeUsers, startTestApp, userById, whoAmI, type TestApp, type TestUser } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid', 'dot', 'eve', 'fay');
let sandbox: Sandbox;
let api: ToopherApi;
let app: TestApp;
let limited: TestApp;

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  app = await startTestApp({ api, users, toopher: { pollIntervalMs: 0 } });
  limited = await startTestApp({ api, users, toopher: { pollIntervalMs: 0, maxPushesPerMinute: 2 } });
});

after(async () => {
  await Promise.all([app.close(), limited.close()]);
  await sandbox.close();
});

const user = (id: string): TestUser => userById(users, id);

async function pendingLogin(id: string) {
  const client = new BrowserClient(app.url);
  const { pairingId } = await enroll(sandbox, api, user(id).email, client);
  const hop = await client.post('/login', { email: user(id).email, password: user(id).password });
  const page = await client.get(hop.location ?? '');
  assert.match(page.body, /<label for="[^"]+">One-time password<\/label>/);
  return { client, pairingId, otpForm: findForm(page.body, '/otp'), pendingUrl: hop.location ?? '' };
}

function wrongOtp(right: string): string {
  return right === '000000' ? '111111' : '000000';
}

test('signs in with the right one-time password', async () => {
  const { client, pairingId, otpForm } = await pendingLogin('ann');
  const done = await client.submit(otpForm, { otp: await sandbox.phone.getOtp(pairingId) });
  assert.equal(done.status, 303);
  assert.equal(await whoAmI(client), user('ann').email);
  assert.ok(app.events.some((e) => e.type === 'approval-granted' && e.reason === 'otp'));
});

test('refuses a wrong one-time password but keeps the request open', async () => {
  const { client, pairingId, otpForm } = await pendingLogin('ben');
  const right = await sandbox.phone.getOtp(pairingId);
  const wrong = await client.submit(otpForm, { otp: wrongOtp(right) });
  assert.equal(wrong.status, 401);
  assert.match(wrong.body, /not correct/);
  assert.equal(await whoAmI(client), null);
  const stillPending = await sandbox.phone.listAuthenticationRequests(user('ben').email);
  assert.ok(stillPending.some((r) => r.pending));
  const done = await client.submit(findForm(wrong.body, '/otp'), { otp: await sandbox.phone.getOtp(pairingId) });
  assert.equal(done.status, 303);
  assert.equal(await whoAmI(client), user('ben').email);
});

test('ends the request after five wrong one-time passwords', async () => {
  const { client, pairingId, otpForm, pendingUrl } = await pendingLogin('cid');
  const right = await sandbox.phone.getOtp(pairingId);
  const answers: number[] = [];
  for (let i = 0; i < 5; i += 1) answers.push((await client.submit(otpForm, { otp: i === 2 ? 'abc' : wrongOtp(right) })).status);
  assert.deepEqual(answers, [401, 401, 401, 401, 403]);
  const late = await client.submit(otpForm, { otp: await sandbox.phone.getOtp(pairingId) });
  assert.equal(late.status, 401);
  assert.equal(await whoAmI(client), null);
  assert.equal((await client.get(pendingUrl)).status, 401);
  assert.ok(app.events.some((e) => e.type === 'otp-locked' && e.userName === user('cid').email));
});

test('stops sending pushes to a user after the per-minute limit', async () => {
  const email = user('dot').email;
  const first = new BrowserClient(limited.url);
  await enroll(sandbox, api, email, first);
  const statuses: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const client = new BrowserClient(limited.url);
    await client.setCookie('toopher_terminal', (await first.cookie('toopher_terminal')) ?? '');
    const hop = await client.post('/login', { email, password: user('dot').password });
    statuses.push(`${hop.status} ${hop.location?.replace(limited.url, '').replace(/(pending\/)[^/]+$/, '$1:id') ?? ''}`);
  }
  assert.deepEqual(statuses, ['303 /toopher/pending/:id', '303 /toopher/pending/:id', '302 /login']);
  assert.equal((await sandbox.phone.listAuthenticationRequests(email)).length, 2);
  assert.ok(limited.events.some((e) => e.type === 'rate-limited' && e.userName === email));
});

test('sends at most the per-minute limit of pushes when many sign-ins start at once', async () => {
  const email = user('eve').email;
  const first = new BrowserClient(limited.url);
  await enroll(sandbox, api, email, first);
  const terminal = (await first.cookie('toopher_terminal')) ?? '';
  const clients = Array.from({ length: 12 }, () => new BrowserClient(limited.url));
  for (const client of clients) await client.setCookie('toopher_terminal', terminal);
  const hops = await Promise.all(clients.map((client) => client.post('/login', { email, password: user('eve').password })));
  assert.equal(hops.filter((hop) => hop.status === 303).length, 2);
  assert.equal(hops.filter((hop) => hop.status === 302 && hop.location?.endsWith('/login') === true).length, 10);
  assert.equal((await sandbox.phone.listAuthenticationRequests(email)).length, 2);
});

test('checks at most five one-time passwords of a request when many are sent at once', async () => {
  const { client, pairingId, otpForm } = await pendingLogin('fay');
  const right = await sandbox.phone.getOtp(pairingId);
  const guesses = Array.from({ length: 30 }, (_, i) => String(100_000 + i)).filter((guess) => guess !== right);
  const answers = await Promise.all(guesses.map((otp) => client.submit(otpForm, { otp })));
  assert.ok(answers.every((hop) => hop.status === 401 || hop.status === 403));
  const checked = app.events.filter((e) => e.type === 'otp-failed' && e.userName === user('fay').email).length;
  assert.ok(checked <= 5, `${checked} wrong one-time passwords were checked with Toopher`);
  const late = await client.submit(otpForm, { otp: await sandbox.phone.getOtp(pairingId) });
  assert.notEqual(late.status, 303);
  assert.equal(await whoAmI(client), null);
});
