/**
 * toopher-server end to end without a browser: ToopherApi (the package's own client) on one side, the
 * phone app's signed device API (test/helpers/device-client.ts) on the other, real HTTP on 127.0.0.1,
 * real SQLite files and a real redis-server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { generateSync } from 'otplib';
import { PairingDeactivatedError, ToopherApi } from '../../src/index.js';
import { createToopherServer, type ToopherServer, type ToopherServerOptions } from '../../src/server/index.js';
import { DeviceApiError, DeviceClient } from '../helpers/device-client.js';
import { startRedis } from '../helpers/processes.js';
import { skipUnlessRedis } from '../helpers/requirements.js';

function tempDb(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'toopher-server-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'state.db');
}

async function start(t: TestContext, storage: ToopherServerOptions['storage'], port = 0): Promise<ToopherServer> {
  const server = await createToopherServer({ storage, port, log: () => undefined });
  t.after(() => server.close());
  return server;
}

function clientFor(server: ToopherServer, requester: { key: string; secret: string }): ToopherApi {
  return new ToopherApi({ baseUrl: server.apiUrl, consumerKey: requester.key, consumerSecret: requester.secret });
}

/** A user paired by phrase with a new phone app, and this browser's terminal named. */
async function pairedUser(server: ToopherServer, api: ToopherApi, userName: string): Promise<{ phone: DeviceClient; pairingId: string }> {
  const phone = await DeviceClient.register(server.url);
  const phrase = await phone.newPhrase();
  const pairing = await api.pair(phrase, userName);
  assert.equal(pairing.pending, true, 'a phrase pairing waits for the phone');
  const shown = await phone.state();
  assert.deepEqual(
    shown.pairings.map((p) => [p.id, p.userName, p.requester, p.status]),
    [[pairing.id, userName, 'Shop', 'pending']],
  );
  const accepted = await phone.acceptPairing(pairing.id);
  assert.equal(typeof accepted.otpSecret, 'string');
  assert.equal((await api.getPairingStatus(pairing.id)).enabled, true);
  await api.createUserTerminal(userName, 'Laptop', 'terminal-1');
  return { phone, pairingId: pairing.id };
}

test('a sign-in reaches the paired phone app, which grants it with a signed answer', async (t) => {
  const server = await start(t, { sqlite: tempDb(t) });
  const api = clientFor(server, await server.requesters.create('Shop'));
  const { phone } = await pairedUser(server, api, 'ann');

  const request = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  assert.equal(request.pending, true);
  const listed = (await phone.state()).requests.find((r) => r.id === request.id);
  assert.equal(listed?.terminalName, 'Laptop');
  assert.equal(listed?.actionName, 'Log In');
  assert.equal(listed?.status, 'pending');
  await phone.decide(request.id, true);
  const status = await api.getAuthenticationStatus(request.id);
  assert.deepEqual([status.pending, status.granted], [false, true]);
});

test('a denied request stays denied, and a second answer is refused', async (t) => {
  const server = await start(t, { sqlite: tempDb(t) });
  const api = clientFor(server, await server.requesters.create('Shop'));
  const { phone } = await pairedUser(server, api, 'ann');
  const request = await api.authenticateByUserName('ann', 'terminal-1', 'Transfer');
  await phone.decide(request.id, false);
  await assert.rejects(phone.decide(request.id, true), (e: unknown) => e instanceof DeviceApiError && e.status === 409);
  const status = await api.getAuthenticationStatus(request.id);
  assert.deepEqual([status.pending, status.granted], [false, false]);
});

test('the OTP computed from the secret the phone app holds approves a request', async (t) => {
  const server = await start(t, { sqlite: tempDb(t) });
  const api = clientFor(server, await server.requesters.create('Shop'));
  const { phone, pairingId } = await pairedUser(server, api, 'ann');
  const request = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  const secret = await phone.otpSecret(pairingId);
  const status = await api.authenticateWithOtp(request.id, generateSync({ secret }));
  assert.equal(status.granted, true);
});

test('another phone app can neither see nor answer the request, and automation the site forbids is refused', async (t) => {
  const server = await start(t, { sqlite: tempDb(t) });
  const api = clientFor(server, await server.requesters.create('Shop'));
  const { phone } = await pairedUser(server, api, 'ann');
  const stranger = await DeviceClient.register(server.url, 'Other phone');
  const request = await api.authenticateByUserName('ann', 'terminal-1', 'Log In', { automationAllowed: false });
  assert.deepEqual((await stranger.state()).requests, []);
  await assert.rejects(stranger.decide(request.id, true), (e: unknown) => e instanceof DeviceApiError && e.status === 404);
  await assert.rejects(phone.decide(request.id, true, true), (e: unknown) => e instanceof DeviceApiError && e.status === 409);
  assert.equal((await api.getAuthenticationStatus(request.id)).pending, true);
});

