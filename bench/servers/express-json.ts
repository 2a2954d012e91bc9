import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { childArgs, serveChild } from '../lib/child-ipc.js';

/**
 * The baseline of `sandbox_vs_express`: a bare Express 5 app with one JSON
 * route answering the body it was given (the bench passes a real sandbox
 * authentication request, so both sides send the same bytes).
 */

const { body } = childArgs<{ body: unknown }>();

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/v1/authentication_requests/:id', (_req, res) => {
  res.status(200).json(body);
});
const server = createServer(app);
server.keepAliveTimeout = 5_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
serveChild({ url: `http://127.0.0.1:${port}` });
