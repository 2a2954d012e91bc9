import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { verifyTerminalCookie } from '../../src/strategy/terminal-cookie.js';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { approveAndCheck, csrfTokenOf, enroll, makeUsers, postWithCsrf, SECRET, signIn, startTestApp, userById, type TestApp, type TestUser } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben', 'cid', 'dot', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jay');
let sandbox: Sandbox;
let api: ToopherApi;
let app: TestApp;

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  app = await startTestApp({ api, users, toopher: { pollIntervalMs: 0 } });
});

after(async () => {
  await app.close();
  await sandbox.close();
});

const user = (id: string): TestUser => userById(users, id);

async function pendingLogin(id: string, extra: Record<string, string> = {}) {
  const client = new BrowserClient(app.url);
  await enroll(sandbox, api, user(id).email, client);
  const hop = await client.post('/login', { email: user(id).email, password: user(id).password, ...extra });
  assert.equal(hop.status, 303);
  return { client, pendingUrl: hop.location ?? '' };
}

function setCookies(headers: Record<string, unknown>): string[] {
  const value = headers['set-cookie'];
  return Array.isArray(value) ? (value as string[]) : [];
}

test('refuses POSTs without the CSRF token or with a wrong one (403)', async () => {
  const { client, pendingUrl } = await pendingLogin('ann');
  const page = await client.get(pendingUrl);
  const check = findForm(page.body, 'toopher-check');
  const without = await client.post(check.action, check.fields.filter(([n]) => n !== '_csrf'));
  assert.equal(without.status, 403);
  const wrong = await client.submit(check, { _csrf: 'A'.repeat(43) });
  assert.equal(wrong.status, 403);
  const otp = await client.submit(findForm(page.body, '/otp'), { _csrf: '', otp: '123456' });
  assert.equal(otp.status, 403);
  const json = await client.request('POST', check.action, { headers: { accept: 'application/json' } });
  assert.equal(json.status, 403);
  assert.equal((JSON.parse(json.body) as { state: string }).state, 'forbidden');
});

test('ignores return URLs to other origins, also when they normalise to one', async () => {
  for (const [id, returnTo, expected] of [
    ['ben', 'https://evil.example/steal', '/'],
    ['cid', '//evil.example', '/'],
    ['ivy', '/..//evil.example/phish', '/'],
    ['jay', '/%2e%2e//evil.example', '/'],
    ['dot', '/account?tab=1', '/account?tab=1'],
  ] as const) {
    const { client, pendingUrl } = await pendingLogin(id, { returnTo });
    const done = await approveAndCheck(sandbox, client, pendingUrl, user(id).email);
    assert.equal(done.status, 303);
    assert.equal(done.location, `${app.url}${expected}`, returnTo);
  }
});

test('honours a same-origin returnTo option of passport.authenticate', async () => {
  const client = new BrowserClient(app.url);
  await enroll(sandbox, api, user('ben').email, client);
  const hop = await client.post('/login-account', { email: user('ben').email, password: user('ben').password, returnTo: '/ignored' });
  const done = await approveAndCheck(sandbox, client, hop.location ?? '', user('ben').email);
  assert.equal(done.location, `${app.url}/account`);
});

test('lets the app protect its own forms with the same CSRF token', async () => {
  const client = new BrowserClient(app.url);
  const { token } = JSON.parse((await client.get('/form-token')).body) as { token: string };
  assert.equal((await client.post('/profile', { _csrf: token })).status, 200);
  assert.equal((await client.post('/profile', { _csrf: `${token}x` })).status, 403);
  assert.equal((await client.post('/profile', {})).status, 403);
  assert.equal((await client.request('POST', '/profile', { headers: { 'x-csrf-token': token } })).status, 200);
  assert.equal((await new BrowserClient(app.url).post('/profile', { _csrf: token })).status, 403);
});

