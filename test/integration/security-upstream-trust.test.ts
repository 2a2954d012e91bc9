import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, beforeEach, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { close, listen } from '../helpers/listen.js';
import { makeUsers, postWithCsrf, startTestApp, whoAmI, type TestApp } from '../helpers/test-app.js';

// A misbehaving Toopher API: error codes under the wrong HTTP status, and
// status answers about another request, user or action. None of them may sign
// anyone in, run a guarded action or offer pairing to a paired user.

interface Answer {
  readonly status: number;
  readonly body: unknown;
}
type Script = (method: string, path: string) => Answer;

const users = makeUsers('tia', 'tom');
const user = users[0] ?? assert.fail();
let script: Script;
let apiUrl: string;
let server: ReturnType<typeof createServer>;
let required: TestApp;
let optional: TestApp;

function authRequest(fields: { id?: string; pending?: boolean; granted?: boolean; userName?: string; actionName?: string } = {}): unknown {
  const userName = fields.userName ?? user.email;
  return {
    id: fields.id ?? 'req-1',
    pending: fields.pending ?? false,
    granted: fields.granted ?? true,
    automated: !(fields.pending ?? false),
    reason: '',
    reason_code: 0,
    terminal: { id: 'term-1', name: 'Test browser', requester_specified_id: 'x', user: { id: 'user-1', name: userName } },
    user: { id: 'user-1', name: userName, toopher_authentication_enabled: true },
    action: { id: 'action-1', name: fields.actionName ?? 'Log In' },
  };
}

function zrs(code: number, status: number): Answer {
  return { status, body: { error_code: code, error_message: 'No matching user exists.' } };
}

before(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const answer = script(req.method ?? 'GET', (req.url ?? '').replace(/^\/v1\//, '').split('?')[0] ?? '');
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  apiUrl = `${await listen(server)}/v1`;
  const api = new ToopherApi({ consumerKey: 'key', consumerSecret: 'secret', baseUrl: apiUrl, retry: 0 });
  required = await startTestApp({ api, users, toopher: { pollIntervalMs: 0, maxPushesPerMinute: 1000 } });
  optional = await startTestApp({ api, users, toopher: { pollIntervalMs: 0, enrollment: 'optional' } });
});

beforeEach(() => {
  script = () => ({ status: 200, body: authRequest() });
});

after(async () => {
  await required.close();
  await optional.close();
  await close(server);
});

function login(client: BrowserClient): Promise<import('../helpers/browser-client.js').Hop> {
  return client.post('/login', { email: user.email, password: user.password });
}

/** Signed in through an automated approval (the script's default answer). */
async function signedIn(app: TestApp): Promise<BrowserClient> {
  const client = new BrowserClient(app.url);
  const hop = await login(client);
  assert.equal(hop.status, 302);
  assert.equal(await whoAmI(client), user.email);
  return client;
}

function runs(app: TestApp): number {
  return app.executed.filter((run) => run.user === user.email).length;
}

for (const status of [500, 503, 429, 401, 400]) {
  test(`a 704 ("Toopher turned off") inside HTTP ${status} does not sign in with optional enrollment`, async () => {
    script = () => zrs(704, status);
    const client = new BrowserClient(optional.url);
    const hop = await login(client);
    assert.equal(hop.status, 502);
    assert.equal(await whoAmI(client), null);
  });
}

test('a 704 inside a 500 does not run a guarded transfer', async () => {
  const client = await signedIn(optional);
  const before = runs(optional);
  script = () => zrs(704, 500);
  const hop = await postWithCsrf(client, '/transfer', { amount: '9' });
  assert.equal(hop.status, 502);
  assert.equal(runs(optional), before);
});

for (const code of [705, 707, 601]) {
  test(`a ${code} inside a 500 does not offer the pair page`, async () => {
    script = () => zrs(code, 500);
    const client = new BrowserClient(required.url);
    const hop = await login(client);
    assert.equal(hop.status, 502);
    assert.doesNotMatch(hop.location ?? '', /\/pair\//);
  });
}

test('a 706 inside a 500 does not offer the terminal page', async () => {
  script = () => zrs(706, 500);
  const hop = await login(new BrowserClient(required.url));
  assert.equal(hop.status, 502);
  assert.doesNotMatch(hop.location ?? '', /\/terminal\//);
});

const foreignStatusAnswers: ReadonlyArray<readonly [string, Parameters<typeof authRequest>[0]]> = [
  ['another request id', { id: 'req-2' }],
  ['a blank user name', { id: 'req-1', userName: '' }],
  ['a blank (spaces) user name', { id: 'req-1', userName: '   ' }],
  ['another user', { id: 'req-1', userName: 'someone-else@example.com' }],
  ['another action', { id: 'req-1', actionName: 'Transfer money' }],
  ['a blank action name', { id: 'req-1', actionName: '' }],
];

for (const [what, answer] of foreignStatusAnswers) {
  test(`a granted status answer about ${what} does not sign in`, async () => {
    script = (method) =>
      method === 'POST' ? { status: 200, body: authRequest({ pending: true, granted: false }) } : { status: 200, body: authRequest(answer) };
    const client = new BrowserClient(required.url);
    const hop = await login(client);
    assert.equal(hop.status, 303);
    const page = await client.get(hop.location ?? '');
    const done = await client.submit(findForm(page.body, 'toopher-check'));
    assert.equal(done.status, 502);
    assert.equal(await whoAmI(client), null);
  });
}

test('an at-once approval naming a blank user does not sign in', async () => {
  script = () => ({ status: 200, body: authRequest({ userName: '' }) });
  const client = new BrowserClient(required.url);
  const hop = await login(client);
  assert.equal(hop.status, 502);
  assert.equal(await whoAmI(client), null);
});
