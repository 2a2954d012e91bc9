import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { ToopherError } from '../../src/errors.js';
import { RedisAuditLog } from '../../src/server/storage/redis-audit-log.js';
import { RedisBackend } from '../../src/server/storage/redis-backend.js';
import type { IncomingChanges } from '../../src/sandbox/store/state-backend.js';
import { startRedis } from '../helpers/processes.js';
import { skipUnlessRedis } from '../helpers/requirements.js';
import { StateReplica } from '../helpers/state-replica.js';
import { ManualClock } from '../helpers/storage-harness.js';

// What only the Redis backend does: optimistic retries, key prefixes, pruning, scripts by SHA,
// and failing closed when Redis goes away. A real redis-server on 127.0.0.1.

const skip = skipUnlessRedis();
let redis: { url: string; stop(): Promise<void> };
let client: ReturnType<typeof createClient>;

before(async () => {
  if (skip !== false) return;
  redis = await startRedis();
  client = createClient({ url: redis.url });
  await client.connect();
});

after(async () => {
  if (client?.isOpen === true) await client.quit();
  await redis?.stop();
});

let prefixes = 0;
function freshPrefix(): string {
  prefixes += 1;
  return `redis-only-${prefixes}:`;
}
const stateKey = (prefix: string, name: string): string => `${prefix}toopher-server:{state}:${name}`;

describe('RedisBackend', { skip }, () => {
  test('after a lost race the body runs again with what was committed since and its own records restored', async () => {
    const prefix = freshPrefix();
    const backend = new RedisBackend(client, { prefix });
    const seen: IncomingChanges[] = [];
    const start = await backend.transact(0, () => [{ kind: 'user', id: 'base', value: '0' }]);
    const cursor = await backend.transact(start, (incoming) => {
      seen.push(incoming);
      if (seen.length === 1) {
        // Another instance commits between this read and this commit (same connection, so in order).
        void client.hSet(stateKey(prefix, 'records'), 'user:other', '"o"');
        void client.zAdd(stateKey(prefix, 'log'), { score: start + 1, value: 'user:other' });
        void client.incr(stateKey(prefix, 'seq'));
      }
      return [{ kind: 'user', id: 'x', value: `"attempt ${seen.length}"` }];
    });
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[0], { reset: false, changes: [] });
    assert.equal(seen[1]?.reset, false);
    assert.deepEqual(
      [...(seen[1]?.changes ?? [])].sort((a, b) => a.id.localeCompare(b.id)),
      [
        { kind: 'user', id: 'other', value: '"o"' },
        { kind: 'user', id: 'x', value: null },
      ],
    );
    assert.equal(cursor, start + 2);
    const check = new StateReplica(new RedisBackend(client, { prefix }));
    await check.sync();
    assert.deepEqual(check.snapshot(), { 'user/base': '0', 'user/other': '"o"', 'user/x': '"attempt 2"' });
  });

  test('when other instances always commit first, transact gives up after maxAttempts and commits nothing', async () => {
    const prefix = freshPrefix();
    const backend = new RedisBackend(client, { prefix, maxAttempts: 3 });
    let calls = 0;
    await assert.rejects(
      backend.transact(0, () => {
        calls += 1;
        void client.incr(stateKey(prefix, 'seq'));
        return [{ kind: 'user', id: 'x', value: '1' }];
      }),
      (err: unknown) => err instanceof ToopherError && err.status === 503 && /committed first 3 times/.test(err.message),
    );
    assert.equal(calls, 3);
    assert.equal(await client.hLen(stateKey(prefix, 'records')), 0);
  });

  test('backends with different prefixes do not see each other', async () => {
    const one = new StateReplica(new RedisBackend(client, { prefix: freshPrefix() }));
    const two = new StateReplica(new RedisBackend(client, { prefix: freshPrefix() }));
    await one.run((tx) => tx.set('user', 'u', '1'));
    await two.sync();
    assert.deepEqual(two.snapshot(), {});
    assert.equal(await new RedisBackend(client, { prefix: 'claims-a:' }).claim('n', 60_000), true);
    assert.equal(await new RedisBackend(client, { prefix: 'claims-b:' }).claim('n', 60_000), true);
  });

  test('old tombstones are pruned; a cursor from before them gets a reset, a later one does not', async () => {
    const prefix = freshPrefix();
    const clock = new ManualClock();
    const open = (): RedisBackend => new RedisBackend(client, { prefix, clock: clock.read, tombstoneMaxAgeMs: 3600_000 });
    const writer = new StateReplica(open());
    const lagging = new StateReplica(open());
    const current = new StateReplica(open());
    await writer.run((tx) => {
      tx.set('phrase', 'x', '1');
      tx.set('phrase', 'y', '2');
    });
    await lagging.sync();
    await writer.run((tx) => tx.delete('phrase', 'x'));
    await current.sync();
    clock.now += 3600_001;
    assert.deepEqual(await (writer.backend as RedisBackend).prune(), { tombstones: 1 });
    await lagging.sync();
    await current.sync();
    assert.equal(lagging.seen.at(-1)?.reset, true);
    assert.deepEqual(lagging.snapshot(), { 'phrase/y': '2' });
    assert.equal(current.seen.at(-1)?.reset, false);
    assert.equal(await client.zCard(stateKey(prefix, 'log')), 1, 'only the live record stays in the log');
  });

  test('a counter window is set once and not extended; scripts survive SCRIPT FLUSH', async () => {
    const prefix = freshPrefix();
    const backend = new RedisBackend(client, { prefix });
    assert.equal(await backend.count('rate', 60_000), 1);
    assert.equal(await backend.count('rate', 600_000), 2);
    const ttl = await client.pTTL(`${prefix}toopher-server:count:rate`);
    assert.ok(ttl > 0 && ttl <= 60_000, `PTTL ${ttl}`);
    await client.scriptFlush();
    assert.equal(await backend.count('rate', 60_000), 3);
    assert.equal(await backend.transact(0, () => [{ kind: 'user', id: 'u', value: '1' }]), 1);
  });

  test('a Redis emptied under a running instance gives it a reset, not stale data', async () => {
    const prefix = freshPrefix();
    const replica = new StateReplica(new RedisBackend(client, { prefix }));
    await replica.run((tx) => tx.set('user', 'u', '1'));
    await replica.run((tx) => tx.set('user', 'v', '2'));
    for (const name of ['seq', 'records', 'log']) await client.del(stateKey(prefix, name));
    await replica.sync();
    assert.equal(replica.seen.at(-1)?.reset, true);
    assert.deepEqual(replica.snapshot(), {});
  });

  test('the audit stream is one prefixed key with a field per property', async () => {
    const prefix = freshPrefix();
    await new RedisAuditLog(client, { prefix }).append({ at: 5, type: 'automation.set', user: 'ann' });
    const entries = await client.xRange(`${prefix}toopher-server:audit`, '-', '+');
    assert.deepEqual(entries.map((e) => ({ ...e.message })), [{ at: '5', type: 'automation.set', user: 'ann' }]);
  });

  test('options are checked by the constructors', () => {
    assert.throws(() => new RedisBackend({} as never), /node-redis client .* or an ioredis client/);
    assert.throws(() => new RedisBackend(client, { maxAttempts: 0 }), /maxAttempts/);
    assert.throws(() => new RedisBackend(client, { commandTimeoutMs: 0 }), /commandTimeoutMs/);
    assert.throws(() => new RedisBackend(client, { tombstoneMaxAgeMs: 1 }), /tombstoneMaxAgeMs/);
    assert.throws(() => new RedisAuditLog(client, { maxLength: 10 }), /maxLength/);
  });
});

