import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RedisStore } from 'connect-redis';
import type { Store } from 'express-session';
import { createClient } from 'redis';
import { ToopherApi } from '../../src/index.js';
import { benchUsers, createBenchApp } from '../lib/bench-app.js';
import { childArgs, serveChild } from '../lib/child-ipc.js';

/** The bench app (see bench-app.ts) in its own process, optionally with sessions in Redis. */

export interface ToopherAppArgs {
  readonly variant: 'toopher' | 'plain';
  readonly apiUrl?: string;
  readonly consumerKey?: string;
  readonly consumerSecret?: string;
  readonly users: number;
  /** Prefixes of the user names the app knows (default `['user']`). */
  readonly userPrefixes?: readonly string[];
  readonly redisUrl?: string;
  readonly pollIntervalMs?: number;
  readonly maxPushesPerMinute?: number;
  /**
   * Also serve the `plain` variant (same users, its own MemoryStore) on a
   * second port of this process, so the two can be compared without the
   * noise of two processes being scheduled differently.
   */
  readonly alsoPlain?: boolean;
}

export interface ToopherAppInfo {
  readonly url: string;
  /** The `plain` variant, with `alsoPlain`. */
  readonly plainUrl?: string;
}

const args = childArgs<ToopherAppArgs>();
let store: Store | undefined;
let quit = async (): Promise<void> => {};
if (args.redisUrl !== undefined) {
  const client = createClient({ url: args.redisUrl });
  await client.connect();
  store = new RedisStore({ client, prefix: 'bench:' });
  quit = async () => {
    await client.quit();
  };
}
/** With `BENCH_LOG_API_ERRORS=1`, prints every failed Toopher call (class, message, cause code) to stderr. */
class LoggingToopherApi extends ToopherApi {
  override async authenticateByUserName(...args: Parameters<ToopherApi['authenticateByUserName']>): ReturnType<ToopherApi['authenticateByUserName']> {
    try {
      return await super.authenticateByUserName(...args);
    } catch (err) {
      const cause = err instanceof Error ? (err.cause as { code?: unknown; name?: unknown } | undefined) : undefined;
      console.error(`bench app: authenticateByUserName failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} (cause ${String(cause?.code ?? cause?.name)})`);
      throw err;
    }
  }
}
const ApiClass = process.env['BENCH_LOG_API_ERRORS'] === '1' ? LoggingToopherApi : ToopherApi;
const api =
  args.variant === 'toopher'
    ? new ApiClass({ consumerKey: args.consumerKey ?? '', consumerSecret: args.consumerSecret ?? '', baseUrl: args.apiUrl ?? '' })
    : undefined;
const users = (args.userPrefixes ?? ['user']).flatMap((prefix) => benchUsers(args.users, prefix));
const { app, transfers } = createBenchApp({
  variant: args.variant,
  ...(api === undefined ? {} : { api }),
  users,
  ...(store === undefined ? {} : { store }),
  toopher: {
    ...(args.pollIntervalMs === undefined ? {} : { pollIntervalMs: args.pollIntervalMs }),
    ...(args.maxPushesPerMinute === undefined ? {} : { maxPushesPerMinute: args.maxPushesPerMinute }),
  },
});
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const url = await serve(app);
const plainUrl = args.alsoPlain === true ? await serve(createBenchApp({ variant: 'plain', users }).app) : undefined;
process.once('SIGTERM', () => {
  void quit();
});
serveChild(
  { url, ...(plainUrl === undefined ? {} : { plainUrl }) } satisfies ToopherAppInfo,
  {
    transfers: () => transfers,
    memory: () => process.memoryUsage(),
  },
);
