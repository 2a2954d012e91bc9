/**
 * toopher-server attacked through its limits and its operator's actions: someone who knows a requester's
 * consumer key (it is an identifier, sent with every call) but not its secret, and a requester deleted while
 * phones are still paired with it. Real server on 127.0.0.1, real SQLite files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createToopherServer, type ToopherServer, type ToopherServerOptions } from '../../src/server/index.js';
import { DeviceClient } from '../helpers/device-client.js';
import { authorizationHeader } from '../helpers/sign-request.js';

function tempDb(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'toopher-server-limits-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'state.db');
}

async function start(t: TestContext, extra: Partial<ToopherServerOptions> = {}): Promise<ToopherServer> {
  const server = await createToopherServer({ storage: { sqlite: tempDb(t) }, port: 0, log: () => undefined, ...extra });
  t.after(() => server.close());
  return server;
}

test("attack: unsigned calls naming a requester's consumer key from elsewhere do not use up that requester's rate limit", async (t) => {
  // Behind a proxy on loopback: the attacker's address arrives in X-Forwarded-For, the website's app calls directly.
  const server = await start(t, { trustProxy: 'loopback', publicUrl: 'https://mfa.example.test', rateLimits: { apiPerMinutePerRequester: 5 } });
  const shop = await server.requesters.create('Shop');
  const apiUrl = `${server.url}/v1`;
  const api = new ToopherApi({ baseUrl: apiUrl, consumerKey: shop.key, consumerSecret: shop.secret });

  for (let i = 0; i < 10; i += 1) {
    const forged = await fetch(`${apiUrl}/users?name=ann`, {
      headers: {
        authorization: `OAuth oauth_consumer_key="${shop.key}", oauth_nonce="n${i}", oauth_signature="forged"`,
        'x-forwarded-for': '203.0.113.9',
      },
    });
    assert.ok(forged.status === 401 || forged.status === 429, `forged call answered ${forged.status}`);
  }
  // The website's own signed calls still go through.
  assert.equal((await api.createUser('ann')).name, 'ann');
  assert.equal((await api.createUser('bob')).name, 'bob');
});

test('a signed requester is still limited per requester, whichever address its calls come from', async (t) => {
  const server = await start(t, { trustProxy: 'loopback', publicUrl: 'https://mfa.example.test', rateLimits: { apiPerMinutePerRequester: 3 } });
  const shop = await server.requesters.create('Shop');
  const statuses: number[] = [];
  for (let i = 0; i < 4; i += 1) {
    const url = `${server.url}/v1/users/create`;
    const body = { name: `user-${i}` };
    const authorization = authorizationHeader({ method: 'POST', url, consumerKey: shop.key, consumerSecret: shop.secret, body });
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `198.51.100.${i + 1}` },
      body: new URLSearchParams(body).toString(),
    });
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, [200, 200, 200, 429]);
});

test("attack: deleting one requester does not lock the phone app out of the other sites' pairings", async (t) => {
  const server = await start(t);
  const shop = await server.requesters.create('Shop');
  const bank = await server.requesters.create('Bank');
  const shopApi = new ToopherApi({ baseUrl: server.apiUrl, consumerKey: shop.key, consumerSecret: shop.secret });
  const bankApi = new ToopherApi({ baseUrl: server.apiUrl, consumerKey: bank.key, consumerSecret: bank.secret });
  const phone = await DeviceClient.register(server.url);
  const shopPairing = await shopApi.pair(await phone.newPhrase(), 'ann');
  await phone.acceptPairing(shopPairing.id);
  const bankPairing = await bankApi.pair(await phone.newPhrase(), 'ann');
  await phone.acceptPairing(bankPairing.id);
  await bankApi.createUserTerminal('ann', 'Laptop', 'terminal-1');
  const bankRequest = await bankApi.authenticateByUserName('ann', 'terminal-1', 'Log In');

  await server.requesters.delete(bank.key);

  const state = await phone.state();
  assert.deepEqual(state.pairings.map((p) => p.requester), ['Shop']);
  assert.deepEqual(state.requests.map((r) => r.id).filter((id) => id === bankRequest.id), []);
  await shopApi.createUserTerminal('ann', 'Laptop', 'terminal-1');
  const request = await shopApi.authenticateByUserName('ann', 'terminal-1', 'Log In');
  await phone.decide(request.id, true);
  assert.equal((await shopApi.getAuthenticationStatus(request.id)).granted, true);
});
