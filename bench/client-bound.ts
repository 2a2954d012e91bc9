import { startChild } from './lib/child.js';
import { AUTHENTICATION_REQUEST, CREDENTIALS, createOperations, ID } from './lib/client-sides.js';
import { pythonUnavailable, startPythonClient, type PythonClient, type RoundFigures } from './lib/python-client.js';
import { atLeast, type BenchConfig, type BenchResult } from './lib/result.js';
import { formatCount, median, round } from './lib/stats.js';

/**
 * Client-bound comparisons of `ToopherApi` (one `getAuthenticationStatus`
 * after another, one keep-alive connection) against other clients making
 * the same signed GET to a trivial JSON server in another process, so the
 * client's own cost decides the rate:
 *
 * - `client_vs_got`: a bare `got` GET (got's defaults, a keep-alive agent, `.json()`);
 * - `client_vs_lean_got`: got configured lean once with `got.extend` (no
 *   retry, redirects or decompression, the buffer parsed once) with the same
 *   10 s per-request deadline as the client (got's single `timeout.request`,
 *   which costs less per call than an `AbortSignal.timeout`);
 * - `client_vs_python`: requests-oauthlib on `/usr/bin/python3`, the stack
 *   of ToopherPython (null, with the reason printed, when it is missing).
 *
 * Every side signs each request with a fresh nonce (the Node baselines with
 * the minimal HMAC-SHA1 signer of the tests) and checks the answer's id.
 * Rounds alternate the order of the sides; each figure is the median of the
 * per-round ratios. Client CPU per call comes from `process.cpuUsage` (Node)
 * and `time.process_time` (Python).
 */

interface Side {
  readonly label: string;
  run(durationMs: number): Promise<RoundFigures>;
}

/** Sequential calls of `operation` for `durationMs`: calls per second and this process's CPU per call. */
async function sequential(operation: () => Promise<unknown>, durationMs: number): Promise<RoundFigures> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  let calls = 0;
  while (performance.now() < deadline) {
    await operation();
    calls++;
  }
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { rate: (calls * 1000) / elapsed, cpuMicrosPerCall: (cpu.user + cpu.system) / calls };
}

/** Runs every side for a warm-up, then `rounds` rounds, odd rounds in reverse order. */
async function measureRounds(sides: readonly Side[], config: BenchConfig): Promise<Map<string, RoundFigures[]>> {
  for (const side of sides) await side.run(config.warmupMs);
  const figures = new Map<string, RoundFigures[]>(sides.map((side) => [side.label, []]));
  for (let r = 0; r < config.rounds; r++) {
    for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
      figures.get(side.label)?.push(await side.run(config.roundMs));
    }
  }
  return figures;
}

function describe(figures: readonly RoundFigures[]): string {
  const rate = median(figures.map((f) => f.rate));
  const cpu = median(figures.map((f) => f.cpuMicrosPerCall));
  return `${formatCount(rate)} calls/s, ${cpu.toFixed(0)} us client CPU/call`;
}

function result(key: string, target: number, baselineLabel: string, client: readonly RoundFigures[], baseline: readonly RoundFigures[]): BenchResult {
  const ratios = client.map((c, i) => c.rate / (baseline[i]?.rate ?? Number.NaN));
  const cpuRatios = client.map((c, i) => (baseline[i]?.cpuMicrosPerCall ?? Number.NaN) / c.cpuMicrosPerCall);
  const value = median(ratios);
  return {
    key,
    rounds: ratios,
    perCpu: round(median(cpuRatios)),
    value: round(value),
    ...atLeast(value, target),
    rows: [
      [baselineLabel, describe(baseline)],
      ['ToopherApi.getAuthenticationStatus', describe(client)],
      ['per-round ratios', ratios.map((r) => r.toFixed(3)).join(' ')],
      ['calls per client CPU-second, ratio', `${median(cpuRatios).toFixed(3)} (${cpuRatios.map((r) => r.toFixed(2)).join(' ')})`],
    ],
  };
}

export async function benchClientBound(config: BenchConfig): Promise<BenchResult[]> {
  const server = await startChild<{ url: string }>('trivial-json', { body: AUTHENTICATION_REQUEST });
  let python: PythonClient | undefined;
  try {
    const { consumerKey, consumerSecret } = CREDENTIALS;
    const statusUrl = `${server.info.url}/v1/authentication_requests/${ID}`;
    const { client, bareGot, leanGot } = createOperations(server.info.url);

    const sides: Side[] = [
      { label: 'client', run: (ms) => sequential(client, ms) },
      { label: 'got', run: (ms) => sequential(bareGot, ms) },
      { label: 'lean', run: (ms) => sequential(leanGot, ms) },
    ];
    const missingPython = pythonUnavailable();
    if (missingPython === undefined) {
      python = await startPythonClient(statusUrl, consumerKey, consumerSecret, ID);
      sides.push({ label: 'python', run: (ms) => (python as PythonClient).run(ms) });
    }
    const figures = await measureRounds(sides, config);
    const of = (label: string): RoundFigures[] => figures.get(label) ?? [];
    const results = [
      result('client_vs_got', 0.9, 'bare got GET, signed, .json()', of('client'), of('got')),
      result('client_vs_lean_got', 0.85, 'lean got GET (got.extend), signed, 10 s request timeout', of('client'), of('lean')),
    ];
    if (missingPython === undefined) {
      results.push(result('client_vs_python', 2.0, 'Python requests-oauthlib OAuth1Session GET', of('client'), of('python')));
    } else {
      console.log(`client_vs_python: null: ${missingPython}`);
      results.push({ key: 'client_vs_python', value: null, target: '>= 2', met: false, rows: [['not measured', missingPython]] });
    }
    return results;
  } finally {
    await python?.stop();
    await server.stop();
  }
}
