import type { RedisClientType } from 'redis';
import type { ToopherSharedStore } from 'passport-toopher';

const DECREMENT_IF_EXISTS = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0";

/**
 * passport-toopher's shared state (single-use grants, push and OTP limits) in
 * Redis, so every app instance sees the same counts. Each method is one
 * atomic Redis operation.
 */
export class RedisSharedStore implements ToopherSharedStore {
  private readonly _client: RedisClientType;

  constructor(client: RedisClientType) {
    this._client = client;
  }

  async setIfAbsent(key: string, ttlMs: number): Promise<boolean> {
    const reply = await this._client.set(key, '1', { condition: 'NX', expiration: { type: 'PX', value: ttlMs } });
    return reply === 'OK';
  }

  async increment(key: string, windowMs: number): Promise<number> {
    const [count] = await this._client.multi().incr(key).pExpire(key, windowMs, 'NX').exec();
    return Number(count);
  }

  async decrement(key: string): Promise<void> {
    await this._client.eval(DECREMENT_IF_EXISTS, { keys: [key] });
  }
}
