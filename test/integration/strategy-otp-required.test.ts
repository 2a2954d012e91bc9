import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { enroll, makeUsers, startTestApp } from '../helpers/test-app.js';

test('reason_code 708: the strategy goes straight to the one-time password form, and the OTP signs in', async (t) => {
  const sandbox = await createSandbox();
  t.after(() => sandbox.close());
  const api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  const users = makeUsers('otp');
  const [user] = users;
  assert.ok(user);
  const app = await startTestApp({ api, users, toopher: { pollIntervalMs: 0 } });
  t.after(() => app.close());

  const client = new BrowserClient(app.url);
  const { pairingId } = await enroll(sandbox, api, user.email, client);
  await sandbox.phone.setOtpRequired(pairingId, true);
  const hop = await client.post('/login', { email: user.email, password: user.password });
  const page = await client.get(hop.location ?? '');
  assert.match(page.body, /<h1>Enter your one-time password<\/h1>/);
  assert.match(page.body, /No notification was sent to your phone/);
  assert.doesNotMatch(page.body, /Waiting for your phone/);
  const [request] = await sandbox.phone.listAuthenticationRequests(user.email);
  assert.deepEqual([request?.pending, request?.reason_code], [true, 708]);

  const done = await client.submit(findForm(page.body, '/otp'), { otp: await sandbox.phone.getOtp(pairingId) });
  assert.equal(done.status, 303);
  const me = JSON.parse((await client.get('/', { accept: 'application/json' })).body) as { user: unknown };
  assert.equal(me.user, user.email);
});
