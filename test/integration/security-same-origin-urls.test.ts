import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient } from '../helpers/browser-client.js';
import { approveAndCheck, enroll, makeUsers, signIn, startTestApp, userById, type TestApp, type TestUser } from '../helpers/test-app.js';

// Every URL the middleware sends a browser to, when it came from a request, is
// a path of this origin: a guarded page requested as `//evil.example/...`
// must not send the browser (and its grant) to evil.example after approval.

const users = makeUsers('uma', 'ugo', 'una', 'uli', 'ulf');
let sandbox: Sandbox;
let api: ToopherApi;
let app: TestApp;

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  app = await startTestApp({ api, users, toopher: { pollIntervalMs: 0, maxPushesPerMinute: 50 } });
  // An app that guards every other page (a root-level `app.use(toopher.require(...))`).
  app.app.use(app.toopher.require('Browse'), (req, res) => {
    app.executed.push({ route: 'browse', user: (req.user as TestUser).email, value: req.originalUrl });
    res.json({ page: req.originalUrl });
  });
});

after(async () => {
  await app.close();
  await sandbox.close();
});

const user = (id: string): TestUser => userById(users, id);

async function signedIn(id: string): Promise<BrowserClient> {
  const client = new BrowserClient(app.url);
  await enroll(sandbox, api, user(id).email, client);
  await signIn(sandbox, client, user(id));
  return client;
}

/** A GET with this exact request target (no URL parsing on the way), with the client's cookies. */
async function rawGet(client: BrowserClient, target: string): Promise<{ status: number; location: string | undefined; body: string }> {
  const base = new URL(client.baseUrl);
  const cookie = await client.jar.getCookieString(client.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: base.hostname, port: base.port, path: target, headers: { cookie, accept: 'text/html' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const target of ['//evil.example/steal', '/\\evil.example/steal', '//evil.example/steal?x=1']) {
  test(`a guarded GET of ${JSON.stringify(target)} is refused before any push, never held for a redirect`, async () => {
    const client = await signedIn(target.includes('?') ? 'una' : target.includes('\\') ? 'ugo' : 'uma');
    const email = (await client.getJson('/')).body['user'] as string;
    const pushesBefore = (await sandbox.phone.listAuthenticationRequests(email)).length;
    const hop = await rawGet(client, target);
    assert.equal(hop.status, 400);
    assert.match(hop.body, /not a page of this site/);
    assert.equal(hop.location, undefined);
    assert.equal((await sandbox.phone.listAuthenticationRequests(email)).length, pushesBefore, 'a push was sent');
  });
}

test('a guarded GET of a same-origin page still redirects there after approval', async () => {
  const client = await signedIn('uli');
  const held = await client.get('/docs/a?b=1');
  assert.equal(held.status, 303);
  const done = await approveAndCheck(sandbox, client, held.location ?? '', user('uli').email);
  assert.equal(done.status, 303);
  assert.match(done.location ?? '', new RegExp(`^${app.url}/docs/a\\?b=1&_toopher_grant=`));
});

test('"Try again" after a denied form action returns to the same-origin page it came from, never a foreign one', async () => {
  const client = await signedIn('ulf');
  const email = user('ulf').email;
  for (const [referer, expected] of [
    [`${app.url}/account?tab=money`, '/account?tab=money'],
    ['https://evil.example/phish', '/'],
    [`${app.url}//evil.example/phish`, '/'],
  ] as const) {
    const page = await client.request('POST', '/transfer', {
      form: { amount: '2', _csrf: (await client.getJson('/form-token')).body['token'] as string },
      headers: { referer },
    });
    assert.equal(page.status, 303);
    const denied = await approveAndCheck(sandbox, client, page.location ?? '', email, false);
    assert.equal(denied.status, 403);
    const retry = /<a class="toopher-button" href="([^"]*)"/.exec(denied.body)?.[1];
    assert.equal(retry?.replace(/&amp;/g, '&'), expected, referer);
  }
});
