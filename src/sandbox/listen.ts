import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where a server listens: `host` is ready for a URL (IPv6 in brackets); `address` as Node reports it. */
export interface Listening {
  readonly host: string;
  readonly port: number;
  readonly address: string;
}

/** Starts listening (port 0 picks a free one); rejects on EADDRINUSE and other listen errors. Used by the sandbox and toopher-server. */
export async function listenOn(server: Server, port: number, host: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const info = server.address() as AddressInfo;
  return { host: info.family === 'IPv6' ? `[${info.address}]` : info.address, port: info.port, address: info.address };
}
