import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ToopherIframe, ToopherIframeError } from '../../src/api/iframe.js';
import { postbackSignature } from '../../src/api/iframe-postback.js';
import { canonicalPostbackString, toopherSignature } from '../../src/sandbox/iframe/signature.js';
import { hmacSha1Signature, signatureBaseString } from '../../src/sandbox/oauth-verify.js';

// toopher-api.md §9.1 and §9.2: key abcdefg, secret hijklmnop, nonce 12345678, timestamp 1000.
const KEY = 'abcdefg';
const SECRET = 'hijklmnop';
const BASE = 'https://api.toopher.test/v1';
const iframe = new ToopherIframe({ consumerKey: KEY, consumerSecret: SECRET, baseUrl: BASE }, { clock: () => 1_000_000, nonce: () => '12345678' });

function signatureOf(url: string): string {
  return new URL(url).searchParams.get('oauth_signature') ?? '';
}

const first = { sessionToken: '' };
const second = { sessionToken: 's9s7vsb', resetEmail: 'jdoe@example.com', actionName: 'it is a test', requesterMetadata: 'metadata' };
const flags = { allowInlinePairing: false, automationAllowed: false, challengeRequired: true };
const pythonFlags = { extras: { allow_inline_pairing: 'False', automation_allowed: 'False', challenge_required: 'True' } };

test('§9.1: authentication URLs reproduce the published signatures', () => {
  const cases: [object, string][] = [
    [first, 'NkaWUjEPRLwgsQMEJGsIQEpyRT4='],
    [second, '2TydgMnUwWoiwfpljKpSaFg0Luo='],
    [{ ...second, ...flags, ttlSeconds: 100 }, '61dqeQNPFxNy8PyEFB9e5UfgN8s='],
    [{ ...first, ...flags, ttlSeconds: 100 }, 'srO3zYEFEEU9od/w0ZjDZzyDUyI='],
    [{ ...second, ...pythonFlags, ttlSeconds: 100 }, 'hKogqI/gjKXpYIH+jNDhRSi22b4='],
    [{ ...first, ...pythonFlags, ttlSeconds: 100 }, 'Vf0vX4Lbh8GbtfanIQVMo3yL8Rw='],
    [{ sessionToken: '', resetEmail: 'jdoe@example.com', ttlSeconds: 500 }, 'yEdtdtVDvYZZwoWR19IoxpzSqQU='],
  ];
  for (const [options, expected] of cases) {
    const url = iframe.authenticationUrl('jdoe', options as Parameters<ToopherIframe['authenticationUrl']>[1]);
    assert.equal(signatureOf(url), expected, JSON.stringify(options));
    assert.ok(url.startsWith(`${BASE}/web/authenticate?`));
  }
});

test('§9.1: user management URLs reproduce the published signatures', () => {
  const cases: [object, string][] = [
    [{}, 'SA7CAUj+5QcGO+MmdPv9ubbaozk='],
    [{ resetEmail: 'jdoe@example.com' }, 'NjwH5yWPE2CCJL8v/MNknL+eTpE='],
    [{ resetEmail: 'jdoe@example.com', ttlSeconds: 100 }, 'sV8qoKnxJ3fxfP6AHNa0eNFxzJs='],
    [{ ttlSeconds: 100 }, 'CtakenrFTqmVw+wPxvrgIM+Diwk='],
    [{ ttlSeconds: 100, extras: { foo: 'bar' } }, '5DE7uRWNHNb0+76yqUuzoDpdjVg='],
    [{ resetEmail: 'jdoe@example.com', ttlSeconds: 500 }, '+QrbKZH2NDxURKE9Yjb6wxegeAM='],
  ];
  for (const [options, expected] of cases) {
    assert.equal(signatureOf(iframe.userManagementUrl('jdoe', options)), expected, JSON.stringify(options));
  }
  // In the URL the signature is percent-encoded.
  assert.match(iframe.userManagementUrl('jdoe', { resetEmail: 'jdoe@example.com', ttlSeconds: 500 }), /oauth_signature=%2BQrbKZH2NDxURKE9Yjb6wxegeAM%3D/);
});

