import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ToopherApi, ToopherConfigError, ToopherResponseError } from '../../src/index.js';
import { startScriptedServer, toopherJson, type ScriptedServer } from '../helpers/scripted-server.js';

/**
 * Security issue 9: a hostile or broken API (or anything on the path to it)
 * must not make the client buffer an endless reply. Replies over
 * `maxResponseBytes` (default 1 MiB) are a ToopherResponseError, and the
 * client hangs up as soon as the Content-Length or the bytes received pass
 * the cap, so a 300 MB answer is never read.
 */

const HUGE = 300 * 1024 * 1024;
const CHUNK = 64 * 1024;
/** The cap plus what the kernel's socket buffers can hold: far below the 300 MB offered. */
const READ_AT_MOST = 32 * 1024 * 1024;

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer();
});
after(() => server.close());

function client(options: { maxResponseBytes?: number } = {}): ToopherApi {
  return new ToopherApi({ consumerKey: 'key', consumerSecret: 'secret', baseUrl: `${server.url}/v1`, retry: 0, ...options });
}

async function rejection(call: Promise<unknown>): Promise<ToopherResponseError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ToopherResponseError, `expected a ToopherResponseError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to reject');
}

for (const declareLength of [true, false]) {
  const kind = declareLength ? 'with a Content-Length' : 'chunked';
  test(`refuses a 300 MB reply ${kind} without reading it`, async () => {
    const before = server.streamedBytes();
    server.enqueue({ stream: { totalBytes: HUGE, chunkBytes: CHUNK, declareLength } });
    const error = await rejection(client().getUser('u1'));
    assert.match(error.message, /`maxResponseBytes` \(1048576 bytes\)/);
    assert.equal(error.endpoint, 'users/u1');
    const sent = server.streamedBytes() - before;
    assert.ok(sent < READ_AT_MOST, `the server could write ${sent} bytes before the client hung up`);
  });
}

test('applies a smaller maxResponseBytes to a chunked reply', async () => {
  server.enqueue({ stream: { totalBytes: 10_000, chunkBytes: 1_000, declareLength: false } });
  const error = await rejection(client({ maxResponseBytes: 4_096 }).getUser('u1'));
  assert.match(error.message, /`maxResponseBytes` \(4096 bytes\)/);
});

test('accepts a reply of exactly maxResponseBytes', async () => {
  const body = JSON.stringify(toopherJson.user());
  server.enqueue({ body });
  const user = await client({ maxResponseBytes: Buffer.byteLength(body) }).getUser('u1');
  assert.equal(user.name, 'jdoe');
});

test('refuses a maxResponseBytes that is not a positive integer', () => {
  for (const maxResponseBytes of [0, -1, 1.5]) {
    assert.throws(() => client({ maxResponseBytes }), (error: unknown) => error instanceof ToopherConfigError && /maxResponseBytes/.test(error.message));
  }
});
