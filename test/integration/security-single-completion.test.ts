import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MemorySharedStore, ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm, parseForms } from '../helpers/browser-client.js';
import { startGatedProxy, type GatedProxy } from '../helpers/gated-proxy.js';
import { enroll, makeUsers, pendingRequest, postWithCsrf, signIn, startTestApp, waitFor, type TestApp } from '../helpers/test-app.js';

// One approval, one run, whatever the timeout: a concurrent request of the same
// session that saves its older copy of the session after the flow completed
// must not bring the flow back to life, even after the grant's own claim lapsed.

const DAY_MS = 24 * 60 * 60 * 1000;
const users = makeUsers('ola', 'oli');
let offsetMs = 0;
const clock = (): number => Date.now() + offsetMs;
let sandbox: Sandbox;
let proxy: GatedProxy;
let app: TestApp;

before(async () => {
  sandbox = await createSandbox();
  // One-time-password checks wait at the gate until the test lets them through.
  proxy = await startGatedProxy(sandbox.url, (path, body) => path.includes('authentication_requests/initiate') && /(^|&)otp=/.test(body));
  const api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: `${proxy.url}/v1` });
  app = await startTestApp({
    api,
    users,
    toopher: { pollIntervalMs: 0, authTimeoutMs: DAY_MS, clock, store: new MemorySharedStore({}, clock) },
  });
});

after(async () => {
  await app.close();
  await proxy.close();
  await sandbox.close();
});

test('an approved transfer runs once when a slow wrong-OTP request saves an old session copy and the flow is completed again minutes later', async () => {
  const user = users[0];
  assert.ok(user);
  const client = new BrowserClient(app.url);
  const directApi = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  await enroll(sandbox, directApi, user.email, client);
  await signIn(sandbox, client, user);

  const held = await postWithCsrf(client, '/transfer', { amount: '500' });
  assert.equal(held.status, 303);
  const page = await client.get(held.location ?? '');
  const check = findForm(page.body, 'toopher-check');
  const otpForm = parseForms(page.body).find((form) => form.action.endsWith('/otp'));
  assert.ok(otpForm);
  await sandbox.phone.respondToAuthenticationRequest((await pendingRequest(sandbox, user.email)).id, true);

  // A wrong one-time password is being checked upstream (its request holds the session as it was)...
  const slowOtp = client.submit(otpForm, { otp: '000000' });
  await waitFor(() => Promise.resolve(proxy.held() === 1 ? true : undefined), 10_000, 'the OTP check at the gate');

  // ...while the flow completes and the approved transfer runs.
  const replay = await client.submit(check);
  assert.equal(replay.status, 200);
  const ran = await client.submit(findForm(replay.body, 'toopher-replay'));
  assert.equal(ran.status, 200);
  assert.equal(app.executed.filter((run) => run.user === user.email).length, 1);

  // The OTP request finishes and saves its older copy of the session.
  proxy.release();
  assert.equal((await slowOtp).status, 401);

  // Minutes later (past the grant's 5-minute claim), the old check form is sent again.
  offsetMs += 6 * 60_000;
  const again = await client.submit(check);
  assert.notEqual(again.status, 200, 'the completed flow minted a second grant');
  const replays = parseForms(again.body).filter((form) => form.id === 'toopher-replay');
  for (const form of replays) await client.submit(form);
  assert.equal(app.executed.filter((run) => run.user === user.email).length, 1, 'one approval ran the transfer twice');
  assert.ok(app.events.some((e) => e.userName === user.email && e.type === 'grant-refused' && e.reason === 'replayed'));
});