test('§9.1: the sandbox verifier computes the same signatures, 1.x URLs included', () => {
  const oauth: [string, string][] = [
    ['oauth_consumer_key', KEY],
    ['oauth_nonce', '12345678'],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', '1000'],
    ['oauth_version', '1.0'],
  ];
  const sign = (path: string, params: Record<string, string>): string =>
    hmacSha1Signature(signatureBaseString('GET', `${BASE}/${path}`, [...Object.entries(params), ...oauth]), SECRET);
  const login = { username: 'jdoe', reset_email: 'jdoe@example.com', action_name: 'Log In', automation_allowed: 'True', challenge_required: 'False', allow_inline_pairing: 'True', session_token: 's9s7vsb', requester_metadata: 'None', expires: '1100', v: '2' };
  assert.equal(sign('web/pair', { username: 'jdoe', reset_email: 'jdoe@example.com', expires: '1100', v: '2' }), 'UGlgBEUF6UZEhYPxevJeagqy6D4=');
  assert.equal(sign('web/authenticate', login), 'URVngBe35eP/iFOSQ5ZpuGEYcJs=');
  assert.equal(sign('web/authenticate', { ...login, allow_inline_pairing: 'False' }), 'lbz2kuYG3BM2Y0mZLElbTiWPv8A=');
  assert.equal(
    sign('web/authenticate', { username: 'jdoe', reset_email: '', action_name: 'Log In', session_token: '', requester_metadata: '', expires: '1300', v: '2' }),
    'NkaWUjEPRLwgsQMEJGsIQEpyRT4=',
  );
});

const AUTH: Readonly<Record<string, string>> = {
  id: '1', pending: 'false', granted: 'true', automated: 'false', reason: 'it is a test', reason_code: '100',
  terminal_id: '1', terminal_name: 'terminal name', terminal_requester_specified_id: 'requester specified id',
  pairing_user_id: '1', user_name: 'user name', user_toopher_authentication_enabled: 'true', action_id: '1',
  action_name: 'action name', session_token: 's9s7vsb', timestamp: '1000', resource_type: 'authentication_request',
};
const SIG_CASES: [Record<string, string>, string][] = [
  [AUTH, 's+fYUtChrNMjES5Xa+755H7BQKE='],
  [{ ...AUTH, requester_metadata: '' }, '2CQouLu8dL3OA8N/mgHK6eeYHm4='],
  [{ ...AUTH, resource_type: 'invalid' }, 'xEY+oOtJcdMsmTLp6eOy9isO/xQ='],
  [{ ...AUTH, granted: 'false' }, 'nADNKdly9zA2IpczD6gvDumM48I='],
  [{ ...AUTH, pending: 'true' }, 'vmWBQCy8Py5PVkMZRppbCG7cm0w='],
  [{ id: '1', enabled: 'true', pending: 'false', pairing_user_id: '1', user_name: 'user name', user_toopher_authentication_enabled: 'true', session_token: 's9s7vsb', timestamp: '1000', resource_type: 'pairing' }, 'ucwKhkPpN4VxNbx3dMypWzi4tBg='],
  [{ id: '1', name: 'user name', toopher_authentication_enabled: 'true', session_token: 's9s7vsb', timestamp: '1000', resource_type: 'requester_user' }, 'RszgG9QE1rF9t7DVTGg+1I25yHM='],
  [{ foo: 'bar', timestamp: '1000', session_token: 's9s7vsb' }, '6d2c7GlQssGmeYYGpcf+V/kirOI='],
];

test('§9.2: toopher_sig vectors reproduce in the sandbox and in the client', () => {
  assert.equal(
    canonicalPostbackString(AUTH),
    'action_id=1&action_name=action+name&automated=false&granted=true&id=1&pairing_user_id=1&pending=false&reason=it+is+a+test&reason_code=100&resource_type=authentication_request&session_token=s9s7vsb&terminal_id=1&terminal_name=terminal+name&terminal_requester_specified_id=requester+specified+id&timestamp=1000&user_name=user+name&user_toopher_authentication_enabled=true',
  );
  for (const [fields, expected] of SIG_CASES) {
    assert.equal(toopherSignature(fields, SECRET), expected);
    assert.equal(postbackSignature(new Map(Object.entries(fields)), SECRET), expected);
  }
});