test('issues a signed, httpOnly, SameSite=Lax terminal cookie and replaces a tampered one', async () => {
  const client = new BrowserClient(app.url);
  const first = await client.post('/login', { email: user('eve').email, password: user('eve').password });
  const cookie = setCookies(first.headers).find((c) => c.startsWith('toopher_terminal='));
  assert.ok(cookie);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.match(cookie, /Path=\//);
  assert.match(cookie, /Max-Age=34560000/);
  assert.doesNotMatch(cookie, /Secure/);
  const value = (await client.cookie('toopher_terminal')) ?? '';
  const id = verifyTerminalCookie(value, SECRET);
  assert.ok(id !== undefined && id.length >= 22);
  const second = await client.post('/login', { email: user('eve').email, password: user('eve').password });
  assert.equal(setCookies(second.headers).some((c) => c.startsWith('toopher_terminal=')), false);
  const tampered = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}${value.slice(id.length)}`;
  await client.setCookie('toopher_terminal', tampered);
  const third = await client.post('/login', { email: user('eve').email, password: user('eve').password });
  const replaced = setCookies(third.headers).find((c) => c.startsWith('toopher_terminal='));
  assert.ok(replaced);
  const newId = verifyTerminalCookie((await client.cookie('toopher_terminal')) ?? '', SECRET);
  assert.ok(newId !== undefined && newId !== id);
});

test('shares one terminal id between users of the same browser', async () => {
  const client = new BrowserClient(app.url);
  await enroll(sandbox, api, user('fay').email, client);
  const before = await client.cookie('toopher_terminal');
  await signIn(sandbox, client, user('fay'));
  await enroll(sandbox, api, user('gus').email);
  await client.post('/login', { email: user('gus').email, password: user('gus').password });
  assert.equal(await client.cookie('toopher_terminal'), before);
  const requests = await sandbox.phone.listAuthenticationRequests(user('gus').email);
  assert.equal(requests.length, 0, 'the unnamed terminal asks gus to name it first');
});

test('answers bad input with 4xx, never 500', async () => {
  const { client, pendingUrl } = await pendingLogin('hal');
  const page = await client.get(pendingUrl);
  const check = findForm(page.body, 'toopher-check');
  const huge = await client.post(check.action, [...check.fields, ['filler', 'x'.repeat(40_000)]]);
  assert.equal(huge.status, 413);
  const broken = await client.request('POST', check.action, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(broken.status, 403);
  const otpArray = await client.post(`${pendingUrl}/otp`, [...check.fields, ['otp', '1'], ['otp', '2']]);
  assert.equal(otpArray.status, 401);
  for (const path of ['/toopher/pending/nope', '/toopher/pair/nope', '/toopher/terminal/nope', `/toopher/pending/${'A'.repeat(5000)}`]) {
    assert.equal((await client.get(path)).status, 401, path);
  }
  const stranger = new BrowserClient(app.url);
  assert.equal((await stranger.post(check.action, check.fields)).status, 403);
  assert.equal((await stranger.get(pendingUrl)).status, 401);
  const qr = await client.get('/toopher/qr/nope');
  assert.equal(qr.status, 404);
  const signedIn = new BrowserClient(app.url);
  await enroll(sandbox, api, user('ann').email, signedIn);
  await signIn(sandbox, signedIn, user('ann'));
  const big = await postWithCsrf(signedIn, '/transfer', { amount: 'x'.repeat(20_000) });
  assert.equal(big.status, 413);
  const multipart = await signedIn.request('POST', '/transfer', {
    headers: { 'content-type': 'multipart/form-data; boundary=x', 'x-csrf-token': await csrfTokenOf(signedIn) },
  });
  assert.equal(multipart.status, 415);
});

test('serves the stylesheet and script as static assets', async () => {
  const client = new BrowserClient(app.url);
  const js = await client.get('/toopher/assets/toopher.js');
  assert.equal(js.status, 200);
  assert.match(String(js.headers['content-type']), /javascript/);
  assert.equal(js.headers['x-content-type-options'], 'nosniff');
  const css = await client.get('/toopher/assets/toopher.css');
  assert.equal(css.status, 200);
  assert.match(String(css.headers['content-type']), /text\/css/);
});
