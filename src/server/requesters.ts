import type { StateAccess } from '../sandbox/store/state-access.js';
import type { RequesterSummary } from '../sandbox/store/sandbox-store.js';
import type { AuditRecorder } from './posture/audit.js';

export interface RequesterCredentials extends RequesterSummary {
  readonly secret: string;
}

/** A change and whether the audit log recorded it (it was made either way: the secret must not be lost). */
export interface Audited<T> {
  readonly value: T;
  readonly audited: boolean;
}

export interface RequesterAdmin {
  create(name: string): Promise<Audited<RequesterCredentials>>;
  list(): Promise<RequesterSummary[]>;
  rotate(key: string): Promise<Audited<RequesterCredentials>>;
  delete(key: string): Promise<Audited<undefined>>;
}

/** Requesters (consumer key and secret) of a server, audited: used by `ToopherServer.requesters` and the CLI. */
export function requesterAdmin(state: StateAccess, audit: AuditRecorder): RequesterAdmin {
  return {
    create: async (name) => {
      const value = await state.run((store) => store.createRequester(name));
      return { value, audited: await audit.record({ type: 'requester.created', requester: value.key, detail: value.name }) };
    },
    list: () => state.run((store) => store.listRequesters()),
    rotate: async (key) => {
      const value = await state.run((store) => store.rotateRequester(key));
      return { value, audited: await audit.record({ type: 'requester.rotated', requester: key }) };
    },
    delete: async (key) => {
      await state.run((store) => {
        store.deleteRequester(key);
      });
      return { value: undefined, audited: await audit.record({ type: 'requester.deleted', requester: key }) };
    },
  };
}
