import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ToopherError } from '../../src/errors.js';
import { skipUnlessRedis } from '../helpers/requirements.js';
import { increment, StateReplica } from '../helpers/state-replica.js';
import { redisHarness, sqliteHarness, type StorageHarness } from '../helpers/storage-harness.js';

// The StateBackend contract (SERVER-SPEC.md), held by both backends: a SQLite file, and a real
// redis-server on 127.0.0.1 (two instances there use the two client libraries).

const harnesses: [StorageHarness, string | false][] = [
  [sqliteHarness(), false],
  [redisHarness({ maxAttempts: 200 }), skipUnlessRedis()],
];

for (const [harness, skip] of harnesses) {
  describe(`${harness.name} (StateBackend contract)`, { skip }, () => {
    before(() => harness.start());
    after(() => harness.stop());

    test('a new instance loads every live record with reset=true: a restart loses nothing', async () => {
      const store = await harness.fresh();
      const first = new StateReplica(await store.open());
      await first.run((tx) => {
        tx.set('user', 'u1', '{"name":"ann"}');
        tx.set('pairing', 'p1', '{"user":"u1"}');
        tx.set('request', 'r1', '{"status":"pending"}');
      });
      await first.run((tx) => {
        tx.set('request', 'r1', '{"status":"granted"}');
        tx.delete('pairing', 'p1');
      });
      assert.ok(first.cursor > 0);
      await first.backend.close();

      const restarted = new StateReplica(await store.open());
      await restarted.sync();
      assert.equal(restarted.seen[0]?.reset, true);
      assert.deepEqual(restarted.snapshot(), { 'request/r1': '{"status":"granted"}', 'user/u1': '{"name":"ann"}' });
      assert.equal(restarted.cursor, first.cursor);
    });

    test('changes and deletes reach another instance incrementally, after its cursor', async () => {
      const store = await harness.fresh();
      const a = new StateReplica(await store.open());
      const b = new StateReplica(await store.open());
      await a.run((tx) => tx.set('terminal', 't1', '{"name":"laptop"}'));
      await b.sync();
      assert.deepEqual(b.snapshot(), { 'terminal/t1': '{"name":"laptop"}' });

      await a.run((tx) => tx.delete('terminal', 't1'));
      await a.run((tx) => tx.set('terminal', 't2', '{"name":"phone"}'));
      await b.sync();
      const last = b.seen.at(-1);
      assert.equal(last?.reset, false);
      assert.deepEqual(
        [...(last?.changes ?? [])].sort((x, y) => x.id.localeCompare(y.id)),
        [
          { kind: 'terminal', id: 't1', value: null },
          { kind: 'terminal', id: 't2', value: '{"name":"phone"}' },
        ],
      );
      assert.deepEqual(b.snapshot(), { 'terminal/t2': '{"name":"phone"}' });
      assert.equal(b.cursor, a.cursor);
    });

    test('two instances doing concurrent read-modify-write increments lose no update (2 x 50 = 100)', async () => {
      const store = await harness.fresh();
      const a = new StateReplica(await store.open());
      const b = new StateReplica(await store.open());
      const fifty = async (replica: StateReplica): Promise<void> => {
        for (let i = 0; i < 50; i += 1) await increment(replica);
      };
      await Promise.all([fifty(a), fifty(b)]);
      const check = new StateReplica(await store.open());
      await check.sync();
      assert.deepEqual(check.snapshot(), { 'counter/c': '100' });
      console.log(`# ${harness.name}: 100 increments ran the body ${a.bodyCalls + b.bodyCalls} times`);
    });

    test('a body that throws commits nothing and its error comes out unchanged', async () => {
      const store = await harness.fresh();
      const a = new StateReplica(await store.open());
      await a.run((tx) => tx.set('user', 'u1', '"before"'));
      const cursor = a.cursor;
      const boom = new Error('domain error');
      await assert.rejects(
        a.run((tx) => {
          tx.set('user', 'u1', '"after"');
          tx.set('user', 'u2', '"new"');
          throw boom;
        }),
        (err) => err === boom,
      );
      const check = new StateReplica(await store.open());
      await check.sync();
      assert.deepEqual(check.snapshot(), { 'user/u1': '"before"' });
      assert.equal(check.cursor, cursor);
    });

    test('a run that changes nothing keeps the cursor; a malformed change is refused and commits nothing', async () => {
      const store = await harness.fresh();
      const backend = await store.open();
      const cursor = await backend.transact(0, () => [{ kind: 'config', id: 'vapid', value: '{"k":1}' }]);
      assert.equal(await backend.transact(cursor, () => []), cursor);
      for (const bad of [{ kind: 'Bad Kind', id: 'x', value: null }, { kind: 'user', id: '', value: null }, { kind: 'user', id: 'x', value: 5 }]) {
        await assert.rejects(
          backend.transact(cursor, () => [{ kind: 'user', id: 'ok', value: '1' }, bad as never]),
          (err) => err instanceof ToopherError,
        );
      }
      assert.equal(await backend.transact(cursor, () => []), cursor);
      await assert.rejects(backend.transact(-1, () => []), ToopherError);
    });

    test('a cursor ahead of the store (a replaced or emptied store) gets a reset', async () => {
      const store = await harness.fresh();
      const backend = await store.open();
      const seen: boolean[] = [];
      const cursor = await backend.transact(1_000_000, (incoming) => {
        seen.push(incoming.reset);
        return [{ kind: 'user', id: 'u1', value: '{}' }];
      });
      assert.deepEqual(seen, [true]);
      assert.equal(cursor, 1);
    });

    test('claim holds once across two instances and stores its expiry', async () => {
      const store = await harness.fresh();
      const a = await store.open();
      const b = await store.open();
      const results = await Promise.all([a.claim('device-nonce:d1:n1', 600_000), b.claim('device-nonce:d1:n1', 600_000), a.claim('device-nonce:d1:n1', 600_000)]);
      assert.deepEqual(results.filter(Boolean).length, 1);
      const left = await store.claimExpiresIn('device-nonce:d1:n1');
      assert.ok(left !== undefined && left > 590_000 && left <= 600_000, `expires in ${left}`);
      assert.equal(await b.claim('device-nonce:d1:n2', 600_000), true, 'another key is free');
      await assert.rejects(a.claim('k', 0), ToopherError);
    });

    test('count counts within a fixed window shared by the instances', async () => {
      const store = await harness.fresh();
      const a = await store.open();
      const b = await store.open();
      const counts = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).count('rate:ip', 60_000)));
      assert.deepEqual([...counts].sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.equal(await a.count('rate:other', 60_000), 1);
      await assert.rejects(a.count('rate:ip', -5), ToopherError);
    });

    test('the audit log returns the newest entries first, with exactly the fields given', async () => {
      const store = await harness.fresh();
      const log = store.auditLog(await store.open());
      await log.append({ at: 1000, type: 'pairing.created', requester: 'r1', user: 'ann', pairingId: 'p1' });
      await log.append({ at: 2000, type: 'request.decided', requestId: 'q1', deviceId: 'd1', detail: 'granted' });
      await log.append({ at: 3000, type: 'requester.created', requester: 'r2', extra: 'dropped' } as never);
      assert.deepEqual(await log.recent(2), [
        { at: 3000, type: 'requester.created', requester: 'r2' },
        { at: 2000, type: 'request.decided', requestId: 'q1', deviceId: 'd1', detail: 'granted' },
      ]);
      assert.equal((await log.recent(100)).length, 3);
      await assert.rejects(log.append({ at: 1, type: '' }), ToopherError);
      await assert.rejects(log.recent(0), ToopherError);
    });
  });
}
