import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as fc from 'fast-check';
import { createSandbox, SandboxError, type Sandbox } from '../../src/sandbox/index.js';
import { createRawClient, type RawClient, type RawResponse } from '../helpers/fuzz-http.js';
import { fuzz, trackProcessErrors } from '../helpers/fuzz-run.js';
import {
  anyText,
  formEncode,
  fuzzBody,
  httpMethod,
  idSegment,
  nastyPairs,
  nastyText,
  queryString,
  sometimes,
  wellFormed,
} from '../helpers/fuzz-values.js';
import { oauthHeader, oauthSign } from '../helpers/fuzz-oauth.js';
import { signedRequest } from '../helpers/sign-request.js';

/**
 * Fuzzing of the sandbox: every /v1 endpoint with unsigned, mis-signed and
 * malformed OAuth, every /v1 endpoint correctly signed with hostile
 * parameters and ids, and every control endpoint and the phone page with
 * hostile bodies. Never a 5xx, never a hang or crash, never a grant.
 */

const processErrors = trackProcessErrors();
let sandbox: Sandbox;
let control: Sandbox;
let client: RawClient;
let controlClient: RawClient;
/** A paired user with a named terminal and one pending request: nothing unsigned may touch it. */
const sentinel = {
  userName: 'fuzz-sentinel',
  terminalId: 'fuzz-terminal-0000000001',
  pairingId: '',
  requestId: '',
  userId: '',
  userTerminalId: '',
};

before(async () => {
  sandbox = await createSandbox();
  control = await createSandbox();
  client = createRawClient(sandbox.url);
  controlClient = createRawClient(control.url);
  const credentials = { consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret };
  const phrase = await sandbox.phone.createPairingPhrase();
  const pairing = await signedRequest(credentials, 'POST', `${sandbox.apiUrl}/pairings/create`, {
    pairing_phrase: phrase,
    user_name: sentinel.userName,
  });
  const pairingJson = pairing.json as { id: string; user: { id: string } };
  sentinel.pairingId = pairingJson.id;
  sentinel.userId = pairingJson.user.id;
  await sandbox.phone.respondToPairing(sentinel.pairingId, true);
  const terminal = await signedRequest(credentials, 'POST', `${sandbox.apiUrl}/user_terminals/create`, {
    user_name: sentinel.userName,
    name: 'Fuzz browser',
    requester_specified_id: sentinel.terminalId,
  });
  assert.equal(terminal.status, 200, terminal.text);
  sentinel.userTerminalId = (terminal.json as { id: string }).id;
  const initiated = await signedRequest(credentials, 'POST', `${sandbox.apiUrl}/authentication_requests/initiate`, {
    user_name: sentinel.userName,
    requester_specified_terminal_id: sentinel.terminalId,
    action_name: 'Log In',
  });
  assert.equal(initiated.status, 200, initiated.text);
  sentinel.requestId = (initiated.json as { id: string }).id;
});

after(async () => {
  client.close();
  controlClient.close();
  await sandbox.close();
  await control.close();
  processErrors.dispose();
});

