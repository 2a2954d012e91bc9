import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { close, listen } from './listen.js';

export interface GatedProxy {
  /** Base URL of the proxy; append `/v1` for a client's `baseUrl`. */
  readonly url: string;
  /** Requests held at the gate so far (not yet released). */
  held(): number;
  /** Lets every held request through to the target. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of `target` that holds every request
 * matching `hold` (path and raw body) until `release()`: a deterministic
 * "slow upstream" for one kind of call, with no timers.
 */
export async function startGatedProxy(target: string, hold: (path: string, body: string) => boolean): Promise<GatedProxy> {
  const targetUrl = new URL(target);
  let waiting: Array<() => void> = [];
  let open = false;

  const forward = (req: IncomingMessage, body: Buffer, res: import('node:http').ServerResponse): void => {
    const upstream = httpRequest(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!open && hold(req.url ?? '', body.toString('utf8'))) {
        waiting.push(() => forward(req, body, res));
        return;
      }
      forward(req, body, res);
    });
  });
  const url = await listen(server);
  return {
    url,
    held: () => waiting.length,
    release() {
      open = true;
      const now = waiting;
      waiting = [];
      for (const go of now) go();
    },
    close: () => {
      open = true;
      for (const go of waiting) go();
      waiting = [];
      return close(server);
    },
  };
}
