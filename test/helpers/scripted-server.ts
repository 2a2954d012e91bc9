import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { close, listen } from './listen.js';

/** One scripted answer. A JSON-able `body` is sent as JSON; strings and Buffers as they are. */
export interface ScriptedResponse {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering (use with a short client `timeoutMs`). */
  readonly delayMs?: number;
  /** Drop the connection instead of answering. */
  readonly destroy?: boolean;
  /**
   * Stream a body of `totalBytes` in chunks of `chunkBytes` (with backpressure, stopping when the client
   * hangs up), with a Content-Length header when `declareLength` is true, chunked otherwise. The bytes
   * handed to the socket are counted in `streamedBytes`.
   */
  readonly stream?: { readonly totalBytes: number; readonly chunkBytes: number; readonly declareLength: boolean };
}

export interface RecordedRequest {
  readonly method: string;
  /** Raw request target: path and query exactly as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Raw body bytes. */
  readonly body: Buffer;
  /** Client port of the connection (equal ports = a reused keep-alive socket). */
  readonly remotePort: number | undefined;
}

export interface ScriptedServer {
  /** Base URL `http://127.0.0.1:<port>`; append `/v1` for a client's `baseUrl`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Body bytes of `stream` answers written so far. */
  readonly streamedBytes: () => number;
  /** Queues answers for the next requests, in order. */
  enqueue(...responses: ScriptedResponse[]): void;
  /** Answer used once the queue is empty (default: 200 `{}`). */
  setDefault(response: ScriptedResponse): void;
  /** Resolves once `count` requests have arrived, or rejects after `deadlineMs`. */
  waitForRequests(count: number, deadlineMs?: number): Promise<void>;
  close(): Promise<void>;
  readonly server: Server;
}

/** A node:http server that records every request and answers from a script. */
export async function startScriptedServer(...initial: ScriptedResponse[]): Promise<ScriptedServer> {
  const queue: ScriptedResponse[] = [...initial];
  let fallback: ScriptedResponse = { status: 200, body: {} };
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  let streamedBytes = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        remotePort: req.socket.remotePort,
      });
      for (const wake of waiters) wake();
      const script = queue.shift() ?? fallback;
      const answer = (): void => {
        if (res.destroyed) return;
        if (script.destroy === true) {
          req.socket.destroy();
          return;
        }
        if (script.stream !== undefined) {
          const { totalBytes, chunkBytes, declareLength } = script.stream;
          res.writeHead(script.status ?? 200, {
            'content-type': 'application/json',
            ...(declareLength ? { 'content-length': String(totalBytes) } : {}),
          });
          const chunk = Buffer.alloc(chunkBytes, 0x20);
          let left = totalBytes;
          const pump = (): void => {
            while (left > 0 && !res.destroyed) {
              const size = Math.min(left, chunkBytes);
              left -= size;
              streamedBytes += size;
              if (!res.write(size === chunkBytes ? chunk : chunk.subarray(0, size))) {
                res.once('drain', pump);
                return;
              }
            }
            if (left === 0) res.end();
          };
          pump();
          return;
        }
        const { body } = script;
        const isRaw = body === undefined || typeof body === 'string' || Buffer.isBuffer(body);
        const payload: string | Buffer = isRaw ? (body ?? '') : JSON.stringify(body);
        res.writeHead(script.status ?? 200, {
          ...(isRaw ? {} : { 'content-type': 'application/json' }),
          ...script.headers,
        });
        res.end(payload);
      };
      if (script.delayMs === undefined) {
        answer();
      } else {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, script.delayMs);
        timer.unref();
        timers.add(timer);
      }
    });
  });
  const url = await listen(server);

  return {
    url,
    requests,
    server,
    streamedBytes: () => streamedBytes,
    enqueue: (...responses) => void queue.push(...responses),
    setDefault: (response) => {
      fallback = response;
    },
    waitForRequests: (count, deadlineMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (requests.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} requests within ${deadlineMs} ms, got ${requests.length}`));
        }, deadlineMs);
        waiters.add(check);
        check();
      }),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await close(server);
    },
  };
}

/** Wire JSON the Toopher API answers with, for scripting a `ScriptedServer`. */
export const toopherJson = {
  user: (overrides: Record<string, unknown> = {}) => ({
    id: 'a8c6e2f4-1c5b-4c7e-9a3e-0b9d3f1e2a10',
    name: 'jdoe',
    toopher_authentication_enabled: true,
    ...overrides,
  }),
  pairing: (overrides: Record<string, unknown> = {}) => ({
    id: '12345678-1234-4123-8123-1234567890ab',
    enabled: true,
    pending: false,
    user: toopherJson.user(),
    ...overrides,
  }),
  terminal: (overrides: Record<string, unknown> = {}) => ({
    id: '0f8e9c4a-6b1d-4f2e-8a7c-5d3b2e1f0a99',
    name: 'my laptop',
    requester_specified_id: 'a1b2c3',
    user: toopherJson.user(),
    ...overrides,
  }),
  authenticationRequest: (overrides: Record<string, unknown> = {}) => ({
    id: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
    pending: true,
    granted: false,
    automated: false,
    reason: '',
    reason_code: 0,
    terminal: toopherJson.terminal(),
    user: toopherJson.user(),
    action: { id: 'd4c3b2a1-0f9e-4d8c-b7a6-5f4e3d2c1b0a', name: 'log in' },
    ...overrides,
  }),
  error: (code: number, message: string) => ({ error_code: code, error_message: message }),
};
