import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { close, listen } from '../helpers/listen.js';
import { makeUsers, startTestApp, type TestApp } from '../helpers/test-app.js';

// A misbehaving Toopher API gives the same request id to two users' sign-ins.
// Concurrent polls of one request share one upstream check; a check started
// for mallory's flow must never decide ali's, even while it is in flight.

const [mallory, ali] = makeUsers('mal', 'ali');
assert.ok(mallory && ali);
let server: ReturnType<typeof createServer>;
let app: TestApp;
let statusRequests = 0;
let release: (() => void) | undefined;
let released: Promise<void> = Promise.resolve();

function authRequest(userName: string, pending: boolean): unknown {
  return {
    id: 'same-id',
    pending,
    granted: !pending,
    automated: false,
    reason: '',
    terminal: { id: 'term-1', name: 'Browser', requester_specified_id: 'x', user: { id: 'u', name: userName } },
    user: { id: 'u', name: userName, toopher_authentication_enabled: true },
    action: { id: 'a', name: 'Log In' },
  };
}

before(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const send = (body: unknown): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'POST') {
        const userName = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('user_name') ?? '';
        send(authRequest(userName, true));
        return;
      }
      // Status: approved, on mallory's phone. Held until a second status request
      // arrives (or, when none comes because the second poll joined the first, for a while).
      statusRequests += 1;
      if (statusRequests >= 2) release?.();
      void released.then(() => send(authRequest(mallory.email, false)));
    });
  });
  const api = new ToopherApi({ consumerKey: 'key', consumerSecret: 'secret', baseUrl: `${await listen(server)}/v1`, retry: 0 });
  app = await startTestApp({ api, users: [mallory, ali], toopher: { pollIntervalMs: 0 } });
});

after(async () => {
  await app.close();
  await close(server);
});

async function pendingId(client: BrowserClient, user: { email: string; password: string }): Promise<string> {
  const hop = await client.post('/login', { email: user.email, password: user.password });
  assert.equal(hop.status, 303);
  const id = /\/pending\/([^/?]+)/.exec(hop.location ?? '')?.[1];
  assert.ok(id, hop.location);
  return id;
}

async function whoAmI(client: BrowserClient): Promise<unknown> {
  return (JSON.parse((await client.get('/', { accept: 'application/json' })).body) as { user: unknown }).user;
}

test("a status check in flight for another user's flow with the same request id does not approve ours", async () => {
  const attacker = new BrowserClient(app.url);
  const victimSession = new BrowserClient(app.url);
  const malloryId = await pendingId(attacker, mallory);
  const aliId = await pendingId(victimSession, ali);
  released = new Promise<void>((resolve) => {
    release = resolve;
    setTimeout(resolve, 3_000).unref();
  });
  const first = attacker.getJson(`/toopher/status/${malloryId}`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const second = victimSession.getJson(`/toopher/status/${aliId}`);
  await Promise.all([first, second]);
  const page = await victimSession.get(`/toopher/pending/${aliId}`);
  if (page.status === 200 && page.body.includes('toopher-check')) await victimSession.submit(findForm(page.body, 'toopher-check'));
  assert.equal(await whoAmI(victimSession), null, 'ali was signed in on an approval about mallory');
});
