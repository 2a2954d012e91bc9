import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { close, listen } from '../helpers/listen.js';

/**
 * Found by the load test: under CPU load, 1-4 % of guarded actions failed
 * with 503 because `authentication_requests/initiate` went out on a
 * keep-alive connection the server was closing at that moment (ECONNRESET;
 * POSTs are rightly never retried). The client must drop idle connections
 * before the server's advertised `Keep-Alive: timeout=N`, and not keep them
 * for ever when the server advertises nothing.
 */

const USER = { id: '2d3e4f50-6172-4839-8a41-5c6d7e8f9001', name: 'kim@example.com', toopher_authentication_enabled: true };

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A server that keeps idle connections open for a minute but tells clients `keepAliveHint`. */
async function startServer(keepAliveHint: string | undefined): Promise<{ url: string; sockets: Set<Socket>; closed: () => number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let closed = 0;
  const server = createServer((req, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      if (keepAliveHint !== undefined) res.setHeader('Keep-Alive', keepAliveHint);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(USER));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      closed++;
    });
  });
  const url = await listen(server);
  return { url, sockets, closed: () => closed, stop: () => close(server) };
}

// The two cases wait on idle timers: run them side by side.
describe('idle keep-alive connections', { concurrency: true }, () => {
  for (const [hint, what] of [
    ['timeout=2', "before the server's advertised Keep-Alive timeout"],
    [undefined, 'after a few idle seconds when the server advertises no timeout'],
  ] as const) {
    test(`the client closes an idle keep-alive connection ${what}`, async (t) => {
      const server = await startServer(hint);
      t.after(() => server.stop());
      const api = new ToopherApi({ consumerKey: 'key', consumerSecret: 'secret', baseUrl: `${server.url}/v1` });
      const user = await api.getUser(USER.id);
      assert.equal(user.name, USER.name);
      assert.equal(server.sockets.size, 1);
      // The server would keep the connection for a minute: only the client can close it this early.
      await waitFor(() => server.closed() === 1, 8_000, 'the client to close its idle connection');
      const again = await api.getUser(USER.id);
      assert.equal(again.name, USER.name);
      assert.equal(server.sockets.size, 2, 'the next call opened a fresh connection');
    });
  }
});
