import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGrant, signGrant, verifyGrant } from '../../src/middleware/grant.js';
import { bodyWithoutGrant, urlWithGrant, urlWithoutGrant } from '../../src/middleware/held-request.js';

const SECRET = 'a-secret-that-is-long-enough-0123456789';
const binding = {
  id: 'AAAAAAAAAAAAAAAAAAAAAAAA',
  expiresAt: 1_700_000_000_000,
  sessionId: 'session-1',
  userName: 'ann@example.com',
  actionName: 'Transfer money',
  digest: 'digest-1',
};

test('verifies a grant only for exactly what it was signed for', () => {
  const token = signGrant(SECRET, binding);
  const rest = { sessionId: binding.sessionId, userName: binding.userName, actionName: binding.actionName, digest: binding.digest };
  assert.equal(verifyGrant(SECRET, token, rest), true);
  for (const change of [{ sessionId: 'session-2' }, { userName: 'ben@example.com' }, { actionName: 'Refund' }, { digest: 'digest-2' }]) {
    assert.equal(verifyGrant(SECRET, token, { ...rest, ...change }), false, JSON.stringify(change));
  }
  assert.equal(verifyGrant(`${SECRET}x`, token, rest), false);
  const [id, expires, mac] = token.split('.');
  assert.equal(verifyGrant(SECRET, `${id ?? ''}.${(binding.expiresAt + 1).toString(36)}.${mac ?? ''}`, rest), false);
  assert.equal(verifyGrant(SECRET, `BBBBBBBBBBBBBBBBBBBBBBBB.${expires ?? ''}.${mac ?? ''}`, rest), false);
});

test('parses only well-formed tokens', () => {
  const token = signGrant(SECRET, binding);
  assert.deepEqual(parseGrant(token)?.id, binding.id);
  assert.equal(parseGrant(token)?.expiresAt, binding.expiresAt);
  for (const bad of [undefined, 42, '', 'a.b.c', `${token}.x`, `${token}x`, token.replace('.', '..')]) {
    assert.equal(parseGrant(bad), undefined, String(bad));
  }
});

test('adds and removes the grant parameter without touching other parameters', () => {
  assert.equal(urlWithoutGrant('/report?year=2024&_toopher_grant=x.y.z&q=a+b'), '/report?year=2024&q=a+b');
  assert.equal(urlWithoutGrant('/report?_toopher_grant=x'), '/report');
  assert.equal(urlWithoutGrant('/report'), '/report');
  assert.equal(urlWithGrant('/report', 'a.b.c'), '/report?_toopher_grant=a.b.c');
  assert.equal(urlWithGrant('/report?year=1', 'a.b.c'), '/report?year=1&_toopher_grant=a.b.c');
  assert.deepEqual(bodyWithoutGrant({ amount: '1', _toopher_grant: 'g' }), { amount: '1' });
});
