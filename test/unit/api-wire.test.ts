import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ToopherResponseError } from '../../src/index.js';
import {
  mapAuthenticationRequest,
  mapError,
  mapPairing,
  mapResetLink,
  mapUser,
  mapUserTerminal,
  mapUsers,
} from '../../src/api/wire.js';

const user = { id: 'u1', name: 'jdoe', toopher_authentication_enabled: true };
const terminal = { id: 't1', name: 'laptop', requester_specified_id: 'a1b2c3', user };
const action = { id: 'x1', name: 'log in' };

test('maps the legacy disable_toopher_auth flag to its inverse', () => {
  assert.equal(mapUser({ id: 'u1', name: 'jdoe', disable_toopher_auth: true }, 'users/u1').toopherAuthenticationEnabled, false);
  assert.equal(mapUser({ id: 'u1', name: 'jdoe', disable_toopher_auth: false }, 'users/u1').toopherAuthenticationEnabled, true);
});

test('prefers toopher_authentication_enabled over the legacy flag', () => {
  const mapped = mapUser({ ...user, toopher_authentication_enabled: false, disable_toopher_auth: false }, 'users/u1');
  assert.equal(mapped.toopherAuthenticationEnabled, false);
});

test('treats a user without either flag (1.1 user lookup) as enabled', () => {
  const [mapped] = mapUsers([{ id: 'u1', name: 'jdoe', requester: { id: 'r', name: 'r' } }], 'users');
  assert.equal(mapped?.toopherAuthenticationEnabled, true);
});

test('maps the legacy name_extra to requesterSpecifiedId', () => {
  const mapped = mapUserTerminal({ id: 't1', name: 'laptop', name_extra: 'a1b2c3' }, 'user_terminals/t1');
  assert.equal(mapped.requesterSpecifiedId, 'a1b2c3');
  assert.equal(mapped.user, undefined);
});

test('accepts a numeric-string reason_code and "true"/"false" strings for booleans', () => {
  const mapped = mapAuthenticationRequest(
    { id: 'a1', pending: 'false', granted: 'TRUE', automated: false, reason: 'ok', reason_code: '708', terminal, user, action },
    'authentication_requests/a1',
  );
  assert.equal(mapped.reasonCode, 708);
  assert.equal(mapped.pending, false);
  assert.equal(mapped.granted, true);
});

test('uses the terminal user when the authentication request has no top-level user', () => {
  const mapped = mapAuthenticationRequest(
    { id: 'a1', pending: true, granted: false, automated: false, reason: null, terminal, action },
    'authentication_requests/a1',
  );
  assert.equal(mapped.user.name, 'jdoe');
  assert.equal(mapped.reason, '');
  assert.equal(mapped.reasonCode, 0);
});

test('keeps the raw JSON of the result and of nested objects', () => {
  const json = { id: 'p1', enabled: true, pending: false, deactivated: true, totp_length: 6, user };
  const mapped = mapPairing(json, 'pairings/p1');
  assert.equal(mapped.raw['totp_length'], 6);
  assert.deepEqual(mapped.user.raw, user);
  assert.equal(mapped.deactivated, true);
});

test('names a missing nested field in a ToopherResponseError', () => {
  assert.throws(
    () => mapPairing({ id: 'p1', enabled: true, pending: false, user: { id: 'u1' } }, 'pairings/p1'),
    (error: unknown) =>
      error instanceof ToopherResponseError &&
      error.message.includes('missing `user.name`') &&
      error.endpoint === 'pairings/p1',
  );
});

test('refuses a list reply that is not an array', () => {
  assert.throws(() => mapUsers({ users: [] }, 'users'), ToopherResponseError);
});

test('refuses a string where a boolean belongs unless it is true or false', () => {
  assert.throws(() => mapPairing({ id: 'p1', enabled: 'yes', pending: false, user }, 'pairings/p1'), /`enabled` is invalid/);
});

test('reads reset_authorization from the reset URL when the reply lacks it', () => {
  const link = mapResetLink({ url: 'https://api.toopher.test/v1/pairings/p1/reset?reset_authorization=abc' }, 'x');
  assert.equal(link.resetAuthorization, 'abc');
});

test('reads error_code as a number, also from a numeric string', () => {
  assert.deepEqual(mapError({ error_code: 705, error_message: 'No matching user exists.' }), {
    code: 705,
    message: 'No matching user exists.',
  });
  assert.equal(mapError({ error_code: '707' })?.code, 707);
  assert.equal(mapError({ something: 'else' }), undefined);
  assert.equal(mapError([1, 2]), undefined);
});
