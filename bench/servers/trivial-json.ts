import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { childArgs, serveChild } from '../lib/child-ipc.js';

/**
 * The server of the client-bound benchmarks: node:http answering every
 * request with the same prepared JSON bytes (no routing, no signature
 * check), keep-alive 5 s like Node's default. The client under test does
 * nearly all the work of a call.
 */

const { body } = childArgs<{ body: unknown }>();
const bytes = Buffer.from(JSON.stringify(body));
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(bytes.length) };

const server = createServer((req, res) => {
  req.resume();
  req.once('end', () => {
    res.writeHead(200, headers);
    res.end(bytes);
  });
});
server.keepAliveTimeout = 5_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
serveChild({ url: `http://127.0.0.1:${port}` });
