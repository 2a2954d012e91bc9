import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * PHP's HTTP_Request2 (Curl adapter, modern libcurl) sends a POST with both
 * `Transfer-Encoding: chunked` and `Content-Length`. Node's parser refuses
 * such a request with a bare 400. RFC 9112 §6.1 allows a server to process
 * it instead, provided Transfer-Encoding wins over Content-Length and the
 * connection is closed after the response: whatever a proxy in front of the
 * sandbox framed differently is then thrown away with the connection, so no
 * second request can be smuggled.
 *
 * We do exactly that, and only for the first request of a connection whose
 * whole header block arrives in the first packet with one `chunked` coding:
 * its Content-Length lines are dropped and `Connection: close` is set before
 * Node's parser sees the bytes. Every other malformed request still gets
 * Node's 400; later requests on a kept-alive connection are not inspected.
 */
export function acceptChunkedWithContentLength(server: Server): void {
  const original = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  // Until its first bytes arrive a connection is ours, not yet Node's: we time it out like Node's
  // headersTimeout would, and closeAllConnections() drops it too (a silent preconnect must not keep
  // close() waiting).
  const waiting = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    waiting.add(socket);
    socket.setTimeout(server.headersTimeout > 0 ? server.headersTimeout : 60_000, () => socket.destroy());
    socket.once('close', () => waiting.delete(socket));
    socket.once('data', (chunk: Buffer) => {
      waiting.delete(socket);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(rewriteFirstRequest(chunk) ?? chunk);
      for (const listener of original) listener.call(server, socket);
      socket.resume();
    });
  });
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    for (const socket of waiting) socket.destroy();
    waiting.clear();
    closeAll();
  };
}

const HEADER_END = '\r\n\r\n';

/** The first request's bytes with Content-Length removed and Connection: close, or `undefined` to leave them alone. */
export function rewriteFirstRequest(chunk: Buffer): Buffer | undefined {
  // latin1 maps bytes 1:1, so indexes are byte offsets.
  const text = chunk.toString('latin1');
  const end = text.indexOf(HEADER_END);
  if (end === -1) return undefined;
  const lines = text.slice(0, end).split('\r\n');
  const headers = lines.slice(1);
  const named = (name: string): string[] =>
    headers.filter((line) => line.slice(0, line.indexOf(':')).toLowerCase() === name);
  const encodings = named('transfer-encoding');
  const lengths = named('content-length');
  if (encodings.length !== 1 || lengths.length === 0) return undefined;
  const coding = (encodings[0] ?? '').slice((encodings[0] ?? '').indexOf(':') + 1).trim().toLowerCase();
  if (coding !== 'chunked') return undefined;
  // Anything odd in the header block (obs-fold, bare LF, a name with spaces) is left to Node's parser.
  if (headers.some((line) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*$/.test(line))) return undefined;
  const kept = headers.filter((line) => {
    const name = line.slice(0, line.indexOf(':')).toLowerCase();
    return name !== 'content-length' && name !== 'connection';
  });
  const head = [lines[0] ?? '', ...kept, 'Connection: close'].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), chunk.subarray(end)]);
}
