import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createFlowId,
  EXPIRED_GRACE_MS,
  findPending,
  getSessionState,
  hasApproval,
  isFlowId,
  putApproval,
  putGrant,
  putPending,
  removePending,
  takeGrant,
  type FlowRecord,
} from '../../src/engine/session-state.js';

function flow(overrides: Partial<FlowRecord> = {}): FlowRecord {
  return {
    id: createFlowId(),
    kind: 'login',
    stage: 'auth',
    userName: 'ann@example.com',
    actionName: 'Log In',
    automationAllowed: true,
    terminalId: 'terminal-terminal-terminal',
    createdAt: 1_000,
    expiresAt: 91_000,
    lastCheckedAt: 1_000,
    lastState: 'pending',
    otpFailures: 0,
    ...overrides,
  };
}

test('creates the state only when asked to', () => {
  const session: Record<string, unknown> = {};
  assert.equal(getSessionState(session, 'toopher'), undefined);
  const state = getSessionState(session, 'toopher', true);
  assert.equal(session['toopher'], state);
  assert.equal(getSessionState(session, 'toopher'), state);
});

test('drops malformed parts of a stored state instead of trusting them', () => {
  const good = flow();
  const session: Record<string, unknown> = {
    toopher: {
      csrf: 'token',
      pending: { [good.id]: good, bad: { id: 'x', kind: 'hack' }, worse: 'string' },
      grants: [],
      pushes: { 'u:ann@example.com': [1, 2] },
    },
  };
  const state = getSessionState(session, 'toopher');
  assert.ok(state);
  assert.equal(state.csrf, 'token');
  assert.deepEqual(Object.keys(state.pending ?? {}), [good.id]);
  assert.equal(state.grants, undefined);
  assert.equal(Object.hasOwn(state, 'pushes'), false, 'parts this version does not use are dropped');
  assert.deepEqual(getSessionState({ toopher: 'nonsense' }, 'toopher'), undefined);
});

test('keeps at most maxPending records, dropping the oldest', () => {
  const state = getSessionState({}, 'toopher', true);
  const records = [1, 2, 3].map((n) => flow({ createdAt: n }));
  for (const record of records) putPending(state, record, 2, 10);
  assert.equal(findPending(state, records[0]?.id), undefined);
  assert.equal(findPending(state, records[1]?.id), records[1]);
  assert.equal(findPending(state, records[2]?.id), records[2]);
});

test('finds a record by id once and not after removal', () => {
  const state = getSessionState({}, 'toopher', true);
  const record = flow();
  putPending(state, record, 5, 10);
  assert.equal(findPending(state, record.id), record);
  removePending(state, record.id);
  assert.equal(findPending(state, record.id), undefined);
});

test('refuses malformed ids before looking anything up', () => {
  const state = getSessionState({}, 'toopher', true);
  for (const id of [undefined, 42, '', 'short', '__proto__', 'a'.repeat(65), 'has space in it!!!!!!!!', '../../../../../etc/passwd']) {
    assert.equal(isFlowId(id), false, String(id));
    assert.equal(findPending(state, id), undefined);
  }
  assert.equal(isFlowId(createFlowId()), true);
});

test('prunes records some time after they expired', () => {
  const state = getSessionState({}, 'toopher', true);
  const old = flow({ expiresAt: 100 });
  putPending(state, old, 5, 100 + EXPIRED_GRACE_MS - 1);
  assert.equal(findPending(state, old.id), old);
  putPending(state, flow(), 5, 100 + EXPIRED_GRACE_MS + 1);
  assert.equal(findPending(state, old.id), undefined);
});

test('hands out a grant once', () => {
  const state = getSessionState({}, 'toopher', true);
  const grant = { id: createFlowId(), actionName: 'Pay', userName: 'ann', digest: 'd', expiresAt: 1_000 };
  putGrant(state, grant, 0);
  assert.deepEqual(takeGrant(state, grant.id), grant);
  assert.equal(takeGrant(state, grant.id), undefined);
  assert.equal(takeGrant(undefined, grant.id), undefined);
});

test('remembers approvals per action and user until they expire', () => {
  const state = getSessionState({}, 'toopher', true);
  putApproval(state, 'Pay', { userName: 'ann', expiresAt: 1_000 }, 0);
  assert.equal(hasApproval(state, 'Pay', 'ann', 999), true);
  assert.equal(hasApproval(state, 'Pay', 'ann', 1_000), false);
  assert.equal(hasApproval(state, 'Pay', 'ben', 500), false);
  assert.equal(hasApproval(state, 'Refund', 'ann', 500), false);
  putApproval(state, '__proto__', { userName: 'ann', expiresAt: 1_000 }, 0);
  assert.equal(hasApproval(state, '__proto__', 'ann', 500), true);
  assert.equal(Object.getPrototypeOf(state.approvals), Object.prototype);
});
