import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test, type TestContext } from 'node:test';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A raw request, so the test can set Host, Origin and Sec-Fetch-Site like a browser would. */
function send(sandbox: Sandbox, method: string, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  const url = new URL(path, sandbox.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function start(t: TestContext, options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await createSandbox(options);
  t.after(() => sandbox.close());
  return sandbox;
}

async function autoRespondIsOff(sandbox: Sandbox): Promise<boolean> {
  // With auto-respond on, a new pairing would already be decided.
  const phrase = await sandbox.phone.createPairingPhrase();
  const { ToopherApi } = await import('../../src/api/client.js');
  const api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  const pairing = await api.pair(phrase, 'probe-user').catch(() => undefined);
  return pairing === undefined ? false : pairing.pending;
}

test('a cross-site form post cannot switch on auto-approval', async (t) => {
  const sandbox = await start(t);
  const host = new URL(sandbox.url).host;
  const form = 'granted=true&automate=true';
  const attacks: Record<string, string>[] = [
    { host, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    { host, 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' },
    { host, 'sec-fetch-site': 'same-site', 'content-type': 'text/plain' },
    // No Origin at all (an old browser, or a referrer-stripping page): the form still lacks the token.
    { host, 'content-type': 'application/x-www-form-urlencoded' },
    { host, 'content-type': 'text/plain' },
    { host, 'content-type': 'multipart/form-data; boundary=x' },
  ];
  for (const headers of attacks) {
    const answer = await send(sandbox, 'POST', '/sandbox/auto_respond', headers, form);
    assert.ok([403, 415].includes(answer.status), `${JSON.stringify(headers)} -> ${answer.status}`);
  }
  const bodiless = await send(sandbox, 'POST', '/sandbox/auto_respond', { host });
  assert.equal(bodiless.status, 415);
  assert.equal(await autoRespondIsOff(sandbox), true);
});

test('a DNS-rebinding page cannot read pairings, OTPs or the phone page', async (t) => {
  const sandbox = await start(t);
  const port = new URL(sandbox.url).port;
  for (const path of ['/sandbox/pairings', '/sandbox/pairing_phrases', '/phone', '/phone.css', '/sandbox/reset_emails']) {
    const answer = await send(sandbox, 'GET', path, { host: `evil.example:${port}` });
    assert.equal(answer.status, 421, path);
    assert.doesNotMatch(answer.body, /sandbox_token/);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
    assert.equal((await send(sandbox, 'GET', '/sandbox/pairings', { host })).status, 200, host);
  }
  // The API itself is signed and keeps answering any Host (SDKs may use any name for the sandbox).
  assert.equal((await send(sandbox, 'GET', '/v1/users?name=x', { host: `evil.example:${port}` })).status, 401);
});

test('answers names from the allowedHosts option', async (t) => {
  const sandbox = await start(t, { allowedHosts: ['devbox.test', 'proxy.test:8080'] });
  const port = new URL(sandbox.url).port;
  assert.equal((await send(sandbox, 'GET', '/phone', { host: `devbox.test:${port}` })).status, 200);
  assert.equal((await send(sandbox, 'GET', '/phone', { host: 'proxy.test:8080' })).status, 200);
  assert.equal((await send(sandbox, 'GET', '/phone', { host: `proxy.test:${port}` })).status, 421);
});

test('JSON, the token header, and the phone page token are accepted; a wrong token is not', async (t) => {
  const sandbox = await start(t);
  const host = new URL(sandbox.url).host;
  const origin = sandbox.url;
  const json = await send(sandbox, 'POST', '/sandbox/pairing_phrases', { host, origin, 'content-type': 'application/json' }, '{}');
  assert.equal(json.status, 200);
  const header = await send(sandbox, 'POST', '/sandbox/pairing_phrases', { host, 'x-sandbox-token': sandbox.controlToken });
  assert.equal(header.status, 200);
  const page = await send(sandbox, 'GET', '/phone', { host });
  const token = /name="sandbox_token" value="([^"]+)"/.exec(page.body)?.[1];
  assert.equal(token, sandbox.controlToken);
  const form = { host, origin, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' };
  assert.equal((await send(sandbox, 'POST', '/sandbox/pairing_phrases', form, `sandbox_token=${token}`)).status, 303);
  assert.equal((await send(sandbox, 'POST', '/sandbox/pairing_phrases', form, 'sandbox_token=guess')).status, 403);
  assert.equal((await send(sandbox, 'POST', '/sandbox/pairing_phrases', { ...form, 'x-sandbox-token': 'guess' }, '')).status, 403);
  assert.equal((await send(sandbox, 'DELETE', '/sandbox/auto_respond', { host, origin: 'https://evil.example' })).status, 403);
  assert.equal((await send(sandbox, 'DELETE', '/sandbox/auto_respond', { host })).status, 200);
});

test('keeps at most maxPairingPhrases unused phrases, forgetting the oldest', async (t) => {
  const sandbox = await start(t, { maxPairingPhrases: 3 });
  const made: string[] = [];
  for (let i = 0; i < 10; i++) made.push(await sandbox.phone.createPairingPhrase());
  const listed = (await (await fetch(`${sandbox.url}/sandbox/pairing_phrases`)).json()) as string[];
  assert.deepEqual(listed, made.slice(-3).reverse());
});

test('warns when listening on a non-loopback address', async (t) => {
  const warned = new Promise<Error>((resolve) => {
    const listener = (warning: Error): void => {
      if ((warning as Error & { code?: string }).code !== 'TOOPHER_SANDBOX_PUBLIC') return;
      process.off('warning', listener);
      resolve(warning);
    };
    process.on('warning', listener);
  });
  await start(t, { host: '0.0.0.0' });
  assert.match((await warned).message, /not on a loopback address/);
});
