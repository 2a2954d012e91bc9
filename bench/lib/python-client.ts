import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The Python side of `client_vs_python`: `/usr/bin/python3` running
 * bench/python/requests_oauthlib_client.py (requests-oauthlib, the stack of
 * ToopherPython) in its own process, driven round by round over stdin.
 */

export const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../bench/python/requests_oauthlib_client.py', import.meta.url));

export interface RoundFigures {
  /** Calls per second. */
  readonly rate: number;
  /** Client CPU time per call, in microseconds. */
  readonly cpuMicrosPerCall: number;
}

export interface PythonClient {
  run(durationMs: number): Promise<RoundFigures>;
  stop(): Promise<void>;
}

/** Why the Python side cannot run here, or undefined when it can. */
export function pythonUnavailable(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import requests_oauthlib'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `${PYTHON} cannot be run (${probe.error.message})`;
  if (probe.status !== 0) {
    return `${PYTHON} has no requests_oauthlib (apt-get install python3-requests-oauthlib)`;
  }
  return undefined;
}

export async function startPythonClient(
  url: string,
  consumerKey: string,
  consumerSecret: string,
  expectedId: string,
): Promise<PythonClient> {
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [SCRIPT, url, consumerKey, consumerSecret, expectedId]);
  child.stderr.setEncoding('utf8');
  let stderr = '';
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<Record<string, number>> => {
    const line = await lines.next();
    if (line.done === true) throw new Error(`the Python client exited: ${stderr.trim().slice(-500)}`);
    return JSON.parse(line.value) as Record<string, number>;
  };
  await nextLine();
  return {
    async run(durationMs) {
      child.stdin.write(`run ${Math.round(durationMs)}\n`);
      const { calls = 0, elapsed_ms: elapsedMs = 1, cpu_us: cpuMicros = 0 } = await nextLine();
      return { rate: (calls * 1000) / elapsedMs, cpuMicrosPerCall: cpuMicros / Math.max(calls, 1) };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end('quit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
