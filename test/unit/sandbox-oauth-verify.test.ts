import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  OAuthVerifier,
  hmacSha1Signature,
  normalizeBaseUrl,
  parseAuthorizationHeader,
  percentEncode,
  signatureBaseString,
  type OAuthParam,
  type OAuthRequest,
} from '../../src/sandbox/oauth-verify.js';

const OAUTH_1000: OAuthParam[] = [
  ['oauth_consumer_key', 'key'],
  ['oauth_nonce', 'nonce'],
  ['oauth_signature_method', 'HMAC-SHA1'],
  ['oauth_timestamp', '1000'],
  ['oauth_version', '1.0'],
];

/** §9.3 of toopher-api.md: key `key`, secret `secret`, nonce `nonce`, timestamp 1000. */
const VECTORS: { method: string; url: string; body: OAuthParam[]; signature: string }[] = [
  {
    method: 'POST',
    url: 'https://api.toopher.com/v1/pairings/create',
    body: [
      ['pairing_phrase', 'awkward turtle'],
      ['user_name', 'user@example.com'],
    ],
    signature: '0RTB/nS7jVk96rA4GjjDoUeNaL4=',
  },
  { method: 'GET', url: 'https://api.toopher.com/v1/users?name=jdoe', body: [], signature: 'UmBQ8G/vxUxhCme+0TYk6ivpf0Q=' },
  {
    method: 'POST',
    url: 'https://api.toopher.com/v1/authentication_requests/initiate',
    body: [
      ['user_name', 'jdoe'],
      ['requester_specified_terminal_id', 'a1b2c3'],
      ['action_name', 'Log In'],
    ],
    signature: 'YZWVpvbB7tPw+jO3BnWr1iNkID4=',
  },
  {
    method: 'GET',
    url: 'https://api.toopher.com/v1/pairings/12345678-1234-4123-8123-1234567890ab',
    body: [],
    signature: 'y0/ISYvDRNGNtD0P439SjVTiKls=',
  },
];

function queryOf(url: string): OAuthParam[] {
  return [...new URL(url).searchParams];
}

