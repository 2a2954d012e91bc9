/**
 * toopher-server's state attacked from its own API surface: objects handed to callers must not be the
 * records themselves, or a change to them alters the in-memory state without a transaction (never
 * persisted, lost or different on restart and on other instances). Real server on 127.0.0.1, a real SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createToopherServer } from '../../src/server/index.js';
import { DeviceClient } from '../helpers/device-client.js';

test('attack: changing the credentials object requesters.create/rotate returned does not change the stored requester', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'toopher-server-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await createToopherServer({ storage: { sqlite: join(dir, 'state.db') }, port: 0, log: () => undefined });
  t.after(() => server.close());

  const created = await server.requesters.create('Shop');
  (created as { name: string }).name = 'Changed outside a transaction';
  const rotated = await server.requesters.rotate((await server.requesters.create('Bank')).key);
  (rotated as { name: string }).name = 'Changed too';
  assert.deepEqual(
    (await server.requesters.list()).map((r) => r.name),
    ['Shop', 'Bank'],
  );
});

test('attack: authentication requests do not pile up for ever (every phone poll and lookup scans them all)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'toopher-server-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let now = Date.now();
  const server = await createToopherServer({ storage: { sqlite: join(dir, 'state.db') }, port: 0, log: () => undefined, clock: () => now });
  t.after(() => server.close());
  const shop = await server.requesters.create('Shop');
  const api = new ToopherApi({ baseUrl: server.apiUrl, consumerKey: shop.key, consumerSecret: shop.secret });
  const phone = await DeviceClient.register(server.url);
  const pairing = await api.pair(await phone.newPhrase(), 'ann');
  await phone.acceptPairing(pairing.id);
  await api.createUserTerminal('ann', 'Laptop', 'terminal-1');
  const old = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  await phone.decide(old.id, true);

  now += 25 * 60 * 60_000;
  const fresh = await api.authenticateByUserName('ann', 'terminal-1', 'Log In');
  await assert.rejects(api.getAuthenticationStatus(old.id), (err: unknown) => (err as { status?: number }).status === 404);
  assert.equal((await api.getAuthenticationStatus(fresh.id)).pending, true);
});

test('attack: send_reset_link on a server that sends no e-mail is refused, not answered as sent (nor kept in memory)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'toopher-server-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await createToopherServer({ storage: { sqlite: join(dir, 'state.db') }, port: 0, log: () => undefined });
  t.after(() => server.close());
  const shop = await server.requesters.create('Shop');
  const api = new ToopherApi({ baseUrl: server.apiUrl, consumerKey: shop.key, consumerSecret: shop.secret });
  const phone = await DeviceClient.register(server.url);
  const pairing = await api.pair(await phone.newPhrase(), 'ann');
  await phone.acceptPairing(pairing.id);
  await assert.rejects(api.emailResetLink(pairing.id, 'ann@example.com'), (err: unknown) => (err as { status?: number }).status === 400);
  assert.equal((await api.getPairingStatus(pairing.id)).enabled, true);
});
