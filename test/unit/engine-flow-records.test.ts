import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySharedStore } from '../../src/index.js';
import { createFlow } from '../../src/engine/flow.js';
import { FlowRecords } from '../../src/engine/flow-records.js';
import { GuardedStore } from '../../src/engine/guarded-store.js';
import type { RequestLike } from '../../src/engine/request-like.js';
import { SessionAccess } from '../../src/engine/session-access.js';

// FlowRecords is the one owner of the session record; these pin its contract. The
// races themselves run against real servers in test/integration/security-*.test.ts.

const config = {
  sessionKey: 'toopher',
  passport: undefined,
  maxPending: 5,
  clock: () => 1_000_000,
  authTimeoutMs: 90_000,
  pairingTimeoutMs: 120_000,
};

/** A request with an express-session-like session that counts its saves. */
function requestWithSession(data: Record<string, unknown> = {}): { req: RequestLike; saves: () => number } {
  let saves = 0;
  const session = Object.assign(data, {
    id: 'sid',
    save(callback: (err?: unknown) => void) {
      saves += 1;
      callback();
    },
    regenerate(callback: (err?: unknown) => void) {
      callback();
    },
  });
  return { req: { headers: {}, session }, saves: () => saves };
}

function setUp(): FlowRecords {
  const store = new GuardedStore({ ...config, store: new MemorySharedStore({}, config.clock) });
  return new FlowRecords(config, new SessionAccess(config), store);
}

function newFlow() {
  return createFlow(
    { kind: 'login', userName: 'ann', actionName: 'Log In', automationAllowed: true, terminalId: 't' },
    config.authTimeoutMs,
    config.clock(),
  );
}

test('parks a flow in the session, saves it, and finds it by id', async () => {
  const records = setUp();
  const { req, saves } = requestWithSession();
  const flow = newFlow();
  await records.park(req, flow);
  assert.equal(saves(), 1);
  assert.equal(records.find(req, flow.id), flow);
  assert.equal(records.find(req, 'not-an-id'), undefined);
});

test('the loser of a completion race writes nothing to its session', async () => {
  const records = setUp();
  const flow = newFlow();
  const winner = requestWithSession();
  const loser = requestWithSession();
  await records.park(winner.req, flow);
  await records.park(loser.req, structuredClone(flow));
  assert.equal(await records.claimCompletion(winner.req, flow), true);
  assert.equal(records.find(winner.req, flow.id), undefined);
  const loserCopy = records.find(loser.req, flow.id);
  assert.ok(loserCopy);
  assert.equal(await records.claimCompletion(loser.req, loserCopy), false);
  assert.equal(loser.saves(), 1, 'only the park saved');
  assert.ok(records.find(loser.req, flow.id), 'the loser leaves its copy as it is');
});

test('a discarded flow cannot complete from a stale copy of the session', async () => {
  const records = setUp();
  const flow = newFlow();
  const current = requestWithSession();
  const stale = requestWithSession();
  await records.park(current.req, flow);
  await records.park(stale.req, structuredClone(flow));
  await records.discard(current.req, flow);
  assert.equal(records.find(current.req, flow.id), undefined);
  const staleCopy = records.find(stale.req, flow.id);
  assert.ok(staleCopy);
  assert.equal(await records.claimCompletion(stale.req, staleCopy), false);
});

test('a flow ended first (Skip) completes once, as already ended', async () => {
  const records = setUp();
  const flow = newFlow();
  const { req } = requestWithSession();
  await records.park(req, flow);
  assert.equal(await records.end(flow), true);
  assert.equal(await records.end(flow), false);
  assert.equal(await records.claimCompletion(req, flow), false);
  assert.equal(await records.claimCompletion(req, flow, true), true);
  assert.equal(records.find(req, flow.id), undefined);
});

test('a grant is used once, even from two copies of the session', async () => {
  const records = setUp();
  const grant = { id: newFlow().id, actionName: 'Pay', userName: 'ann', digest: 'd', expiresAt: config.clock() + 60_000 };
  const first = requestWithSession();
  const second = requestWithSession();
  await records.issueGrant(first.req, grant);
  await records.issueGrant(second.req, { ...grant });
  assert.equal(await records.useGrant(first.req, grant.id), true);
  assert.equal(await records.useGrant(second.req, grant.id), false);
  assert.equal(await records.useGrant(first.req, grant.id), false);
});

test('creates the CSRF token once and never on a read', () => {
  const records = setUp();
  const { req } = requestWithSession();
  assert.equal(records.existingCsrfToken(req), undefined);
  const token = records.csrfToken(req);
  assert.equal(records.csrfToken(req), token);
  assert.equal(records.existingCsrfToken(req), token);
});
