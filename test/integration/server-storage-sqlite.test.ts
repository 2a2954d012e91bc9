import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ToopherError } from '../../src/errors.js';
import { SqliteAuditLog } from '../../src/server/storage/sqlite-audit-log.js';
import { SqliteBackend } from '../../src/server/storage/sqlite-backend.js';
import { openDatabases } from '../../src/server/storage/sqlite-database.js';
import { ManualClock, sqliteHarness } from '../helpers/storage-harness.js';
import { increment, StateReplica } from '../helpers/state-replica.js';

// What only the SQLite backend does: several connections (threads) on one file, the schema
// version, append-only triggers, pruning and expiry on an injected clock.

const harness = sqliteHarness();
before(() => harness.start());
after(() => harness.stop());

let files = 0;
function path(): string {
  files += 1;
  return join(harness.dir(), `sqlite-only-${files}.db`);
}

describe('SqliteBackend', () => {
  test('two threads with their own connections to one file lose no increment (2 x 100 = 200)', async () => {
    const file = path();
    const workers = [0, 1].map(() => new Worker(new URL('../helpers/sqlite-increment-worker.js', import.meta.url), { workerData: { path: file, count: 100 } }));
    // An error event rejects `once`; a worker that exits without finishing leaves `exit` only.
    const exits = workers.map((worker) => once(worker, 'exit'));
    await Promise.all(workers.map((worker) => once(worker, 'message')));
    await Promise.all(exits);
    const check = new StateReplica(await SqliteBackend.open(file));
    await check.sync();
    assert.deepEqual(check.snapshot(), { 'counter/c': '200' });
    await check.backend.close();
  });

  test('a file written by a newer schema version is refused with a clear error', async () => {
    const file = path();
    await (await SqliteBackend.open(file)).close();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    await assert.rejects(SqliteBackend.open(file), (err: unknown) => {
      assert.ok(err instanceof ToopherError);
      assert.match(err.message, /newer toopher-server \(storage schema 99; this version knows up to 1\)/);
      return true;
    });
  });

  test('a database of another program, or a file that is not SQLite, is refused', async () => {
    const foreign = path();
    const raw = new Database(foreign);
    raw.exec('CREATE TABLE customers (id INTEGER)');
    raw.close();
    await assert.rejects(SqliteBackend.open(foreign), /is not a toopher-server database/);
    const text = path();
    writeFileSync(text, 'x'.repeat(4096));
    await assert.rejects(SqliteBackend.open(text), (err: unknown) => err instanceof ToopherError && /Cannot open the SQLite storage/.test(err.message));
  });

  test('the audit table refuses UPDATE and DELETE, from any connection', async () => {
    const file = path();
    const backend = await SqliteBackend.open(file);
    const log = new SqliteAuditLog(backend);
    await log.append({ at: 1, type: 'pairing.created', user: 'ann' });
    const raw = new Database(file);
    try {
      assert.throws(() => raw.prepare("UPDATE audit SET entry = '{}'").run(), /append-only/);
      assert.throws(() => raw.prepare('DELETE FROM audit').run(), /append-only/);
      assert.throws(() => openDatabases.get(backend)?.prepare('DELETE FROM audit').run(), /append-only/);
    } finally {
      raw.close();
    }
    assert.deepEqual(await log.recent(10), [{ at: 1, type: 'pairing.created', user: 'ann' }]);
    await backend.close();
  });

  test('old tombstones are pruned; a cursor from before them gets a reset, a later one does not', async () => {
    const clock = new ManualClock();
    const file = path();
    const open = (): Promise<SqliteBackend> => SqliteBackend.open(file, { clock: clock.read, tombstoneMaxAgeMs: 3600_000 });
    const writer = new StateReplica(await open());
    const lagging = new StateReplica(await open());
    const current = new StateReplica(await open());
    await writer.run((tx) => {
      tx.set('phrase', 'x', '1');
      tx.set('phrase', 'y', '2');
    });
    await lagging.sync();
    await writer.run((tx) => tx.delete('phrase', 'x'));
    await current.sync();
    clock.now += 3600_001;
    assert.deepEqual(await (writer.backend as SqliteBackend).prune(), { tombstones: 1, claims: 0, counters: 0 });
    await lagging.sync();
    await current.sync();
    assert.equal(lagging.seen.at(-1)?.reset, true);
    assert.deepEqual(lagging.snapshot(), { 'phrase/y': '2' });
    assert.equal(current.seen.at(-1)?.reset, false);
    for (const replica of [writer, lagging, current]) await replica.backend.close();
  });

  test('claims and counters follow the injected clock, and expired ones are pruned', async () => {
    const clock = new ManualClock();
    const backend = await SqliteBackend.open(path(), { clock: clock.read });
    assert.equal(await backend.claim('nonce', 1000), true);
    clock.now += 999;
    assert.equal(await backend.claim('nonce', 1000), false);
    assert.equal(await backend.count('rate', 1000), 1);
    assert.equal(await backend.count('rate', 5000), 2, 'a later call does not change the window');
    clock.now += 1;
    assert.equal(await backend.claim('nonce', 1000), true, 'held until its expiry, free from then on');
    assert.equal(await backend.count('rate', 1000), 3, 'the window runs from the first count');
    clock.now += 1000;
    assert.equal(await backend.count('rate', 1000), 1, 'a new window');
    clock.now += 1000;
    assert.deepEqual(await backend.prune(), { tombstones: 0, claims: 1, counters: 1 });
    await backend.close();
  });

  test('a closed backend rejects every call', async () => {
    const backend = await SqliteBackend.open(path());
    await backend.close();
    await backend.close();
    for (const call of [() => backend.transact(0, () => []), () => backend.claim('k', 1000), () => backend.count('k', 1000)]) {
      await assert.rejects(call(), (err: unknown) => err instanceof ToopherError && err.status === 503);
    }
    await assert.rejects(new SqliteAuditLog(backend).recent(1), /closed/);
  });

  test('a write lock held elsewhere past busyTimeoutMs rejects with 503 and commits nothing', async () => {
    const file = path();
    const backend = await SqliteBackend.open(file, { busyTimeoutMs: 0 });
    const raw = new Database(file);
    raw.exec('BEGIN IMMEDIATE');
    try {
      await assert.rejects(
        backend.transact(0, () => [{ kind: 'user', id: 'u', value: '1' }]),
        (err: unknown) => err instanceof ToopherError && err.status === 503 && /locked/.test(err.message),
      );
    } finally {
      raw.exec('ROLLBACK');
      raw.close();
    }
    assert.equal(await backend.transact(0, () => []), 0);
    await backend.close();
  });

  test('without better-sqlite3 installed, open names the install step', () => {
    // A resolve hook makes the package missing, as in an app that did not install the optional peer.
    const hook = `export async function resolve(s, c, next) { if (s === 'better-sqlite3') { const e = new Error("Cannot find package 'better-sqlite3'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }`;
    const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
    const script = `import { SqliteBackend } from ${JSON.stringify(new URL('../../src/server/storage/sqlite-backend.js', import.meta.url).href)};
      SqliteBackend.open(':memory:').then(() => console.log('opened'), (err) => console.log(err.message));`;
    const result = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.match(result.stdout, /needs the package "better-sqlite3".*npm install better-sqlite3/);
  });

  test('options are checked at open', async () => {
    await assert.rejects(SqliteBackend.open(path(), { tombstoneMaxAgeMs: 5 }), /tombstoneMaxAgeMs/);
    await assert.rejects(SqliteBackend.open(path(), { busyTimeoutMs: -1 }), /busyTimeoutMs/);
  });
});

test('incremental reads see only what changed after the cursor', async () => {
  const backend = await SqliteBackend.open(path());
  const replica = new StateReplica(backend);
  for (let i = 0; i < 5; i += 1) await increment(replica, `c${i}`);
  const cursor = replica.cursor;
  await increment(replica, 'c4');
  const seen: number[] = [];
  await backend.transact(cursor, (incoming) => {
    seen.push(incoming.changes.length);
    return [];
  });
  assert.deepEqual(seen, [1]);
  await backend.close();
});