/** Every /v1 route; `{id}` is replaced by an id. `signed: false` marks the browser pages. */
type IdKind = 'pairingId' | 'requestId' | 'userId' | 'userTerminalId';
const API_ROUTES: readonly { method: string; path: string; params: readonly string[]; id?: IdKind; signed?: false }[] = [
  { method: 'POST', path: 'pairings/create', params: ['pairing_phrase', 'pairing_token', 'user_name', 'user_id'] },
  { method: 'POST', path: 'pairings/create/sms', params: ['phone_number', 'user_name', 'phone_country'] },
  { method: 'POST', path: 'pairings/create/qr', params: ['user_name'] },
  { method: 'GET', path: 'qr/pairings/{id}', id: 'pairingId', params: [] },
  { method: 'GET', path: 'pairings/{id}', id: 'pairingId', params: [] },
  { method: 'POST', path: 'pairings/{id}', id: 'pairingId', params: ['deactivated'] },
  { method: 'POST', path: 'pairings/{id}/generate_reset_link', id: 'pairingId', params: ['security_question', 'security_answer'] },
  { method: 'POST', path: 'pairings/{id}/send_reset_link', id: 'pairingId', params: ['reset_email'] },
  { method: 'GET', path: 'pairings/{id}/reset', id: 'pairingId', params: ['reset_authorization'], signed: false },
  { method: 'POST', path: 'pairings/{id}/reset', id: 'pairingId', params: ['reset_authorization'], signed: false },
  {
    method: 'POST',
    path: 'authentication_requests/initiate',
    params: [
      'pairing_id',
      'user_name',
      'terminal_name',
      'terminal_id',
      'requester_specified_terminal_id',
      'terminal_name_extra',
      'action_name',
      'action',
      'automation_allowed',
      'challenge_required',
      'otp',
    ],
  },
  { method: 'GET', path: 'authentication_requests/{id}', id: 'requestId', params: [] },
  { method: 'POST', path: 'authentication_requests/{id}/otp_auth', id: 'requestId', params: ['otp'] },
  { method: 'POST', path: 'authentication_requests/{id}/cancel', id: 'requestId', params: [] },
  { method: 'POST', path: 'user_terminals/create', params: ['user_name', 'name', 'terminal_name', 'requester_specified_id', 'name_extra'] },
  { method: 'GET', path: 'user_terminals/{id}', id: 'userTerminalId', params: [] },
  { method: 'POST', path: 'users/create', params: ['name', 'user_name', 'disable_toopher_auth', 'toopher_authentication_enabled'] },
  { method: 'GET', path: 'users', params: ['name', 'user_name'] },
  { method: 'POST', path: 'users/reset', params: ['user_name', 'name'] },
  { method: 'GET', path: 'users/{id}', id: 'userId', params: [] },
  { method: 'POST', path: 'users/{id}', id: 'userId', params: ['disable_toopher_auth', 'toopher_authentication_enabled'] },
  { method: 'GET', path: 'users/{id}/pairings', id: 'userId', params: ['deactivated'] },
  { method: 'GET', path: '{id}', params: [] },
  { method: 'POST', path: '{id}/{id}', params: [] },
];

/** An id for a route: hostile, or (two times in three) the sentinel's real id of the right kind. */
function idFor(kind: IdKind | undefined): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 1, arbitrary: idSegment },
    { weight: kind === undefined ? 0 : 2, arbitrary: fc.constant(0).map(() => (kind === undefined ? '' : sentinel[kind])) },
  );
}

interface ApiCase {
  readonly method: string;
  readonly path: string;
  readonly signed: boolean;
  readonly params: [string, string][];
  readonly query: string;
}

const apiCase: fc.Arbitrary<ApiCase> = fc
  .record({
    routeAndIds: fc.constantFrom(...API_ROUTES).chain((route) =>
      fc.tuple(fc.constant(route), idFor(route.id), idFor(route.id)),
    ),
    otherMethod: sometimes(httpMethod, 6),
    known: fc.array(fc.tuple(fc.nat(), anyText), { maxLength: 6 }),
    extra: nastyPairs,
    query: queryString,
  })
  .map(({ routeAndIds: [route, ...ids], otherMethod, known, extra, query }) => {
    let n = 0;
    const path = route.path.replace(/\{id\}/g, () => ids[n++ % 2] ?? '');
    const params: [string, string][] = [
      ...known.map(([i, v]): [string, string] => [route.params[i % Math.max(route.params.length, 1)] ?? 'x', v]),
      ...extra,
    ].map(([k, v]) => [wellFormed(k), wellFormed(v)]);
    return { method: otherMethod ?? route.method, path, signed: route.signed !== false, params, query };
  });

type HeaderMutation =
  | 'none'
  | 'random'
  | 'oauth-random'
  | 'tampered-signature'
  | 'drop-field'
  | 'duplicate-field'
  | 'wrong-method'
  | 'stale-timestamp'
  | 'future-timestamp'
  | 'unknown-key'
  | 'wrong-secret'
  | 'with-token'
  | 'bad-version'
  | 'other-path'
  | 'broken-quoting'
  | 'bad-percent'
  | 'huge'
  | 'basic'
  | 'bearer';