describe('RedisBackend when Redis is killed', { skip }, () => {
  let down: { url: string; stop(): Promise<void> };
  let downNode: ReturnType<typeof createClient>;
  let downIo: Redis;

  before(async () => {
    down = await startRedis();
    downNode = createClient({ url: down.url, socket: { reconnectStrategy: 100 } });
    downNode.on('error', () => undefined);
    await downNode.connect();
    downIo = new Redis(down.url, { lazyConnect: true, retryStrategy: () => 100 });
    downIo.on('error', () => undefined);
    await downIo.connect();
    // Both instances work before the kill.
    for (const c of [downNode, downIo]) assert.equal(await new RedisBackend(c).transact(0, () => []), 0);
    await down.stop();
  });

  after(() => {
    downNode.destroy();
    downIo.disconnect();
  });

  for (const [library, connection] of [
    ['node-redis', () => downNode],
    ['ioredis', () => downIo],
  ] as const) {
    test(`with ${library}, transact, claim, count and the audit log reject with 503 (no hang, body never runs)`, async () => {
      const backend = new RedisBackend(connection(), { commandTimeoutMs: 300 });
      const log = new RedisAuditLog(connection(), { commandTimeoutMs: 300 });
      let bodyRan = false;
      const calls = [
        () =>
          backend.transact(5, () => {
            bodyRan = true;
            return [{ kind: 'user', id: 'u', value: '1' }];
          }),
        () => backend.claim('device-nonce:d:n', 600_000),
        () => backend.count('rate', 60_000),
        () => log.append({ at: 1, type: 'request.decided' }),
        () => log.recent(10),
      ];
      for (const call of calls) {
        await assert.rejects(call(), (err: unknown) => err instanceof ToopherError && err.status === 503);
      }
      assert.equal(bodyRan, false);
    });
  }
});
