import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import OAuth from 'oauth-1.0a';
import { createSandbox } from '../../src/sandbox/index.js';

/**
 * "Done when" of the sandbox issue: a third-party OAuth 1.0a client (the
 * oauth-1.0a package, which the sandbox itself never uses) runs the whole
 * zero-storage flow using only the reference and the control API.
 */
test('lets a third-party OAuth 1.0a client run the whole zero-storage flow', async (t) => {
  const sandbox = await createSandbox();
  t.after(() => sandbox.close());
  const oauth = new OAuth({
    consumer: { key: sandbox.consumerKey, secret: sandbox.consumerSecret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
  const call = async (method: 'GET' | 'POST', path: string, data: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> => {
    const query = method === 'GET' && Object.keys(data).length > 0 ? `?${new URLSearchParams(data).toString()}` : '';
    const url = `${sandbox.apiUrl}/${path}${query}`;
    const header = oauth.toHeader(oauth.authorize({ url, method, ...(method === 'POST' ? { data } : {}) }));
    const res = await fetch(url, {
      method,
      headers: { Authorization: header.Authorization, 'content-type': 'application/x-www-form-urlencoded' },
      ...(method === 'POST' ? { body: new URLSearchParams(data).toString() } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const control = async (path: string, body?: unknown): Promise<unknown> =>
    (await fetch(`${sandbox.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })).json();
  const login = { user_name: 'dana', requester_specified_terminal_id: 'cookie-123', action_name: 'Log In' };

  // 1. Unknown user -> 705: pair with a phrase from the phone, then the phone accepts.
  assert.equal((await call('POST', 'authentication_requests/initiate', login)).body['error_code'], 705);
  const { pairing_phrase } = (await control('/sandbox/pairing_phrases', {})) as { pairing_phrase: string };
  const pairing = await call('POST', 'pairings/create', { pairing_phrase, user_name: 'dana' });
  assert.equal(pairing.status, 200);
  await control(`/sandbox/pairings/${String(pairing.body['id'])}/respond`, { granted: true });
  assert.equal((await call('GET', `pairings/${String(pairing.body['id'])}`)).body['enabled'], true);

  // 2. Unknown terminal -> 706: name it.
  assert.equal((await call('POST', 'authentication_requests/initiate', login)).body['error_code'], 706);
  const terminal = await call('POST', 'user_terminals/create', { user_name: 'dana', name: "Dana's laptop", requester_specified_id: 'cookie-123' });
  assert.equal(terminal.status, 200);

  // 3. Initiate, the phone grants, poll until decided.
  const started = await call('POST', 'authentication_requests/initiate', login);
  assert.equal(started.body['pending'], true);
  await control(`/sandbox/authentication_requests/${String(started.body['id'])}/respond`, { granted: true });
  const done = await call('GET', `authentication_requests/${String(started.body['id'])}`);
  assert.deepEqual([done.body['pending'], done.body['granted']], [false, true]);

  // 4. Opt-out -> 704.
  const users = await call('GET', 'users', { name: 'dana' });
  const [user] = users.body as unknown as { id: string }[];
  assert.ok(user);
  await call('POST', `users/${user.id}`, { toopher_authentication_enabled: 'false' });
  assert.equal((await call('POST', 'authentication_requests/initiate', login)).body['error_code'], 704);
});