const MUTATIONS: readonly HeaderMutation[] = [
  'none',
  'random',
  'oauth-random',
  'tampered-signature',
  'drop-field',
  'duplicate-field',
  'wrong-method',
  'stale-timestamp',
  'future-timestamp',
  'unknown-key',
  'wrong-secret',
  'with-token',
  'bad-version',
  'other-path',
  'broken-quoting',
  'bad-percent',
  'huge',
  'basic',
  'bearer',
];

const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function headerFrom(params: readonly (readonly [string, string])[]): string {
  return `OAuth ${params.map(([k, v]) => `${enc(wellFormed(k))}="${enc(wellFormed(v))}"`).join(', ')}`;
}

/** An Authorization header that must not verify for `url`. */
function badAuthorization(mutation: HeaderMutation, method: string, url: string, body: [string, string][], noise: string, pick: number): string | undefined {
  const credentials = { consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret };
  const base = { method, url, ...credentials, body };
  const valid = (): [string, string][] => oauthSign(base);
  const now = Math.floor(Date.now() / 1000);
  switch (mutation) {
    case 'none':
      return undefined;
    case 'random':
      return noise;
    case 'oauth-random':
      return `OAuth ${noise}`;
    case 'tampered-signature': {
      const params = valid();
      return headerFrom(
        params.map(([k, v]) => {
          if (k !== 'oauth_signature') return [k, v];
          const i = pick % v.length;
          const swapped = v[i] === 'A' ? 'B' : 'A';
          return [k, pick % 3 === 0 ? '' : `${v.slice(0, i)}${swapped}${v.slice(i + 1)}`];
        }),
      );
    }
    case 'drop-field': {
      const params = valid();
      const required = ['oauth_consumer_key', 'oauth_nonce', 'oauth_signature_method', 'oauth_timestamp', 'oauth_signature'];
      const drop = required[pick % required.length];
      return headerFrom(params.filter(([k]) => k !== drop));
    }
    case 'duplicate-field': {
      const params = valid();
      const dup = params[pick % params.length] ?? ['oauth_nonce', 'x'];
      return headerFrom([...params, dup]);
    }
    case 'wrong-method':
      return oauthHeader({ ...base, method: method === 'GET' ? 'POST' : 'GET' });
    case 'stale-timestamp':
      return oauthHeader({ ...base, timestamp: now - 301 - (pick % 100_000) });
    case 'future-timestamp':
      return oauthHeader({ ...base, timestamp: now + 301 + (pick % 100_000) });
    case 'unknown-key':
      return oauthHeader({ ...base, consumerKey: `${sandbox.consumerKey}x` });
    case 'wrong-secret':
      return oauthHeader({ ...base, consumerSecret: `${sandbox.consumerSecret}x` });
    case 'with-token': {
      const params = valid();
      return headerFrom([...params, ['oauth_token', noise === '' ? 'token' : noise]]);
    }
    case 'bad-version':
      return headerFrom(valid().map(([k, v]) => (k === 'oauth_version' ? [k, '2.0'] : [k, v])));
    case 'other-path':
      return oauthHeader({ ...base, url: `${sandbox.apiUrl}/users` });
    case 'broken-quoting':
      return oauthHeader(base).replace(/"/g, (q, offset: number) => (offset % 7 === pick % 7 ? '' : q)).replace(/=/, '="');
    case 'bad-percent':
      return `${oauthHeader(base)}, oauth_nonce="%zz%"`;
    case 'huge':
      return `OAuth ${'oauth_nonce="x", '.repeat(500 + (pick % 2000))}`;
    case 'basic':
      return `Basic ${Buffer.from(`${sandbox.consumerKey}:${sandbox.consumerSecret}`).toString('base64')}`;
    case 'bearer':
      return `Bearer ${sandbox.consumerSecret}`;
  }
}

function requestFor(c: ApiCase): { path: string; url: string; body: string | undefined; form: [string, string][] } {
  const isGet = c.method === 'GET' || c.method === 'HEAD';
  const queryPart = isGet && c.params.length > 0 ? `${c.query === '' ? '?' : `${c.query}&`}${formEncode(c.params)}` : c.query;
  const path = `/v1/${c.path}${queryPart}`;
  return { path, url: `${sandbox.url}${path}`, body: isGet ? undefined : formEncode(c.params), form: isGet ? [] : c.params };
}

function assertNoServerError(res: RawResponse, what: string): void {
  assert.ok(res.status < 500, `${what} answered ${res.status}: ${res.body.slice(0, 300)}`);
  assert.ok(res.status >= 200, `${what} answered ${res.status}`);
}

async function sentinelStatus(): Promise<{ pending: boolean; granted: boolean }> {
  const [request] = (await sandbox.phone.listAuthenticationRequests(sentinel.userName)).filter((r) => r.id === sentinel.requestId);
  assert.ok(request, 'the sentinel request still exists');
  return request;
}

test('fuzz: /v1 refuses every unsigned, mis-signed or malformed OAuth request with a 4xx and changes nothing', async (t) => {
  const pairingsBefore = (await sandbox.phone.listPairings()).length;
  const requestsBefore = (await sandbox.phone.listAuthenticationRequests()).length;
  const statuses = new Map<number, number>();
  await fuzz(
    t,
    'sandbox-v1-bad-oauth',
    fc.record({ c: apiCase, mutation: fc.constantFrom(...MUTATIONS), noise: anyText, pick: fc.nat(), asQuery: fc.boolean() }),
    async ({ c, mutation, noise, pick, asQuery }) => {
      const { path, url, body, form } = requestFor(c);
      const authorization = badAuthorization(mutation, c.method, url, form, noise, pick);
      // Sometimes carry the (bad) OAuth parameters in the query string instead of the header.
      let target = path;
      const headers: Record<string, string> = {};
      if (authorization !== undefined && asQuery && mutation !== 'broken-quoting' && authorization.startsWith('OAuth ')) {
        const pairs = authorization
          .slice(6)
          .split(', ')
          .map((part) => part.replace(/"/g, ''));
        target = `${path}${path.includes('?') ? '&' : '?'}${pairs.join('&')}`;
      } else if (authorization !== undefined) {
        headers['authorization'] = authorization;
      }
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await client.send({ method: c.method, path: target, headers, ...(body === undefined ? {} : { body }) });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assertNoServerError(res, `${c.method} ${c.path} with ${mutation} OAuth`);
      assert.ok(res.status >= 400, `${c.method} ${c.path} with ${mutation} OAuth was accepted (${res.status})`);
    },
  );
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.deepEqual(await sentinelStatus(), { ...(await sentinelStatus()), pending: true, granted: false });
  assert.equal((await sandbox.phone.listPairings()).length, pairingsBefore, 'no pairing was created');
  assert.equal((await sandbox.phone.listAuthenticationRequests()).length, requestsBefore, 'no request was created');
  processErrors.assertNone();
});

test('fuzz: /v1 never answers 5xx to correctly signed requests with hostile parameters, ids and bodies', async (t) => {
  const credentials = { consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret };
  const statuses = new Map<number, number>();
  await fuzz(
    t,
    'sandbox-v1-signed',
    fc.record({ c: apiCase, odd: sometimes(fuzzBody, 4) }),
    async ({ c, odd }) => {
      const { path, url, body, form } = requestFor(c);
      const headers: Record<string, string> = {};
      let sent = body;
      if (odd === null || body === undefined) {
        if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
        if (c.signed) headers['authorization'] = oauthHeader({ method: c.method, url, ...credentials, body: form });
      } else {
        // A body the signature does not cover (not a form) or a wrong content type.
        sent = odd.body;
        if (odd.contentType !== undefined) headers['content-type'] = odd.contentType;
        const covered = odd.contentType === 'application/x-www-form-urlencoded' && odd.body !== undefined ? [...new URLSearchParams(odd.body)] : [];
        if (c.signed) headers['authorization'] = oauthHeader({ method: c.method, url, ...credentials, body: covered });
      }
      const res = await client.send({ method: c.method, path, headers, ...(sent === undefined ? {} : { body: sent }) });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assertNoServerError(res, `signed ${c.method} ${c.path}`);
      if (res.status !== 200 && c.method !== 'HEAD' && c.signed && res.headers['content-type']?.includes('json') === true) {
        const parsed = JSON.parse(res.body) as { error_code?: unknown; error_message?: unknown };
        assert.equal(typeof parsed.error_code, 'number', `error body of ${c.method} ${c.path} has a numeric error_code`);
        assert.equal(typeof parsed.error_message, 'string');
      }
    },
  );
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.ok((statuses.get(200) ?? 0) > 0, 'some signed cases got through verification to the handlers');
  const status = await sentinelStatus();
  assert.equal(status.granted, false, 'no hostile request granted the sentinel request');
  processErrors.assertNone();
});

/** Every control route and page; `{id}` is replaced by an id. */
const CONTROL_ROUTES: readonly { method: string; path: string }[] = [
  { method: 'POST', path: '/sandbox/pairing_phrases' },
  { method: 'GET', path: '/sandbox/pairing_phrases' },
  { method: 'GET', path: '/sandbox/pairings' },
  { method: 'POST', path: '/sandbox/pairings/{id}/respond' },
  { method: 'POST', path: '/sandbox/pairings/{id}/deactivate' },
  { method: 'GET', path: '/sandbox/pairings/{id}/otp' },
  { method: 'GET', path: '/sandbox/authentication_requests' },
  { method: 'POST', path: '/sandbox/authentication_requests/{id}/respond' },
  { method: 'POST', path: '/sandbox/faults' },
  { method: 'DELETE', path: '/sandbox/faults' },
  { method: 'POST', path: '/sandbox/auto_respond' },
  { method: 'DELETE', path: '/sandbox/auto_respond' },
  { method: 'GET', path: '/sandbox/reset_emails' },
  { method: 'GET', path: '/phone' },
  { method: 'GET', path: '/phone.css' },
  { method: 'GET', path: '/r/pairings/{id}' },
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/{id}' },
  { method: 'POST', path: '/sandbox/{id}' },
  { method: 'POST', path: '/sandbox/pairings/{id}/require_otp' },
  // The iframe pages (unsigned and hostile: every case must end in a 4xx page, never a 5xx).
  { method: 'GET', path: '/v1/web/authenticate' },
  { method: 'GET', path: '/v1/web/manage_user' },
  { method: 'GET', path: '/v1/web/auth' },
  { method: 'GET', path: '/v1/web/error.html' },
  { method: 'GET', path: '/v1/web/s/{id}' },
  { method: 'GET', path: '/v1/web/s/{id}/status' },
  { method: 'GET', path: '/v1/web/s/{id}/qr.png' },
  { method: 'POST', path: '/v1/web/s/{id}/pair' },
  { method: 'POST', path: '/v1/web/s/{id}/otp' },
];

/** Control bodies: hostile, or near-valid objects with hostile field values. */
const controlBody = fc.oneof(
  fuzzBody,
  fc
    .record(
      {
        granted: fc.oneof(fc.boolean(), nastyText, fc.jsonValue()),
        automate: fc.oneof(fc.boolean(), nastyText),
        mode: fc.oneof(fc.constantFrom('error', 'garbage', 'reset', 'hang'), nastyText),
        status: fc.oneof(fc.integer({ min: -1000, max: 1000 }), nastyText),
        rate: fc.oneof(fc.double(), nastyText),
        latencyMs: fc.oneof(fc.integer(), nastyText),
        delayMs: fc.oneof(fc.integer(), nastyText),
        paths: fc.oneof(fc.array(nastyText, { maxLength: 60 }), nastyText),
        return_to: fc.oneof(fc.constantFrom('/phone', '/phone?x=1', 'https://evil.example/', '//evil.example'), nastyText),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    .chain((value) =>
      fc.constantFrom(
        { contentType: 'application/json', body: JSON.stringify(value) },
        {
          contentType: 'application/x-www-form-urlencoded',
          body: formEncode(Object.entries(value).map(([k, v]) => [k, wellFormed(typeof v === 'string' ? v : JSON.stringify(v) ?? '')])),
        },
      ),
    ),
);

test('fuzz: the control API and phone page never answer 5xx to hostile methods, ids, queries and bodies', async (t) => {
  const phrase = await control.phone.createPairingPhrase();
  const credentials = { consumerKey: control.consumerKey, consumerSecret: control.consumerSecret };
  const created = await signedRequest(credentials, 'POST', `${control.apiUrl}/pairings/create`, {
    pairing_phrase: phrase,
    user_name: 'fuzz-control',
  });
  const realIds = [(created.json as { id: string }).id];
  const statuses = new Map<number, number>();
  await fuzz(
    t,
    'sandbox-control',
    fc.record({
      route: fc.constantFrom(...CONTROL_ROUTES),
      otherMethod: sometimes(httpMethod, 6),
      id: fc.oneof({ weight: 3, arbitrary: idSegment }, { weight: 1, arbitrary: fc.constant(realIds[0] ?? '') }),
      query: queryString,
      body: controlBody,
      accept: fc.constantFrom(undefined, 'application/json', 'text/html', '*/*', 'garbage'),
    }),
    async ({ route, otherMethod, id, query, body, accept }) => {
      const method = otherMethod ?? route.method;
      const path = `${route.path.replace('{id}', id)}${query}`;
      const headers: Record<string, string> = {};
      if (body.contentType !== undefined) headers['content-type'] = body.contentType;
      if (accept !== undefined) headers['accept'] = accept;
      const res = await controlClient.send({ method, path, headers, ...(body.body === undefined ? {} : { body: body.body }) });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assertNoServerError(res, `${method} ${route.path}`);
      if (res.status >= 300 && res.status < 400) {
        const location = res.headers.location ?? '';
        assert.match(location, /^\/(?!\/)/, `redirects stay on the sandbox (got ${location.slice(0, 100)})`);
      }
      // A fault script only affects /v1 of this sandbox; keep it from slowing the next cases.
      await control.phone.clearFaults();
    },
  );
  t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  processErrors.assertNone();
});

test('fuzz: the phone functions reject hostile arguments with a SandboxError and never throw synchronously', async (t) => {
  const phone = control.phone;
  const calls: readonly ((value: unknown, text: string, flag: boolean) => Promise<unknown>)[] = [
    (value) => phone.setFaults(value as never),
    (value) => phone.setAutoRespond(value as never),
    (_v, text) => phone.listPairings(text),
    (_v, text, flag) => phone.respondToPairing(text, flag),
    (_v, text) => phone.deactivatePairing(text),
    (_v, text) => phone.getOtp(text),
    (_v, text) => phone.listAuthenticationRequests(text),
    (_v, text, flag) => phone.respondToAuthenticationRequest(text, flag, !flag),
  ];
  await fuzz(
    t,
    'sandbox-phone-functions',
    fc.record({ call: fc.nat({ max: calls.length - 1 }), value: fc.anything(), text: anyText, flag: fc.boolean() }),
    async ({ call, value, text, flag }) => {
      const fn = calls[call];
      assert.ok(fn);
      let promise: Promise<unknown>;
      try {
        promise = fn(value, text, flag);
      } catch (err) {
        assert.fail(`phone function ${call} threw synchronously: ${String(err)}`);
      }
      try {
        await promise;
      } catch (err) {
        assert.ok(err instanceof SandboxError, `phone function ${call} rejected with ${String(err)}`);
        assert.ok((err.status ?? 500) < 500, `phone function ${call} rejected with status ${String(err.status)}`);
      } finally {
        await phone.clearFaults();
        await phone.clearAutoRespond();
      }
    },
  );
  processErrors.assertNone();
});
