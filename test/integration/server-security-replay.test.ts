/**
 * toopher-server attacked with replays: a signed call sent again once its nonce claim expired but while its
 * timestamp is still inside the window, and a one-time password used twice. Real server on 127.0.0.1, real
 * SQLite files, an injected clock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { generateSync } from 'otplib';
import { ToopherApi } from '../../src/index.js';
import { createToopherServer, type ToopherServer } from '../../src/server/index.js';
import { DeviceClient } from '../helpers/device-client.js';
import { TestDevice } from '../helpers/device-signer.js';
import { authorizationHeader } from '../helpers/sign-request.js';

function tempDb(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'toopher-server-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'state.db');
}

async function start(t: TestContext, clock: () => number): Promise<ToopherServer> {
  const server = await createToopherServer({ storage: { sqlite: tempDb(t) }, port: 0, log: () => undefined, clock });
  t.after(() => server.close());
  return server;
}

const MINUTE = 60_000;

test('attack: a signed device call replayed the moment its nonce claim expires, timestamp still in the window, is refused', async (t) => {
  let now = 1_800_000_000_000;
  const server = await start(t, () => now);
  const device = await TestDevice.create();
  const registerBody = JSON.stringify({ publicKey: device.publicKey, name: 'phone' });
  const registered = await fetch(`${server.url}/device/v1/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await device.sign('POST', '/device/v1/devices', registerBody, now)) },
    body: registerBody,
  });
  assert.equal(registered.status, 200);

  // Signed with a timestamp at the far edge of the window (a phone clock 5 minutes fast), then captured.
  const headers = await device.sign('POST', '/device/v1/phrases', '', now, { timestamp: now + 5 * MINUTE });
  const first = await fetch(`${server.url}/device/v1/phrases`, { method: 'POST', headers });
  assert.equal(first.status, 200);

  now += 10 * MINUTE; // the timestamp is exactly 5 minutes old again: still inside the window
  const replay = await fetch(`${server.url}/device/v1/phrases`, { method: 'POST', headers });
  assert.equal(replay.status, 401, 'the replayed call must be refused');
});

test('attack: an OAuth call replayed once its nonce claim expired, timestamp still in the window, is refused', async (t) => {
  let now = Date.now();
  const server = await start(t, () => now);
  const requester = await server.requesters.create('Shop');
  const url = `${server.apiUrl}/users/create`;
  const body = new URLSearchParams({ name: 'ann' }).toString();
  const authorization = authorizationHeader({
    method: 'POST',
    url,
    consumerKey: requester.key,
    consumerSecret: requester.secret,
    body: { name: 'ann' },
    nonce: 'replayed-nonce-1',
    timestamp: Math.floor(Date.now() / 1000),
  });
  const send = () => fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body });
  assert.equal((await send()).status, 200);
  // The verifier allows timestamps 300 s either side: a nonce must stay claimed for longer than 600 s.
  now += 600_000;
  const replay = await send();
  assert.equal(replay.status, 401, 'the replayed call must be refused');
});

test('attack: a one-time password that approved one request approves no other', async (t) => {
  let now = Date.now();
  const server = await start(t, () => now);
  const requester = await server.requesters.create('Shop');
  const api = new ToopherApi({ baseUrl: server.apiUrl, consumerKey: requester.key, consumerSecret: requester.secret });
  const phone = await DeviceClient.register(server.url);
  const pairing = await api.pair(await phone.newPhrase(), 'ann');
  const accepted = await phone.acceptPairing(pairing.id);
  await api.createUserTerminal('ann', 'Laptop', 'terminal-1');
  const secret = accepted.otpSecret as string;
  const otp = generateSync({ secret, epoch: Math.floor(now / 1000) });

  const first = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  assert.equal((await api.authenticateWithOtp(first.id, otp)).granted, true);

  // Someone who saw the code typed (or phished it) uses it again within its validity.
  now += 20_000;
  const second = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  assert.equal((await api.authenticateWithOtp(second.id, otp)).granted, false, 'a used code must not grant again');

  // The next code still works.
  now += 30_000;
  const third = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  const next = generateSync({ secret, epoch: Math.floor(now / 1000) });
  assert.equal((await api.authenticateWithOtp(third.id, next)).granted, true);
});