test('a device call with a bad signature, or replayed, changes nothing', async (t) => {
  const server = await start(t, { sqlite: tempDb(t) });
  const api = clientFor(server, await server.requesters.create('Shop'));
  const { phone } = await pairedUser(server, api, 'ann');
  const request = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  const path = `/device/v1/requests/${request.id}/decision`;
  const forged = await phone.send('POST', path, { grant: true }, (headers) => {
    headers['x-toopher-signature'] = `${headers['x-toopher-signature']?.slice(0, -4) ?? ''}AAAA`;
  });
  assert.equal(forged.status, 401);
  let captured: Record<string, string> = {};
  const denied = await phone.send('POST', path, { grant: false }, (headers) => {
    captured = { ...headers };
  });
  assert.equal(denied.status, 200);
  const replay = await fetch(`${server.url}${path}`, { method: 'POST', headers: captured, body: JSON.stringify({ grant: false }) });
  assert.equal(replay.status, 401);
  assert.equal((await api.getAuthenticationStatus(request.id)).granted, false);
});

test('removing the pairing on the phone makes the next sign-in ask to pair again', async (t) => {
  const server = await start(t, { sqlite: tempDb(t) });
  const api = clientFor(server, await server.requesters.create('Shop'));
  const { phone, pairingId } = await pairedUser(server, api, 'ann');
  await phone.removePairing(pairingId);
  assert.deepEqual((await phone.state()).pairings, []);
  await assert.rejects(api.authenticateByUserName('ann', 'terminal-1', 'Log In'), PairingDeactivatedError);
});

test('a QR pairing is bound to the phone that claims its secret, once', async (t) => {
  const server = await start(t, { sqlite: tempDb(t) });
  const api = clientFor(server, await server.requesters.create('Shop'));
  const pairing = await api.pairQr('bob');
  const png = await api.getQrCodeImage(pairing.id);
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  const link = await server.qrLink(pairing.id);
  const match = /\/app\/#qr=([^.]+)\.(.+)$/.exec(link);
  assert.ok(match, link);
  const phone = await DeviceClient.register(server.url);
  const other = await DeviceClient.register(server.url);
  await assert.rejects(other.claimQr(pairing.id, 'wrong-secret'), (e: unknown) => e instanceof DeviceApiError && e.status === 404);
  const claimed = await phone.claimQr(match[1] ?? '', match[2] ?? '');
  assert.equal(claimed.pairing.status, 'enabled');
  await assert.rejects(other.claimQr(match[1] ?? '', match[2] ?? ''), (e: unknown) => e instanceof DeviceApiError && e.status === 409);
  assert.equal((await api.getPairingStatus(pairing.id)).enabled, true);
});

test('a restart loses nothing: a sign-in started before it is granted after it', async (t) => {
  const db = tempDb(t);
  const first = await createToopherServer({ storage: { sqlite: db }, port: 0, log: () => undefined });
  const requester = await first.requesters.create('Shop');
  const api = clientFor(first, requester);
  const { phone } = await pairedUser(first, api, 'ann');
  const request = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  await first.close();

  const second = await start(t, { sqlite: db });
  const phoneAgain = phone.at(second.url);
  assert.deepEqual(
    (await phoneAgain.state()).requests.map((r) => [r.id, r.status]),
    [[request.id, 'pending']],
  );
  await phoneAgain.decide(request.id, true);
  const status = await clientFor(second, requester).getAuthenticationStatus(request.id);
  assert.equal(status.granted, true);
  assert.deepEqual(await second.requesters.list(), [{ key: requester.key, id: requester.id, name: 'Shop' }]);
});

test('two instances on one Redis: a request made through one is decided through the other', { skip: skipUnlessRedis() }, async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const storage = { redisUrl: redis.url, keyPrefix: 'ts-test:' };
  const a = await start(t, storage);
  const b = await start(t, storage);
  const requester = await a.requesters.create('Shop');
  const viaA = clientFor(a, requester);
  const viaB = clientFor(b, requester);
  const phone = await DeviceClient.register(b.url);
  const pairing = await viaA.pair(await phone.newPhrase(), 'ann');
  await phone.at(a.url).acceptPairing(pairing.id);
  await viaB.createUserTerminal('ann', 'Laptop', 'terminal-1');
  const request = await viaA.authenticateByUserName('ann', 'terminal-1', 'Log In');
  await phone.decide(request.id, true);
  assert.equal((await viaA.getAuthenticationStatus(request.id)).granted, true);
  // Single use holds across the two: the answer cannot be changed through either.
  await assert.rejects(phone.at(a.url).decide(request.id, false), (e: unknown) => e instanceof DeviceApiError && e.status === 409);
});
