import type { AuditEntry, AuditLog } from '../../sandbox/store/state-backend.js';
import type { Logger } from './logger.js';

/** What the server audits (SERVER-SPEC "Posture"); `AuditEntry.type` takes one of these. */
export type AuditType =
  | 'pairing.created'
  | 'pairing.accepted'
  | 'pairing.refused'
  | 'pairing.removed'
  | 'pairing.claimed'
  | 'request.decided'
  | 'automation.set'
  | 'requester.created'
  | 'requester.rotated'
  | 'requester.deleted';

/** An entry to record; `at` defaults to the recorder's clock. */
export type AuditRecord = Omit<AuditEntry, 'at' | 'type'> & { readonly type: AuditType; readonly at?: number };

export interface AuditRecorder {
  /**
   * Appends the entry to the audit log. Resolves to false (never rejects) when the append failed, after
   * logging an error: the caller decides, and a guarded action should be refused rather than go unaudited.
   */
  record(entry: AuditRecord): Promise<boolean>;
}

export interface AuditRecorderOptions {
  /** Milliseconds since the epoch (default `Date.now`). */
  readonly clock?: () => number;
}

export function auditRecorder(auditLog: AuditLog, log: Pick<Logger, 'error'>, options: AuditRecorderOptions = {}): AuditRecorder {
  const clock = options.clock ?? Date.now;
  return {
    async record(entry) {
      const { at, ...rest } = entry;
      const full: AuditEntry = { ...rest, at: at ?? clock() };
      try {
        await auditLog.append(full);
        return true;
      } catch (err) {
        log.error('AUDIT LOG APPEND FAILED: the action is not on record', { audit: full, err });
        return false;
      }
    },
  };
}
