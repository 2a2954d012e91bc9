/**
 * toopher-server's own push path: a sign-in left pending by `authentication_requests/initiate` is pushed to
 * the phone app's subscription, and the message decrypts correctly at a push service on 127.0.0.1
 * (test/helpers/push-endpoint.ts checks the VAPID signature and decrypts aes128gcm itself).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createToopherServer, type ToopherServer } from '../../src/server/index.js';
import { DeviceClient } from '../helpers/device-client.js';
import { type PushEndpoint, startPushEndpoint, type TestPushSubscription } from '../helpers/push-endpoint.js';
import { waitFor } from '../helpers/test-app.js';

async function pushingServer(t: TestContext, db: string): Promise<ToopherServer> {
  const server = await createToopherServer({
    storage: { sqlite: db },
    port: 0,
    log: () => undefined,
    push: { subject: 'mailto:ops@example.com', allowInsecureLoopbackEndpoints: true, timeoutMs: 5_000 },
  });
  t.after(() => server.close());
  return server;
}

function tempDb(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'toopher-push-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'state.db');
}

async function pairedPhone(server: ToopherServer): Promise<{ api: ToopherApi; phone: DeviceClient }> {
  const requester = await server.requesters.create('Shop');
  const api = new ToopherApi({ baseUrl: server.apiUrl, consumerKey: requester.key, consumerSecret: requester.secret });
  const phone = await DeviceClient.register(server.url);
  const pairing = await api.pair(await phone.newPhrase(), 'ann');
  await phone.acceptPairing(pairing.id);
  await api.createUserTerminal('ann', 'Laptop', 'terminal-1');
  return { api, phone };
}

/** A paired phone app whose push subscription is at a push service on 127.0.0.1 (VAPID key from /info). */
async function subscribedPhone(t: TestContext): Promise<{ endpoint: PushEndpoint; subscription: TestPushSubscription; api: ToopherApi }> {
  const endpoint = await startPushEndpoint();
  t.after(() => endpoint.close());
  const server = await pushingServer(t, tempDb(t));
  const { api, phone } = await pairedPhone(server);
  const info = (await (await fetch(`${server.url}/device/v1/info`)).json()) as { vapidPublicKey: string };
  const subscription = endpoint.subscribe(info.vapidPublicKey);
  await phone.setPushSubscription(subscription.json);
  return { endpoint, subscription, api };
}

test('a pending sign-in is pushed to the phone app, and the message decrypts at the push service to the request', async (t) => {
  const { endpoint, subscription, api } = await subscribedPhone(t);

  const request = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  const message = await waitFor(() => Promise.resolve(endpoint.messages[0]), 10_000, 'the push message');
  assert.equal(message.subscriptionId, subscription.id);
  assert.deepEqual(JSON.parse(message.payload), {
    type: 'request',
    requestId: request.id,
    requester: 'Shop',
    actionName: 'Log In',
    terminalName: 'Laptop',
  });
  assert.equal(new URL(message.claims.aud).origin, endpoint.origin);
  assert.deepEqual(endpoint.rejections, []);
});

test('a subscription the push service says is gone (410) is forgotten: later requests send it nothing', async (t) => {
  const { endpoint, subscription, api } = await subscribedPhone(t);
  endpoint.setBehaviour(subscription.id, 'gone');

  await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  await waitFor(() => Promise.resolve(endpoint.requestCount >= 1 ? true : undefined), 10_000, 'the push attempt');
  // Once forgotten, the next request sends nothing (the push service answered 410 for the first one).
  await waitFor(
    async () => {
      const before = endpoint.requestCount;
      await api.authenticateByUserName('ann', 'terminal-1', 'Transfer');
      // The push goes out after the answer; a push still sent would arrive well within this pause.
      await new Promise((resolve) => setTimeout(resolve, 500));
      return endpoint.requestCount === before ? true : undefined;
    },
    10_000,
    'the subscription to be forgotten',
  );
  assert.deepEqual(endpoint.messages, []);
});
