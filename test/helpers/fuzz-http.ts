import { Agent, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

/**
 * A raw HTTP client for fuzzing: sends exactly the method, path, headers and
 * body bytes it is given (header values may carry any bytes but CR/LF/NUL,
 * written as latin1 so UTF-8 goes out unchanged), never follows redirects,
 * and reads the whole answer.
 */

export interface RawRequest {
  readonly method: string;
  /** Path and query, sent as-is. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string | Buffer;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** UTF-8 bytes of `value` as a latin1 string, with the bytes Node refuses in a header value replaced by `?`. */
export function headerBytes(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1').replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}

/** `value` with every byte Node refuses in a request path (space, controls, non-ASCII) percent-encoded. */
export function pathBytes(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => (byte > 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

export interface RawClient {
  send(req: RawRequest): Promise<RawResponse>;
  close(): void;
}

/** A keep-alive client for `baseUrl` (http only). Requests time out after `timeoutMs` (a hang is a finding). */
export function createRawClient(baseUrl: string, timeoutMs = 5_000): RawClient {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  return {
    send(req) {
      return new Promise<RawResponse>((resolve, reject) => {
        const headers: OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(req.headers ?? {})) {
          headers[name] = typeof value === 'string' ? headerBytes(value) : value.map(headerBytes);
        }
        const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
        if (body !== undefined) headers['content-length'] = String(body.length);
        const outgoing = request(
          { host: url.hostname, port: url.port, method: req.method, path: pathBytes(req.path), headers, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              clearTimeout(timer);
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
            });
            res.on('error', reject);
          },
        );
        const timer = setTimeout(() => {
          outgoing.destroy(new Error(`no answer to ${req.method} ${req.path.slice(0, 200)} within ${timeoutMs} ms`));
        }, timeoutMs);
        outgoing.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        outgoing.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
