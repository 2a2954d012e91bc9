// TEMPORARY STUB on branch srv-posture only, so the CLI's requesters commands compile: the lead provides
// openState (the same storage as `start`, without an HTTP server) and replaces this file.
import { ToopherError } from '../errors.js';
import type { AuditLog } from '../sandbox/store/state-backend.js';
import type { StateAccess } from '../sandbox/store/state-access.js';
import type { ServerStorage } from './options.js';

export interface OpenedState {
  readonly state: StateAccess;
  readonly audit: AuditLog;
  close(): Promise<void>;
}

export function openState(storage: ServerStorage): Promise<OpenedState> {
  return Promise.reject(new ToopherError(`openState is not built yet (stub; storage ${Object.keys(storage).join()})`));
}
