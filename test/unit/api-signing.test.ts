import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequestSigner, encodeParams, percentEncode, type RequestParams } from '../../src/api/signing.js';

// toopher-api.md §9.3: key `key`, secret `secret`, nonce `nonce`.
function signatureOf(timestampSeconds: number, method: string, url: string, params: RequestParams): string {
  const signer = createRequestSigner('key', 'secret', {
    clock: () => timestampSeconds * 1000,
    nonce: () => 'nonce',
  });
  const header = signer.authorize(method, url, params);
  const match = /oauth_signature="([^"]*)"/.exec(header);
  assert.ok(match?.[1] !== undefined, 'header has an oauth_signature');
  return decodeURIComponent(match[1]);
}

test('reproduces the historical pairings/create vector with timestamp 0', () => {
  const signature = signatureOf(0, 'POST', 'https://toopher-api.appspot.com/v1/pairings/create', [
    ['pairing_phrase', 'immediate_pair'],
    ['user_name', 'user'],
  ]);
  assert.equal(signature, '/W9rUAFDuJTTBtfSxeQ/DxWpVQY=');
});

test('reproduces the pairings/create vector with a space and an @ in the body', () => {
  const signature = signatureOf(1000, 'POST', 'https://api.toopher.com/v1/pairings/create', [
    ['pairing_phrase', 'awkward turtle'],
    ['user_name', 'user@example.com'],
  ]);
  assert.equal(signature, '0RTB/nS7jVk96rA4GjjDoUeNaL4=');
});

test('reproduces the GET users?name= vector with the query signed', () => {
  const signature = signatureOf(1000, 'GET', 'https://api.toopher.com/v1/users', [['name', 'jdoe']]);
  assert.equal(signature, 'UmBQ8G/vxUxhCme+0TYk6ivpf0Q=');
});

test('reproduces the zero-storage initiate vector', () => {
  const signature = signatureOf(1000, 'POST', 'https://api.toopher.com/v1/authentication_requests/initiate', [
    ['user_name', 'jdoe'],
    ['requester_specified_terminal_id', 'a1b2c3'],
    ['action_name', 'Log In'],
  ]);
  assert.equal(signature, 'YZWVpvbB7tPw+jO3BnWr1iNkID4=');
});

test('reproduces the GET pairing status vector', () => {
  const signature = signatureOf(
    1000,
    'GET',
    'https://api.toopher.com/v1/pairings/12345678-1234-4123-8123-1234567890ab',
    [],
  );
  assert.equal(signature, 'y0/ISYvDRNGNtD0P439SjVTiKls=');
});

test('puts every oauth parameter in the Authorization header and no realm or token', () => {
  const signer = createRequestSigner('my key', 'secret', { clock: () => 1_000_500, nonce: () => 'n0nce' });
  const header = signer.authorize('GET', 'https://api.toopher.com/v1/users', []);
  assert.match(header, /^OAuth /);
  assert.match(header, /oauth_consumer_key="my%20key"/);
  assert.match(header, /oauth_nonce="n0nce"/);
  assert.match(header, /oauth_signature_method="HMAC-SHA1"/);
  assert.match(header, /oauth_timestamp="1000"/);
  assert.match(header, /oauth_version="1.0"/);
  assert.doesNotMatch(header, /realm|oauth_token/);
});

test('draws a different random nonce for every request by default', () => {
  const signer = createRequestSigner('key', 'secret');
  const nonces = new Set<string>();
  for (let i = 0; i < 50; i += 1) {
    const header = signer.authorize('GET', 'https://api.toopher.com/v1/users', []);
    nonces.add(/oauth_nonce="([^"]*)"/.exec(header)?.[1] ?? '');
  }
  assert.equal(nonces.size, 50);
});

test('percent-encodes per RFC 3986, including the characters encodeURIComponent keeps', () => {
  assert.equal(percentEncode("a b+&=%*'()!~/é"), 'a%20b%2B%26%3D%25%2A%27%28%29%21~%2F%C3%A9');
  assert.equal(percentEncode('-._~AZaz09'), '-._~AZaz09');
});

test('encodes parameters so a form decoder returns exactly the signed values', () => {
  const params: RequestParams = [
    ['user_name', "O'Brien (ops) + * ! ~ /"],
    ['action_name', 'café & crème = 100%'],
  ];
  const decoded = [...new URLSearchParams(encodeParams(params))];
  assert.deepEqual(decoded, params);
});
