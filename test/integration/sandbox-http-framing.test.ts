import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { authorizationHeader } from '../helpers/sign-request.js';

/** Writes raw bytes and collects everything the sandbox answers until it closes the connection. */
function raw(sandbox: Sandbox, bytes: string, waitMs = 10_000): Promise<string> {
  const url = new URL(sandbox.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    // Only a safety net: every case below ends with the server closing the connection.
    socket.setTimeout(waitMs, () => {
      socket.destroy();
      resolve(text);
    });
  });
}

async function start(t: TestContext): Promise<Sandbox> {
  const sandbox = await createSandbox();
  t.after(() => sandbox.close());
  return sandbox;
}

function statuses(answer: string): number[] {
  return [...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

function chunked(body: string): string {
  return `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
}

test('answers a signed POST carrying both Transfer-Encoding: chunked and Content-Length (PHP HTTP_Request2 + curl)', async (t) => {
  const sandbox = await start(t);
  const url = `${sandbox.apiUrl}/users/create`;
  const body = 'name=php-user';
  const auth = authorizationHeader({ method: 'POST', url, body: { name: 'php-user' }, consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret });
  const host = new URL(sandbox.url).host;
  const answer = await raw(
    sandbox,
    `POST /v1/users/create HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nContent-Length: ${body.length}\r\n\r\n${chunked(body)}`,
  );
  assert.match(answer, /^HTTP\/1\.1 200 /);
  assert.match(answer, /\r\nConnection: close\r\n/i);
  assert.match(answer, /"name":"php-user"/);
});

test('Transfer-Encoding wins and the connection closes, so a smuggled second request is never answered', async (t) => {
  const sandbox = await start(t);
  const host = new URL(sandbox.url).host;
  // A front end framing by Content-Length (6 bytes: "0\r\n\r\nG") would see a second request starting at "GET".
  const smuggled = `GET /sandbox/pairings HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
  const answer = await raw(
    sandbox,
    `POST /v1/users/create HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\n${smuggled}`,
  );
  // Node refuses the trailing bytes after a Connection: close request (400) or answers the POST (401,
  // unsigned); either way exactly one answer, never one for the smuggled GET.
  assert.deepEqual(statuses(answer).length, 1);
  assert.match(answer, /^HTTP\/1\.1 40[01] /);
});

test('other ambiguous framings still get a 400', async (t) => {
  const sandbox = await start(t);
  const host = new URL(sandbox.url).host;
  for (const coding of ['gzip, chunked', 'chunked\r\nTransfer-Encoding: chunked', 'xchunked']) {
    const answer = await raw(sandbox, `POST /v1/users/create HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: ${coding}\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 400 /, coding);
  }
  // A keep-alive connection is inspected on its first request only.
  const second = await raw(
    sandbox,
    `GET /phone.css HTTP/1.1\r\nHost: ${host}\r\n\r\nPOST /v1/users/create HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`,
  );
  const [first, ...rest] = statuses(second);
  assert.equal(first, 200);
  assert.ok(rest.every((status) => status === 400), String(rest));
});

test('close() does not wait for a connection that never sent a byte', async () => {
  const sandbox = await createSandbox();
  const url = new URL(sandbox.url);
  const silent = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => silent.once('connect', () => resolve()));
  const ended = new Promise<void>((resolve) => silent.once('close', () => resolve()));
  await sandbox.close();
  await ended;
});
