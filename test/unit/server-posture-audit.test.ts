import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEntry, AuditLog } from '../../src/sandbox/store/state-backend.js';
import { auditRecorder } from '../../src/server/posture/audit.js';

class MemoryAudit implements AuditLog {
  readonly entries: AuditEntry[] = [];
  failing = false;
  append(entry: AuditEntry): Promise<void> {
    if (this.failing) return Promise.reject(new Error('disk full'));
    this.entries.push(entry);
    return Promise.resolve();
  }
  recent(limit: number): Promise<AuditEntry[]> {
    return Promise.resolve(this.entries.slice(-limit));
  }
}

test('appends the entry stamped with the clock and resolves true', async () => {
  const audit = new MemoryAudit();
  const errors: unknown[] = [];
  const recorder = auditRecorder(audit, { error: (msg, fields) => errors.push({ msg, ...fields }) }, { clock: () => 42 });
  assert.equal(await recorder.record({ type: 'pairing.accepted', requester: 'tk-1', user: 'amy', pairingId: 'p1', deviceId: 'd1' }), true);
  assert.equal(await recorder.record({ type: 'request.decided', requestId: 'r1', detail: 'granted', at: 7 }), true);
  assert.deepEqual(audit.entries, [
    { type: 'pairing.accepted', requester: 'tk-1', user: 'amy', pairingId: 'p1', deviceId: 'd1', at: 42 },
    { type: 'request.decided', requestId: 'r1', detail: 'granted', at: 7 },
  ]);
  assert.deepEqual(errors, []);
});

test('a failed append resolves false and logs an error with the entry, so the caller can refuse', async () => {
  const audit = new MemoryAudit();
  audit.failing = true;
  const errors: Record<string, unknown>[] = [];
  const recorder = auditRecorder(audit, { error: (msg, fields) => errors.push({ msg, ...fields }) }, { clock: () => 42 });
  assert.equal(await recorder.record({ type: 'automation.set', requester: 'tk-1', user: 'amy' }), false);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]?.['msg']), /AUDIT/);
  assert.deepEqual(errors[0]?.['audit'], { type: 'automation.set', requester: 'tk-1', user: 'amy', at: 42 });
  assert.ok(errors[0]?.['err'] instanceof Error);
});
