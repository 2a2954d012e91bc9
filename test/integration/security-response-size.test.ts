import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { ToopherApi, ToopherResponseError } from '../../src/index.js';
import { close, listen } from '../helpers/listen.js';

// A misbehaving Toopher API answers with a huge body. The client must refuse
// it as a `ToopherResponseError` after about 1 MB, never buffer it whole.

const CHUNK = Buffer.alloc(64 * 1024, 0x20);
/** What the endless answer sends at most, so the test stays bounded. */
const MAX_SENT = 64 * 1024 * 1024;

let sent = 0;
let mode: 'endless' | 'declared' = 'endless';
let server: ReturnType<typeof createServer>;
let api: ToopherApi;

function pump(res: ServerResponse): void {
  const step = (): void => {
    while (sent < MAX_SENT && !res.destroyed) {
      sent += CHUNK.length;
      if (!res.write(CHUNK)) {
        res.once('drain', step);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  step();
}

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (mode === 'declared') {
        // Says 300 MB, sends one chunk, then waits.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(300 * 1024 * 1024) });
        res.write(CHUNK);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      pump(res);
    });
  });
  const url = `${await listen(server)}/v1`;
  api = new ToopherApi({ consumerKey: 'key', consumerSecret: 'secret', baseUrl: url, retry: 0, timeoutMs: 60_000 });
});

after(async () => {
  server.closeAllConnections();
  await close(server);
});

test('an endless answer is refused after about 1 MB, not buffered whole', async () => {
  mode = 'endless';
  sent = 0;
  await assert.rejects(api.getUsersByName('huge'), ToopherResponseError);
  assert.ok(sent < 16 * 1024 * 1024, `the client read ${sent} bytes`);
});

test('an answer declaring 300 MB is refused at once', async () => {
  mode = 'declared';
  await assert.rejects(api.getUsersByName('huge'), ToopherResponseError);
});