function header(params: readonly OAuthParam[], signature: string): string {
  return `OAuth ${[...params, ['oauth_signature', signature] as const]
    .map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`)
    .join(', ')}`;
}

function verifier(nowSeconds = 1000): OAuthVerifier {
  return new OAuthVerifier({
    lookupSecret: (key) => (key === 'key' ? 'secret' : undefined),
    now: () => nowSeconds * 1000,
  });
}

function vectorRequest(index: number, overrides: Partial<OAuthRequest> = {}): OAuthRequest {
  const v = VECTORS[index];
  assert.ok(v);
  return {
    method: v.method,
    url: v.url,
    query: queryOf(v.url),
    body: v.body,
    authorization: header(OAUTH_1000, v.signature),
    ...overrides,
  };
}

test('percent-encodes per RFC 3986 with uppercase hex and %20 for space', () => {
  assert.equal(percentEncode("a b*'()!~-._+&=%é"), 'a%20b%2A%27%28%29%21~-._%2B%26%3D%25%C3%A9');
});

test('builds the base string of the first §9.3 vector exactly', () => {
  const v = VECTORS[0];
  assert.ok(v);
  assert.equal(
    signatureBaseString(v.method, v.url, [...v.body, ...OAUTH_1000]),
    'POST&https%3A%2F%2Fapi.toopher.com%2Fv1%2Fpairings%2Fcreate&oauth_consumer_key%3Dkey%26oauth_nonce%3Dnonce%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1000%26oauth_version%3D1.0%26pairing_phrase%3Dawkward%2520turtle%26user_name%3Duser%2540example.com',
  );
});

test('computes every §9.3 signature', () => {
  for (const v of VECTORS) {
    const base = signatureBaseString(v.method, v.url, [...queryOf(v.url), ...v.body, ...OAUTH_1000]);
    assert.equal(hmacSha1Signature(base, 'secret'), v.signature, v.url);
  }
});

test('computes the historical 2012 Ruby signature with timestamp 0', () => {
  const base = signatureBaseString('POST', 'https://toopher-api.appspot.com/v1/pairings/create', [
    ['pairing_phrase', 'immediate_pair'],
    ['user_name', 'user'],
    ['oauth_consumer_key', 'key'],
    ['oauth_nonce', 'nonce'],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', '0'],
    ['oauth_version', '1.0'],
  ]);
  assert.equal(hmacSha1Signature(base, 'secret'), '/W9rUAFDuJTTBtfSxeQ/DxWpVQY=');
});

test('verifies every §9.3 vector sent in an Authorization header', () => {
  VECTORS.forEach((_, index) => {
    assert.deepEqual(verifier().verify(vectorRequest(index)), { ok: true, consumerKey: 'key' });
  });
});

test('ignores realm and tolerates a trailing comma in the header', () => {
  const v = VECTORS[0];
  assert.ok(v);
  const authorization = `OAuth realm="https://api.toopher.com/", ${header(OAUTH_1000, v.signature).slice(6)},`;
  assert.equal(verifier().verify(vectorRequest(0, { authorization })).ok, true);
});

test('accepts oauth parameters in the query string instead of a header', () => {
  const v = VECTORS[1];
  assert.ok(v);
  const query: OAuthParam[] = [...queryOf(v.url), ...OAUTH_1000, ['oauth_signature', v.signature]];
  assert.equal(verifier().verify(vectorRequest(1, { query, authorization: undefined })).ok, true);
});

test('accepts the .NET form that repeats the body in the query string', () => {
  const v = VECTORS[2];
  assert.ok(v);
  assert.equal(verifier().verify(vectorRequest(2, { query: v.body })).ok, true);
});

test('refuses a changed parameter', () => {
  const result = verifier().verify(vectorRequest(2, { body: [['user_name', 'mallory']] }));
  assert.deepEqual(result, { ok: false, reason: 'signature mismatch' });
});

test('refuses a request signed with another secret', () => {
  const wrong = new OAuthVerifier({ lookupSecret: () => 'other', now: () => 1_000_000 });
  assert.equal(wrong.verify(vectorRequest(0)).ok, false);
});

test('refuses an unknown consumer key', () => {
  const none = new OAuthVerifier({ lookupSecret: () => undefined, now: () => 1_000_000 });
  assert.deepEqual(none.verify(vectorRequest(0)), { ok: false, reason: 'unknown consumer key' });
});

test('refuses a timestamp more than 300 seconds away, either side', () => {
  assert.equal(verifier(1300).verify(vectorRequest(0)).ok, true);
  assert.deepEqual(verifier(1301).verify(vectorRequest(0)), { ok: false, reason: 'stale oauth_timestamp' });
  assert.deepEqual(verifier(699).verify(vectorRequest(0)), { ok: false, reason: 'stale oauth_timestamp' });
});

test('refuses a request without a timestamp or nonce', () => {
  const v = VECTORS[0];
  assert.ok(v);
  const noTimestamp = header(
    OAUTH_1000.filter(([k]) => k !== 'oauth_timestamp'),
    v.signature,
  );
  const noNonce = header(
    OAUTH_1000.filter(([k]) => k !== 'oauth_nonce'),
    v.signature,
  );
  assert.equal(verifier().verify(vectorRequest(0, { authorization: noTimestamp })).ok, false);
  assert.equal(verifier().verify(vectorRequest(0, { authorization: noNonce })).ok, false);
});

test('accepts a nonce once and refuses its replay', () => {
  const once = verifier();
  assert.equal(once.verify(vectorRequest(0)).ok, true);
  assert.deepEqual(once.verify(vectorRequest(0)), { ok: false, reason: 'replayed oauth_nonce' });
});

test('refuses a signature method other than HMAC-SHA1', () => {
  const v = VECTORS[0];
  assert.ok(v);
  const params = OAUTH_1000.map(([k, val]) => [k, k === 'oauth_signature_method' ? 'PLAINTEXT' : val] as const);
  assert.equal(verifier().verify(vectorRequest(0, { authorization: header(params, v.signature) })).ok, false);
});

test('parses header values that are percent-encoded and skips empty entries', () => {
  assert.deepEqual(parseAuthorizationHeader('OAuth a="b%20c", , d="%2B",'), [
    ['a', 'b c'],
    ['d', '+'],
  ]);
  assert.equal(parseAuthorizationHeader('Basic abc'), undefined);
  assert.equal(parseAuthorizationHeader('OAuth a="%E0%A4%A"'), undefined);
});

test('normalizes the base URL: lowercase host, default port dropped, query removed', () => {
  assert.equal(normalizeBaseUrl('HTTP://Example.COM:80/v1/x?y=1'), 'http://example.com/v1/x');
  assert.equal(normalizeBaseUrl('https://example.com:443/v1'), 'https://example.com/v1');
  assert.equal(normalizeBaseUrl('http://127.0.0.1:3001/v1'), 'http://127.0.0.1:3001/v1');
});
