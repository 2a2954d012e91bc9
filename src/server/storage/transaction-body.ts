import type { IncomingChanges, RecordChange } from '../../sandbox/store/state-backend.js';

/** Carries what the caller's transaction body threw past the backend's own fault handling, unchanged. */
export class BodyFailure extends Error {
  constructor(readonly error: unknown) {
    super('The transaction body threw.');
  }
}

/** Calls `body`; its exception comes out as a `BodyFailure` (the backend then commits nothing and rethrows it). */
export function runBody(body: (incoming: IncomingChanges) => readonly RecordChange[], incoming: IncomingChanges): readonly RecordChange[] {
  try {
    return body(incoming);
  } catch (err) {
    throw new BodyFailure(err);
  }
}
