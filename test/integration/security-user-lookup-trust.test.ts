import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { close, listen } from '../helpers/listen.js';
import { makeUsers, startTestApp, type TestApp } from '../helpers/test-app.js';

// A misbehaving Toopher API answers the `users?name=` lookup (used to decide
// opt-out and "Skip") with a user of another name. That user's flags must
// decide nothing for ours, and ours must never be written through its id.

const users = makeUsers('uma');
const user = users[0] ?? assert.fail();
const calls: string[] = [];
let server: ReturnType<typeof createServer>;
let optional: TestApp;

before(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').replace(/^\/v1\//, '').split('?')[0] ?? '';
      calls.push(`${req.method ?? ''} ${path}`);
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (path === 'authentication_requests/initiate') {
        send(409, { error_code: 705, error_message: 'No matching user exists.' });
      } else if (path === 'users' && req.method === 'GET') {
        // Another user, with Toopher turned off.
        send(200, [{ id: 'other-id', name: 'someone-else@example.com', toopher_authentication_enabled: false }]);
      } else {
        send(200, { id: 'other-id', name: 'someone-else@example.com', toopher_authentication_enabled: false });
      }
    });
  });
  const apiUrl = `${await listen(server)}/v1`;
  const api = new ToopherApi({ consumerKey: 'key', consumerSecret: 'secret', baseUrl: apiUrl, retry: 0 });
  optional = await startTestApp({ api, users, toopher: { pollIntervalMs: 0, enrollment: 'optional' } });
});

after(async () => {
  await optional.close();
  await close(server);
});

async function whoAmI(client: BrowserClient): Promise<unknown> {
  return (JSON.parse((await client.get('/', { accept: 'application/json' })).body) as { user: unknown }).user;
}

test('a users lookup naming another, opted-out user does not let ours sign in without Toopher', async () => {
  const client = new BrowserClient(optional.url);
  const hop = await client.post('/login', { email: user.email, password: user.password });
  assert.equal(await whoAmI(client), null);
  assert.equal(hop.status, 303);
  assert.match(hop.location ?? '', /\/pair\//);
});

test('Skip never turns Toopher off through a users lookup naming another user', async () => {
  const client = new BrowserClient(optional.url);
  const hop = await client.post('/login', { email: user.email, password: user.password });
  assert.match(hop.location ?? '', /\/pair\//);
  const page = await client.get(hop.location ?? '');
  calls.length = 0;
  const done = await client.submit(findForm(page.body, '/skip'));
  assert.ok(!calls.includes('POST users/other-id'), `wrote another user's record: ${calls.join(', ')}`);
  assert.equal(done.status, 502);
  assert.equal(await whoAmI(client), null);
});
