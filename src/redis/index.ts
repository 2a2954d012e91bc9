export { RedisSharedStore } from './redis-shared-store.js';
export type {
  RedisClientLike,
  NodeRedisClientLike,
  IoRedisClientLike,
  RedisSharedStoreOptions,
} from './redis-shared-store.js';
