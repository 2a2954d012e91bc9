// TEMPORARY STUB on branch srv-posture only, so config.ts and cli-run.ts compile: the lead's composition
// (createToopherServer) replaces this file. Signatures as in SERVER-SPEC.md.
import { ToopherError } from '../errors.js';
import type { ToopherServerOptions } from './options.js';

export type { LogEntry, ServerStorage, ToopherServerOptions } from './options.js';

export interface ToopherServer {
  readonly url: string;
  readonly apiUrl: string;
  readonly appUrl: string;
  readonly requesters: {
    create(name: string): Promise<{ key: string; id: string; name: string; secret: string }>;
    list(): Promise<{ key: string; id: string; name: string }[]>;
    rotate(key: string): Promise<{ key: string; id: string; name: string; secret: string }>;
    delete(key: string): Promise<void>;
  };
  close(): Promise<void>;
}

export function createToopherServer(options: ToopherServerOptions): Promise<ToopherServer> {
  return Promise.reject(new ToopherError(`createToopherServer is not built yet (stub; storage ${Object.keys(options.storage).join()})`));
}
