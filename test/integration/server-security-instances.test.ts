/**
 * toopher-server attacked across two instances on one real redis-server: the same signed call sent to both
 * at once, a grant and a deny racing through different instances, an OTP code used through both. Each must
 * act once.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { generateSync } from 'otplib';
import { ToopherApi } from '../../src/index.js';
import { createToopherServer, type ToopherServer } from '../../src/server/index.js';
import { DeviceClient } from '../helpers/device-client.js';
import { TestDevice } from '../helpers/device-signer.js';
import { startRedis } from '../helpers/processes.js';
import { skipUnlessRedis } from '../helpers/requirements.js';

async function twoInstances(t: TestContext): Promise<[ToopherServer, ToopherServer]> {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const start = async (): Promise<ToopherServer> => {
    const server = await createToopherServer({ storage: { redisUrl: redis.url }, port: 0, log: () => undefined });
    t.after(() => server.close());
    return server;
  };
  return [await start(), await start()];
}

test('attack: one signed device call sent to two instances at once acts once', { skip: skipUnlessRedis() }, async (t) => {
  const [a, b] = await twoInstances(t);
  const shop = await a.requesters.create('Shop');
  const api = new ToopherApi({ baseUrl: a.apiUrl, consumerKey: shop.key, consumerSecret: shop.secret });
  const device = await TestDevice.create();
  const registerBody = JSON.stringify({ publicKey: device.publicKey, name: 'phone' });
  const registerHeaders = await device.sign('POST', '/device/v1/devices', registerBody, Date.now());
  assert.equal((await fetch(`${a.url}/device/v1/devices`, { method: 'POST', headers: { 'content-type': 'application/json', ...registerHeaders }, body: registerBody })).status, 200);

  // The captured phrase call, replayed through the other instance at the same moment.
  const headers = await device.sign('POST', '/device/v1/phrases', '', Date.now());
  const answers = await Promise.all([a, b].map((s) => fetch(`${s.url}/device/v1/phrases`, { method: 'POST', headers })));
  assert.deepEqual(answers.map((r) => r.status).sort(), [200, 401]);

  const phrase = ((await (answers.find((r) => r.status === 200) as Response).json()) as { phrase: string }).phrase;
  const pairing = await api.pair(phrase, 'ann');
  const body = JSON.stringify({ accept: true });
  const path = `/device/v1/pairings/${pairing.id}/decision`;
  const signed = await device.sign('POST', path, body, Date.now());
  const accepted = await Promise.all(
    [a, b].map((s) => fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body })),
  );
  assert.deepEqual(accepted.map((r) => r.status).sort(), [200, 401]);
});

test('attack: a grant and a deny racing through two instances: exactly one decides', { skip: skipUnlessRedis() }, async (t) => {
  const [a, b] = await twoInstances(t);
  const shop = await a.requesters.create('Shop');
  const api = new ToopherApi({ baseUrl: a.apiUrl, consumerKey: shop.key, consumerSecret: shop.secret });
  const phone = await DeviceClient.register(a.url);
  const pairing = await api.pair(await phone.newPhrase(), 'ann');
  const accepted = await phone.acceptPairing(pairing.id);
  await api.createUserTerminal('ann', 'Laptop', 'terminal-1');

  for (let round = 0; round < 5; round += 1) {
    const request = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
    const results = await Promise.allSettled([phone.decide(request.id, true), phone.at(b.url).decide(request.id, false)]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}`);
    const status = await api.getAuthenticationStatus(request.id);
    assert.equal(status.pending, false);
    assert.equal(status.granted, results[0].status === 'fulfilled', `round ${round}: the answer that won decided`);
  }

  // One OTP code through both instances at once: at most one approval.
  const otp = generateSync({ secret: accepted.otpSecret as string });
  const apiB = new ToopherApi({ baseUrl: b.apiUrl, consumerKey: shop.key, consumerSecret: shop.secret });
  const first = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  const second = await apiB.authenticateByUserName('ann', 'terminal-1', 'Log In');
  const decided = await Promise.all([api.authenticateWithOtp(first.id, otp), apiB.authenticateWithOtp(second.id, otp)]);
  assert.equal(decided.filter((r) => r.granted).length, 1);
});
