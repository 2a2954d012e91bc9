import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSandbox } from '../../src/sandbox/index.js';
import { childArgs, serveChild } from '../lib/child-ipc.js';

/**
 * A sandbox in its own process. With `countingProxy: true` it also starts a
 * transparent proxy in front of `/v1` that counts the calls per endpoint
 * (method and path with ids replaced by `:id`), so a benchmark can count the
 * upstream Toopher calls an app makes. The proxy forwards the Host header
 * unchanged, so OAuth signatures made for the proxy's URL verify.
 */

export interface SandboxServerInfo {
  readonly url: string;
  readonly apiUrl: string;
  /** The proxy's `/v1` URL (same as `apiUrl` without the proxy). */
  readonly countedApiUrl: string;
  readonly consumerKey: string;
  readonly consumerSecret: string;
}

interface Args {
  readonly countingProxy?: boolean;
  readonly pendingTimeoutMs?: number;
}

const args = childArgs<Args>();
const sandbox = await createSandbox({
  ...(args.pendingTimeoutMs === undefined ? {} : { pendingTimeoutMs: args.pendingTimeoutMs }),
});
const counts = new Map<string, number>();
let countedApiUrl = sandbox.apiUrl;

if (args.countingProxy === true) {
  const target = new URL(sandbox.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const key = `${req.method ?? 'GET'} ${path.replace(/\/[0-9a-f-]{36}(?=\/|$)/g, '/:id')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  proxy.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  countedApiUrl = `http://127.0.0.1:${port}/v1`;
}

const info: SandboxServerInfo = {
  url: sandbox.url,
  apiUrl: sandbox.apiUrl,
  countedApiUrl,
  consumerKey: sandbox.consumerKey,
  consumerSecret: sandbox.consumerSecret,
};
serveChild(info, {
  counts: () => Object.fromEntries(counts),
  resetCounts: () => {
    counts.clear();
  },
});
