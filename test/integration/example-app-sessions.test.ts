import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BrowserClient, findForm } from '../helpers/browser-client.js';
import { startInProcessApp, type E2eApp } from '../helpers/e2e-app.js';

// The example app's sign-in page: an anonymous visit stores no session (so a
// crowd of visitors cannot fill the session store), and its form is refused
// when a browser posts it from another site.

let app: E2eApp;

before(async () => {
  app = await startInProcessApp();
});

after(() => app.close());

test('an anonymous GET /login sets no session cookie (nothing is stored)', async () => {
  const client = new BrowserClient(app.url);
  const page = await client.get('/login');
  assert.equal(page.status, 200);
  const cookies = [page.headers['set-cookie'] ?? []].flat();
  assert.deepEqual(cookies.filter((c) => c.startsWith('example.sid=')), []);
  assert.equal(await client.cookie('example.sid'), undefined);
  // A wrong password does not store one either.
  const wrong = await client.submit(findForm(page.body, '/login'), { username: 'alice', password: 'nope' });
  assert.equal(wrong.status, 302);
  assert.equal(await client.cookie('example.sid'), undefined);
});

test('the sign-in form posted from another site is refused; from this site it goes on to Toopher', async () => {
  const client = new BrowserClient(app.url);
  const page = await client.get('/login');
  const form = findForm(page.body, '/login');
  const fields = { ...Object.fromEntries(form.fields), username: 'bob', password: 'demo-password' };
  for (const headers of [{ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }, { 'sec-fetch-site': 'same-site' }]) {
    const refused = await client.post('/login', fields, headers);
    assert.equal(refused.status, 403, JSON.stringify(headers));
  }
  const ok = await client.post('/login', fields, { origin: app.url, 'sec-fetch-site': 'same-origin' });
  assert.equal(ok.status, 303);
  assert.match(ok.location ?? '', /\/toopher\//);
});
