/**
 * Sending raw commands to a Redis client of either library, bounded in time.
 * Shared by `RedisSharedStore` (src/redis) and the server's Redis storage;
 * neither imports a Redis package: clients are taken structurally.
 */

/** A node-redis v4 or v5 client (`createClient()` of `redis` or `@redis/client`). */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** An ioredis client (`new Redis()`), v5 or later. */
export interface IoRedisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** A client of either library: only a way to send a raw command is needed. */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

/**
 * A fixed-window counter in one atomic Lua script: INCR, then PEXPIRE only
 * when the key has no TTL yet, so later calls never extend the window.
 * KEYS[1] the counter, ARGV[1] the window in ms.
 */
export const INCREMENT_IN_WINDOW =
  "local n = redis.call('INCR', KEYS[1]) if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";

export type RedisSend = (args: string[]) => Promise<unknown>;

/** The raw command function of `client`, or undefined when it is neither kind of client. */
export function redisSender(client: unknown): RedisSend | undefined {
  const c = client as Partial<NodeRedisClientLike & IoRedisClientLike> | null;
  // ioredis also has a `sendCommand`, with another signature: test `call` first.
  if (typeof c?.call === 'function') {
    const call = c.call.bind(c);
    return ([command, ...args]) => call(command ?? '', ...args);
  }
  if (typeof c?.sendCommand === 'function') return c.sendCommand.bind(c);
  return undefined;
}

/**
 * Sends one command and settles with its reply, or rejects with `fail(...)`
 * when the client throws, rejects, or does not answer within `timeoutMs`
 * (clients queue commands while disconnected; this bounds the wait).
 */
export function sendWithTimeout(
  send: RedisSend,
  args: string[],
  timeoutMs: number,
  fail: (message: string, cause?: unknown) => Error,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(fail(`Redis did not answer ${args[0]} within ${timeoutMs} ms.`)), timeoutMs);
    let pending: Promise<unknown>;
    try {
      pending = send(args);
    } catch (err) {
      clearTimeout(timer);
      reject(fail(`${args[0]} failed.`, err));
      return;
    }
    pending.then(
      (reply) => {
        clearTimeout(timer);
        resolve(reply);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(fail(`${args[0]} failed.`, err));
      },
    );
  });
}
