import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSandboxDependencies } from '../../src/sandbox/optional-deps.js';
import { ChangeTracker } from '../../src/sandbox/store/record-table.js';
import { SandboxStore } from '../../src/sandbox/store/sandbox-store.js';
import { StateAccess } from '../../src/sandbox/store/state-access.js';
import type { IncomingChanges, RecordChange, StateBackend } from '../../src/sandbox/store/state-backend.js';

/**
 * The smallest honest StateBackend: a sequence-numbered log in memory, with a switch that makes the next
 * commit lose a race to a commit from "elsewhere", as an optimistic backend (Redis) does. The real
 * backends run the same contract in test/integration/server-storage.test.ts.
 */
class LogBackend implements StateBackend {
  seq = 0;
  readonly rows = new Map<string, { change: RecordChange; seq: number }>();
  /** A change to commit first, just before the next commit: that commit then retries. */
  intruder: RecordChange | undefined;
  failNextCommit = false;
  bodies = 0;

  async transact(cursor: number, body: (incoming: IncomingChanges) => readonly RecordChange[]): Promise<number> {
    await Promise.resolve();
    for (;;) {
      this.bodies += 1;
      const out = body(this._since(cursor));
      if (this.failNextCommit) {
        this.failNextCommit = false;
        throw new Error('backend down');
      }
      if (this.intruder !== undefined) {
        this._commit([this.intruder]);
        this.intruder = undefined;
        continue;
      }
      this._commit(out);
      return this.seq;
    }
  }

  claim(): Promise<boolean> {
    return Promise.resolve(true);
  }

  count(): Promise<number> {
    return Promise.resolve(1);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private _since(cursor: number): IncomingChanges {
    const rows = [...this.rows.values()].sort((a, b) => a.seq - b.seq);
    if (cursor === 0) return { reset: true, changes: rows.filter((r) => r.change.value !== null).map((r) => r.change) };
    return { reset: false, changes: rows.filter((r) => r.seq > cursor).map((r) => r.change) };
  }

  private _commit(changes: readonly RecordChange[]): void {
    for (const change of changes) this.rows.set(`${change.kind}/${change.id}`, { change, seq: ++this.seq });
  }
}

async function instance(backend: StateBackend): Promise<StateAccess> {
  await loadSandboxDependencies();
  const tracker = new ChangeTracker();
  const store = new SandboxStore({
    consumers: [],
    clock: () => 1_000_000,
    pendingTimeoutMs: 60_000,
    pairingTimeoutMs: 60_000,
    phraseTimeoutMs: 60_000,
    otpRateLimit: false,
    tracker,
    devices: true,
  });
  return new StateAccess(store, { backend, tracker });
}

test('a change committed by one instance is seen by another, and a rotated secret replaces the old one', async () => {
  const backend = new LogBackend();
  const a = await instance(backend);
  const b = await instance(backend);
  const made = await a.run((store) => store.createRequester('Shop'));
  assert.deepEqual(
    await b.run((store) => store.listRequesters()),
    [{ key: made.key, id: made.id, name: 'Shop' }],
  );
  const rotated = await b.run((store) => store.rotateRequester(made.key));
  assert.equal(await a.run((store) => store.consumerSecret(made.key)), rotated.secret);
  await a.run((store) => {
    store.deleteRequester(made.key);
  });
  assert.deepEqual(await b.run((store) => store.listRequesters()), []);
});

test('a transaction that throws commits nothing and leaves the tables as they were', async () => {
  const backend = new LogBackend();
  const a = await instance(backend);
  const made = await a.run((store) => store.createRequester('Shop'));
  await assert.rejects(
    a.run((store) => {
      store.createUser(made.key, 'ann');
      store.rotateRequester(made.key);
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await a.run((store) => store.consumerSecret(made.key)), made.secret);
  assert.deepEqual(await a.run((store) => store.findUsersByName(made.key, 'ann')), []);
  const fresh = await instance(backend);
  assert.deepEqual(await fresh.run((store) => store.findUsersByName(made.key, 'ann')), []);
});

test('a commit that loses a race is undone and run again on the newer state', async () => {
  const backend = new LogBackend();
  const a = await instance(backend);
  const b = await instance(backend);
  const made = await a.run((store) => store.createRequester('Shop'));
  // Another instance renames nothing but adds a requester between this body and its commit.
  backend.intruder = { kind: 'consumer', id: 'other', value: JSON.stringify({ key: 'other', secret: 's', id: 'o', name: 'Other' }) };
  const bodiesBefore = backend.bodies;
  await a.run((store) => store.createUser(made.key, 'ann'));
  assert.equal(backend.bodies - bodiesBefore, 2);
  const users = await b.run((store) => store.findUsersByName(made.key, 'ann'));
  assert.equal(users.length, 1, 'the first attempt was not committed');
  assert.equal((await a.run((store) => store.findUsersByName(made.key, 'ann'))).length, 1, 'nor left in memory');
  assert.deepEqual((await a.run((store) => store.listRequesters())).map((r) => r.name).sort(), ['Other', 'Shop']);
});

test('a backend fault rejects and puts the touched records back', async () => {
  const backend = new LogBackend();
  const a = await instance(backend);
  const made = await a.run((store) => store.createRequester('Shop'));
  backend.failNextCommit = true;
  await assert.rejects(a.run((store) => store.rotateRequester(made.key)), /backend down/);
  assert.equal(await a.run((store) => store.consumerSecret(made.key)), made.secret);
});

test('transactions of one instance run one at a time', async () => {
  const backend = new LogBackend();
  const a = await instance(backend);
  const made = await a.run((store) => store.createRequester('Shop'));
  await Promise.all(Array.from({ length: 20 }, (_, i) => a.run((store) => store.createUser(made.key, `u${i}`))));
  const b = await instance(backend);
  const names = await b.run((store) => Array.from({ length: 20 }, (_, i) => store.findUsersByName(made.key, `u${i}`).length));
  assert.deepEqual(names, Array.from({ length: 20 }, () => 1));
});
