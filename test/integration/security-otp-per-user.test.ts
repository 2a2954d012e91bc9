import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MemorySharedStore, ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm, type ParsedForm } from '../helpers/browser-client.js';
import { enroll, makeUsers, startTestApp, userById, whoAmI, type TestApp, type TestUser } from '../helpers/test-app.js';

// Wrong one-time passwords are limited per user across all of the user's
// pending sign-ins, browsers and instances, not per pending request: opening
// more sign-ins must not buy more guesses.

const users = makeUsers('vic', 'val');
let sandbox: Sandbox;
let api: ToopherApi;
let first: TestApp;
let second: TestApp;

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  // Two instances of one deployment: one shared store (what Redis is in production).
  const store = new MemorySharedStore();
  const toopher = { pollIntervalMs: 0, maxOtpAttempts: 3, maxPushesPerMinute: 50, store };
  first = await startTestApp({ api, users, toopher });
  second = await startTestApp({ api, users, toopher });
});

after(async () => {
  await Promise.all([first.close(), second.close()]);
  await sandbox.close();
});

const user = (id: string): TestUser => userById(users, id);

/** A new browser at the pending page of a sign-in of `id` on `app`, with its OTP form. */
async function pendingLogin(app: TestApp, id: string, pairing?: { pairingId: string }): Promise<{ client: BrowserClient; otpForm: ParsedForm; pairingId: string }> {
  const client = new BrowserClient(app.url);
  const enrolled = pairing ?? (await enroll(sandbox, api, user(id).email, client));
  const hop = await client.post('/login', { email: user(id).email, password: user(id).password });
  let location = hop.location ?? '';
  // A further browser of the same user is unknown to Toopher: name it, then the push goes out.
  if (/\/terminal\//.test(location)) {
    const page = await client.get(location);
    location = (await client.submit(findForm(page.body, '/toopher/terminal/'), { terminal_name: 'Another browser' })).location ?? '';
  }
  assert.match(location, /\/toopher\/pending\//);
  const page = await client.get(location);
  return { client, otpForm: findForm(page.body, '/otp'), pairingId: enrolled.pairingId };
}

function wrongOtp(right: string): string {
  return right === '000000' ? '111111' : '000000';
}

test('three sign-ins on two instances share one budget of wrong one-time passwords', async () => {
  const a = await pendingLogin(first, 'vic');
  const b = await pendingLogin(second, 'vic', a);
  const c = await pendingLogin(first, 'vic', a);
  const wrong = wrongOtp(await sandbox.phone.getOtp(a.pairingId));

  assert.equal((await a.client.submit(a.otpForm, { otp: wrong })).status, 401);
  assert.equal((await b.client.submit(b.otpForm, { otp: wrong })).status, 401);
  // The third wrong guess of this user, though the first of this sign-in: locked.
  const third = await c.client.submit(c.otpForm, { otp: wrong });
  assert.equal(third.status, 403);
  assert.match(third.body, /Too many/i);

  // Even the right password is refused now on a sign-in that had guessed only once.
  const right = await sandbox.phone.getOtp(a.pairingId);
  const late = await a.client.submit(a.otpForm, { otp: right });
  assert.notEqual(late.status, 303);
  assert.equal(await whoAmI(a.client), null);
});

test('a right one-time password does not use up the budget', async () => {
  for (let round = 0; round < 4; round += 1) {
    const login = await pendingLogin(first, 'val', round === 0 ? undefined : { pairingId: await pairingOf('val') });
    const done = await login.client.submit(login.otpForm, { otp: await sandbox.phone.getOtp(login.pairingId) });
    assert.equal(done.status, 303, `round ${round}`);
    assert.equal(await whoAmI(login.client), user('val').email);
  }
});

async function pairingOf(id: string): Promise<string> {
  const pairing = (await sandbox.phone.listPairings(user(id).email)).find((p) => p.enabled);
  assert.ok(pairing);
  return pairing.id;
}
