import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { ToopherApi, ToopherApiError } from '../../src/index.js';
import { fuzzSeed } from '../helpers/fuzz-run.js';
import { close, listen } from '../helpers/listen.js';
import { startScriptedServer, toopherJson, type RecordedRequest, type ScriptedServer } from '../helpers/scripted-server.js';

// An RFC 5849 (§3.4) verifier written here from the RFC, independent of
// oauth-1.0a and of the client's own encoder.

const SECRET = "s3cret & +/=%'";
const TRICKY = "space + & = % * ' ( ) ! ~ / café 日本 😀";

/** RFC 3986 §2.1 percent-encoding over UTF-8 bytes; only unreserved bytes stay. */
function rfcEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** application/x-www-form-urlencoded decoding (RFC 5849 §3.4.1.3.1). */
function formDecode(text: string): Array<[string, string]> {
  if (text === '') return [];
  return text.split('&').map((pair) => {
    const at = pair.indexOf('=');
    const [name, value] = at === -1 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
    const decode = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));
    return [decode(name), decode(value)];
  });
}

interface Verification {
  readonly valid: boolean;
  /** Query and form parameters as the server decoded them. */
  readonly params: Array<[string, string]>;
}

function verify(
  request: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer },
  secret: string,
): Verification {
  const header = request.headers.authorization ?? '';
  assert.match(header, /^OAuth /);
  const oauth = new Map<string, string>();
  for (const match of header.slice(6).matchAll(/([A-Za-z_]+)="([^"]*)"/g)) {
    oauth.set(match[1] ?? '', decodeURIComponent(match[2] ?? ''));
  }
  const signature = oauth.get('oauth_signature') ?? '';
  oauth.delete('oauth_signature');
  oauth.delete('realm');
  assert.equal(oauth.get('oauth_signature_method'), 'HMAC-SHA1');

  const [path = '', query = ''] = request.url.split('?', 2);
  const isForm = request.headers['content-type'] === 'application/x-www-form-urlencoded';
  const params = [...formDecode(query), ...(isForm ? formDecode(request.body.toString('utf8')) : [])];
  const normalised = [...oauth, ...params]
    .map(([name, value]) => [rfcEncode(name), rfcEncode(value)] as const)
    .sort(([an, av], [bn, bv]) => (an === bn ? (av < bv ? -1 : av > bv ? 1 : 0) : an < bn ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const baseUri = `http://${request.headers.host ?? ''}${path}`;
  const baseString = [request.method.toUpperCase(), rfcEncode(baseUri), rfcEncode(normalised)].join('&');
  const expected = createHmac('sha1', `${rfcEncode(secret)}&`).update(baseString, 'utf8').digest();
  const given = Buffer.from(signature, 'base64');
  return { valid: given.length === expected.length && timingSafeEqual(given, expected), params };
}

function verifyRecorded(request: RecordedRequest | undefined): Verification {
  assert.ok(request !== undefined, 'a request arrived');
  return verify(request, SECRET);
}

let server: ScriptedServer;
let api: ToopherApi;

before(async () => {
  server = await startScriptedServer();
  api = new ToopherApi({ consumerKey: 'key with space', consumerSecret: SECRET, baseUrl: `${server.url}/v1` });
});
after(() => server.close());

test('signs a form body with tricky characters so an RFC 5849 verifier accepts it', async () => {
  server.enqueue({ body: toopherJson.pairing() });
  await api.pair(TRICKY, `Zoë ${TRICKY}`, { 'odd.key-name': 'a=b&c=d' });
  const result = verifyRecorded(server.requests.at(-1));
  assert.ok(result.valid, 'signature verifies');
  assert.deepEqual(result.params, [
    ['odd.key-name', 'a=b&c=d'],
    ['pairing_phrase', TRICKY],
    ['user_name', `Zoë ${TRICKY}`],
  ]);
});

test('signs a query string with tricky characters so an RFC 5849 verifier accepts it', async () => {
  server.enqueue({ body: [] });
  await api.getUsersByName(TRICKY);
  const result = verifyRecorded(server.requests.at(-1));
  assert.ok(result.valid, 'signature verifies');
  assert.deepEqual(result.params, [['name', TRICKY]]);
});

test('signs a path holding an encoded id with tricky characters', async () => {
  server.enqueue({ body: toopherJson.pairing() });
  await api.getPairingStatus(TRICKY);
  const request = server.requests.at(-1);
  assert.ok(request?.url.startsWith('/v1/pairings/space%20%2B%20%26'));
  assert.ok(verifyRecorded(request).valid, 'signature verifies');
});

test('signs zero-storage calls with booleans and an action name', async () => {
  server.enqueue({ body: toopherJson.authenticationRequest() });
  await api.authenticateByUserName('jdoe', 'a1b2c3', "Log In (it's me!)", { automationAllowed: false });
  const result = verifyRecorded(server.requests.at(-1));
  assert.ok(result.valid);
  assert.deepEqual(result.params, [
    ['automation_allowed', 'false'],
    ['user_name', 'jdoe'],
    ['requester_specified_terminal_id', 'a1b2c3'],
    ['action_name', "Log In (it's me!)"],
  ]);
});

test('signs any Unicode text in form bodies and query strings', async (t) => {
  const seed = fuzzSeed('client-signature-unicode');
  t.diagnostic(`fast-check seed ${seed} (set FUZZ_SEED to vary)`);
  const text = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 24 })
    .filter((s) => !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')));
  server.setDefault({ body: toopherJson.pairing() });
  try {
    await fc.assert(
      fc.asyncProperty(text, text, async (phrase, name) => {
        await api.pair(phrase, name);
        const posted = verifyRecorded(server.requests.at(-1));
        assert.ok(posted.valid);
        assert.deepEqual(posted.params, [['pairing_phrase', phrase], ['user_name', name]]);
        server.enqueue({ body: [] });
        await api.getUsersByName(name);
        const queried = verifyRecorded(server.requests.at(-1));
        assert.ok(queried.valid);
        assert.deepEqual(queried.params, [['name', name]]);
      }),
      { numRuns: 60, seed },
    );
  } finally {
    server.setDefault({ status: 200, body: {} });
  }
});

test('gets a 401 ToopherApiError from a verifying server when the secret is wrong', async (t) => {
  const verifying = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { valid } = verify(
        { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) },
        SECRET,
      );
      res.writeHead(valid ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(valid ? toopherJson.user() : toopherJson.error(401, 'Not a valid OAuth signed request')));
    });
  });
  const url = await listen(verifying);
  t.after(() => close(verifying));
  const good = new ToopherApi({ consumerKey: 'key', consumerSecret: SECRET, baseUrl: `${url}/v1` });
  assert.equal((await good.createUser(TRICKY)).name, 'jdoe');
  const bad = new ToopherApi({ consumerKey: 'key', consumerSecret: `${SECRET}x`, baseUrl: `${url}/v1` });
  await assert.rejects(bad.createUser(TRICKY), (error: unknown) => {
    assert.ok(error instanceof ToopherApiError);
    assert.equal(error.status, 401);
    assert.equal(error.toopherCode, 401);
    assert.ok(!error.message.includes(SECRET));
    return true;
  });
});
