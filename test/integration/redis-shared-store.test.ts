import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { ToopherApi, ToopherError } from '../../src/index.js';
import { RedisSharedStore } from '../../src/redis/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { sharedStoreKey } from '../../src/strategy/shared-store.js';
import { BrowserClient } from '../helpers/browser-client.js';
import { startRedis } from '../helpers/processes.js';
import { skipUnlessRedis } from '../helpers/requirements.js';
import { enroll, makeUsers, startTestApp } from '../helpers/test-app.js';

// RedisSharedStore against a real redis-server, through both client libraries.

const skip = skipUnlessRedis();
let redis: { url: string; stop(): Promise<void> } | undefined;
let nodeRedis: ReturnType<typeof createClient>;
let ioRedis: Redis;

before(async () => {
  if (skip !== false) return;
  redis = await startRedis();
  nodeRedis = createClient({ url: redis.url });
  await nodeRedis.connect();
  ioRedis = new Redis(redis.url, { lazyConnect: true });
  await ioRedis.connect();
});

after(async () => {
  if (nodeRedis?.isOpen === true) await nodeRedis.quit();
  if (ioRedis !== undefined) ioRedis.disconnect();
  await redis?.stop();
});

let keyCounter = 0;
function freshKey(kind: 'grant' | 'push' | 'otp' | 'poll'): string {
  keyCounter += 1;
  return sharedStoreKey(kind, `key-${keyCounter}`);
}

/** PTTL of a raw key, read through node-redis whichever client wrote it. */
async function pttl(key: string): Promise<number> {
  return nodeRedis.pTTL(key);
}

const clients = [
  ['node-redis', () => new RedisSharedStore(nodeRedis, { prefix: 'app-a:' })],
  ['ioredis', () => new RedisSharedStore(ioRedis, { prefix: 'app-a:' })],
] as const;

for (const [library, makeStore] of clients) {
  describe(`RedisSharedStore with ${library}`, { skip }, () => {
    test('setIfAbsent stores a prefixed key with its TTL once', async () => {
      const store = makeStore();
      const key = freshKey('grant');
      assert.equal(await store.setIfAbsent(key, 60_000), true);
      assert.equal(await store.setIfAbsent(key, 60_000), false);
      const ttl = await pttl(`app-a:${key}`);
      assert.ok(ttl > 0 && ttl <= 60_000, `PTTL ${ttl}`);
      assert.equal(await nodeRedis.exists(key), 0, 'the key carries the prefix');
    });

    test('setIfAbsent lets exactly one of many concurrent claims win', async () => {
      const store = makeStore();
      const key = freshKey('grant');
      const results = await Promise.all(Array.from({ length: 40 }, () => store.setIfAbsent(key, 60_000)));
      assert.equal(results.filter(Boolean).length, 1);
    });

    test('increment counts concurrent calls exactly and sets the window once', async () => {
      const store = makeStore();
      const key = freshKey('push');
      const counts = await Promise.all(Array.from({ length: 30 }, () => store.increment(key, 60_000)));
      assert.deepEqual([...counts].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i + 1));
      // A later call with a longer window does not extend the first one.
      assert.equal(await store.increment(key, 600_000), 31);
      const ttl = await pttl(`app-a:${key}`);
      assert.ok(ttl > 0 && ttl <= 60_000, `PTTL ${ttl}`);
    });

    test('decrement lowers an existing counter, never below zero, and never creates one', async () => {
      const store = makeStore();
      const key = freshKey('push');
      await store.increment(key, 60_000);
      await store.decrement(key);
      await store.decrement(key);
      assert.equal(await nodeRedis.get(`app-a:${key}`), '0');
      const missing = freshKey('push');
      await store.decrement(missing);
      assert.equal(await nodeRedis.exists(`app-a:${missing}`), 0);
    });
  });
}

test('a grant claimed through node-redis is taken for an ioredis instance too', { skip }, async () => {
  const key = freshKey('grant');
  const first = new RedisSharedStore(nodeRedis);
  const second = new RedisSharedStore(ioRedis);
  assert.equal(await first.setIfAbsent(key, 60_000), true);
  assert.equal(await second.setIfAbsent(key, 60_000), false);
});

test('stores with different prefixes do not see each other', { skip }, async () => {
  const key = freshKey('grant');
  assert.equal(await new RedisSharedStore(nodeRedis, { prefix: 'one:' }).setIfAbsent(key, 60_000), true);
  assert.equal(await new RedisSharedStore(ioRedis, { prefix: 'two:' }).setIfAbsent(key, 60_000), true);
});

test('the constructor names what it needs', () => {
  assert.throws(() => new RedisSharedStore({} as never), /node-redis client .* or an ioredis client/);
  assert.throws(() => new RedisSharedStore(nodeRedisShape(), { commandTimeoutMs: 0 }), /commandTimeoutMs/);
  assert.throws(() => new RedisSharedStore(nodeRedisShape(), { prefix: 1 as never }), /prefix/);
});

function nodeRedisShape(): { sendCommand(args: string[]): Promise<unknown> } {
  return { sendCommand: () => Promise.resolve('OK') };
}

describe('when Redis is down', { skip }, () => {
  let down: { url: string; stop(): Promise<void> };
  let downNode: ReturnType<typeof createClient>;
  let downIo: Redis;
  let sandbox: Sandbox;

  before(async () => {
    down = await startRedis();
    downNode = createClient({ url: down.url, socket: { reconnectStrategy: 100 } });
    downNode.on('error', () => undefined);
    await downNode.connect();
    downIo = new Redis(down.url, { lazyConnect: true, retryStrategy: () => 100 });
    downIo.on('error', () => undefined);
    await downIo.connect();
    await down.stop();
    sandbox = await createSandbox();
  });

  after(async () => {
    downNode.destroy();
    downIo.disconnect();
    await sandbox.close();
  });

  for (const [library, store] of [
    ['node-redis', () => new RedisSharedStore(downNode, { commandTimeoutMs: 300 })],
    ['ioredis', () => new RedisSharedStore(downIo, { commandTimeoutMs: 300 })],
  ] as const) {
    test(`every method of the ${library} store rejects with a 503 ToopherError`, async () => {
      for (const call of [
        (s: RedisSharedStore) => s.setIfAbsent(freshKey('grant'), 60_000),
        (s: RedisSharedStore) => s.increment(freshKey('push'), 60_000),
        (s: RedisSharedStore) => s.decrement(freshKey('push')),
      ]) {
        await assert.rejects(call(store()), (err: unknown) => err instanceof ToopherError && err.status === 503);
      }
    });
  }

  test('a sign-in fails closed with 503 and signs nobody in', async () => {
    const users = makeUsers('ann');
    const api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
    const app = await startTestApp({ api, users, toopher: { store: new RedisSharedStore(downNode, { commandTimeoutMs: 300 }) } });
    try {
      const client = new BrowserClient(app.url);
      await enroll(sandbox, api, 'ann@example.com', client);
      const hop = await client.post('/login', { email: 'ann@example.com', password: 'pw-ann' });
      assert.equal(hop.status, 503);
      const me = JSON.parse((await client.get('/', { accept: 'application/json' })).body) as { user: unknown };
      assert.equal(me.user, null);
      assert.equal((await sandbox.phone.listAuthenticationRequests('ann@example.com')).length, 0, 'no push was sent');
    } finally {
      await app.close();
    }
  });
});
