import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * Parent side of the benchmark servers: each server under test runs in its
 * own Node process (so it has a core of its own and the load generator does
 * not steal its event loop), reports `{ type: 'ready', info }` over IPC and
 * then answers `{ id, command, args }` messages with `{ id, result | error }`.
 */

export interface ChildServer<TInfo> {
  readonly info: TInfo;
  /** Process id (of valgrind's process when the child runs under callgrind). */
  readonly pid: number | undefined;
  /** Sends a command to the child and resolves with its answer. */
  call<T>(command: string, args?: unknown): Promise<T>;
  /** CPU time (user + system, all threads) the child used so far, in microseconds. */
  cpuMicros(): Promise<number>;
  /** Kills the child and waits for it to exit. */
  stop(): Promise<void>;
}

interface ReplyMessage {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * How a child runs: `BENCH_CHILD_PROF=<name>` adds `--cpu-prof`;
 * `BENCH_CHILD_CALLGRIND=<name>` runs it under `valgrind --tool=callgrind`
 * (counters zeroed and dumped with `callgrind_control`, see
 * bench/login-instructions.ts), writing to test-output/callgrind/.
 */
function launchOptions(name: string): { execPath?: string; execArgv: string[] } {
  if (process.env['BENCH_CHILD_CALLGRIND'] === name) {
    return {
      execPath: 'valgrind',
      execArgv: ['--tool=callgrind', '--callgrind-out-file=test-output/callgrind/%p.out', process.execPath],
    };
  }
  return { execArgv: process.env['BENCH_CHILD_PROF'] === name ? ['--cpu-prof', '--cpu-prof-dir=test-output/bench-profiles'] : [] };
}

/** Starts `build/bench/servers/<name>.js` with `args` (JSON) and waits until it is ready. */
export async function startChild<TInfo>(name: string, args: unknown = {}, timeoutMs = 20_000): Promise<ChildServer<TInfo>> {
  const script = fileURLToPath(new URL(`../servers/${name}.js`, import.meta.url));
  const child = fork(script, [JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...launchOptions(name) });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const info = await new Promise<TInfo>((resolve, reject) => {
    const limit = process.env['BENCH_CHILD_CALLGRIND'] === name ? Math.max(timeoutMs, 300_000) : timeoutMs;
    const timer = setTimeout(() => reject(new Error(`bench server ${name} did not start within ${limit} ms`)), limit);
    child.on('message', (message: { type?: string; info?: TInfo } & ReplyMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.info as TInfo);
        return;
      }
      const waiter = pending.get(message.id);
      if (waiter === undefined) return;
      pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(`${name}: ${message.error}`));
      else waiter.resolve(message.result);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const error = new Error(`bench server ${name} exited (${code ?? signal ?? 'unknown'})`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
  });
  const call = <T>(command: string, callArgs?: unknown): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, command, args: callArgs });
    });
  };
  return {
    info,
    pid: child.pid,
    call,
    async cpuMicros() {
      const usage = await call<NodeJS.CpuUsage>('cpu');
      return usage.user + usage.system;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      // SIGTERM lets a --cpu-prof child write its profile; SIGKILL if it lingers.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