function postback(fields: Record<string, string>, sig: string): string {
  return new URLSearchParams({ ...fields, toopher_sig: sig }).toString();
}

test('§9.2: postback validation passes at clock 1000 and fails as the SDK fixtures do', () => {
  const at = (ms: number): ToopherIframe => new ToopherIframe({ consumerKey: KEY, consumerSecret: SECRET, baseUrl: BASE }, { clock: () => ms });
  const good = postback(AUTH, 's+fYUtChrNMjES5Xa+755H7BQKE=');
  for (const ttlSeconds of [300, 100]) {
    const result = at(1_000_000).processPostback(good, { sessionToken: 's9s7vsb', ttlSeconds });
    assert.equal(result.type, 'authentication_request');
    assert.equal(ToopherIframe.isGranted(result), true);
  }
  const reason = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof ToopherIframeError);
      return err.reason;
    }
    return 'accepted';
  };
  assert.equal(reason(() => at(2_000_000).processPostback(good, { sessionToken: 's9s7vsb' })), 'expired');
  assert.equal(reason(() => at(1_000_000).processPostback(postback(AUTH, 'invalid'), { sessionToken: 's9s7vsb' })), 'bad_signature');
  const withoutId = Object.fromEntries(Object.entries(AUTH).filter(([name]) => name !== 'id'));
  assert.equal(reason(() => at(1_000_000).processPostback(postback(withoutId, 's+fYUtChrNMjES5Xa+755H7BQKE='), { sessionToken: 's9s7vsb' })), 'bad_signature');
  assert.equal(reason(() => at(1_000_000).processPostback(good, { sessionToken: 'other' })), 'session_token_mismatch');
  assert.equal(reason(() => at(1_000_000).processPostback(good, { sessionToken: '' })), 'session_token_mismatch');
  assert.equal(reason(() => at(1_000_000).processPostback(postback({ ...AUTH, resource_type: 'invalid' }, 'xEY+oOtJcdMsmTLp6eOy9isO/xQ='), { sessionToken: 's9s7vsb' })), 'invalid_resource_type');
  assert.equal(reason(() => at(1_000_000).processPostback('timestamp=1000', { sessionToken: 's9s7vsb' })), 'missing_keys');
  assert.equal(reason(() => at(1_000_000).processPostback(`${good}&id=2`, { sessionToken: 's9s7vsb' })), 'malformed');
  const denied = at(1_000_000).processPostback(postback({ ...AUTH, granted: 'false' }, 'nADNKdly9zA2IpczD6gvDumM48I='), { sessionToken: 's9s7vsb' });
  assert.equal(ToopherIframe.isGranted(denied), false);
  const pending = at(1_000_000).processPostback(postback({ ...AUTH, pending: 'true' }, 'vmWBQCy8Py5PVkMZRppbCG7cm0w='), { sessionToken: 's9s7vsb' });
  assert.equal(ToopherIframe.isGranted(pending), false);
});

test('an unsigned error form is refused before its error_code is read', () => {
  const client = new ToopherIframe({ consumerKey: KEY, consumerSecret: SECRET, baseUrl: 'https://api.toopher.test/v1' }, { clock: () => 1_000_000 });
  const forged = new URLSearchParams({ error_code: '704', error_message: 'disabled', session_token: 's9s7vsb', timestamp: '1000', toopher_sig: 'forged' }).toString();
  assert.throws(() => client.processPostback(forged, { sessionToken: 's9s7vsb' }), (err: unknown) => err instanceof ToopherIframeError && err.reason === 'bad_signature');
  const fields = { error_code: '704', error_message: 'disabled', session_token: 's9s7vsb', timestamp: '1000' };
  const signed = client.processPostback(postback(fields, toopherSignature(fields, SECRET)), { sessionToken: 's9s7vsb' });
  assert.deepEqual([signed.type, signed.type === 'error' ? signed.errorCode : 0], ['error', 704]);
  assert.equal(ToopherIframe.isGranted(signed), false);
});
