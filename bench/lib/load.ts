import autocannon, { type AutocannonOptions } from 'autocannon';
import { median } from './stats.js';

/** One side of a comparison: a name and a function measuring operations per second for `durationMs`. */
export interface Contender {
  readonly label: string;
  readonly measure: (durationMs: number) => Promise<number>;
}

export interface Comparison {
  /** Median per-round throughput of the baseline and the candidate (ops/s). */
  readonly baseline: number;
  readonly candidate: number;
  /** Median of the per-round ratios candidate / baseline. */
  readonly ratio: number;
  readonly ratios: readonly number[];
}

export interface CompareOptions {
  readonly rounds: number;
  readonly roundMs: number;
  readonly warmupMs: number;
}

/**
 * Measures `candidate` against `baseline` side by side: a warm-up of each,
 * then `rounds` rounds alternating which goes first, so drift (JIT, GC, a
 * busy neighbour) hits both. The ratio is the median of per-round ratios.
 */
export async function compare(baseline: Contender, candidate: Contender, options: CompareOptions): Promise<Comparison> {
  await baseline.measure(options.warmupMs);
  await candidate.measure(options.warmupMs);
  const base: number[] = [];
  const cand: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    let b: number;
    let c: number;
    if (round % 2 === 0) {
      b = await baseline.measure(options.roundMs);
      c = await candidate.measure(options.roundMs);
    } else {
      c = await candidate.measure(options.roundMs);
      b = await baseline.measure(options.roundMs);
    }
    base.push(b);
    cand.push(c);
    ratios.push(c / b);
  }
  return { baseline: median(base), candidate: median(cand), ratio: median(ratios), ratios };
}

/**
 * Runs `operation` from `concurrency` loops for `durationMs` and returns
 * completed operations per second. With `cpu`, also records this process's
 * CPU time (all threads) per operation. Any failure aborts the benchmark: a
 * number measured on errors would be meaningless.
 */
export async function closedLoop(
  operation: () => Promise<unknown>,
  concurrency: number,
  durationMs: number,
  cpu?: { microsPerOp: number[] },
): Promise<number> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await operation();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  if (cpu !== undefined) {
    const used = process.cpuUsage(cpuBefore);
    cpu.microsPerOp.push((used.user + used.system) / done);
  }
  return (done * 1000) / elapsed;
}

/**
 * Runs autocannon for `durationMs` and returns requests per second. Fails when
 * any response has an unexpected status (default 2xx only) or errors out.
 */
export async function cannon(
  options: Omit<AutocannonOptions, 'duration'>,
  durationMs: number,
  expectStatus: (status: number) => boolean = (s) => s >= 200 && s < 300,
): Promise<number> {
  let unexpected = 0;
  let firstUnexpected = 0;
  const requests = (options.requests ?? [{}]).map((request) => ({
    ...request,
    onResponse: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, unknown>) => {
      if (!expectStatus(status)) {
        unexpected++;
        if (firstUnexpected === 0) firstUnexpected = status;
      }
      request.onResponse?.(status, body, context, headers as never);
    },
  }));
  const result = await autocannon({ ...options, requests, duration: durationMs / 1000 });
  if (result.errors > 0 || result.timeouts > 0 || unexpected > 0) {
    throw new Error(
      `load against ${options.url} failed: ${result.errors} errors, ${result.timeouts} timeouts, ` +
        `${unexpected} unexpected statuses (first ${firstUnexpected})`,
    );
  }
  return result.requests.total / (result.duration || durationMs / 1000);
}

/** Collects CPU microseconds per operation of a child server, round by round. */
export class CpuMeter {
  readonly microsPerOp: number[] = [];
  private readonly _child: { cpuMicros(): Promise<number> };

  constructor(child: { cpuMicros(): Promise<number> }) {
    this._child = child;
  }

  /** Wraps a measure function (ops/s over `ms`) to also record the child's CPU per operation. */
  wrap(measure: (ms: number) => Promise<number>): (ms: number) => Promise<number> {
    return async (ms) => {
      const before = await this._child.cpuMicros();
      const t0 = performance.now();
      const perSecond = await measure(ms);
      const seconds = (performance.now() - t0) / 1000;
      const used = (await this._child.cpuMicros()) - before;
      this.microsPerOp.push(used / (perSecond * seconds));
      return perSecond;
    };
  }

  /** Median CPU per operation without the warm-up (the first entry). */
  median(): number {
    return median(this.microsPerOp.slice(1));
  }
}

/** Median of per-round `baseline / candidate` CPU-per-operation ratios (warm-ups dropped): work per CPU-second, relative. */
export function cpuRatio(baseline: CpuMeter, candidate: CpuMeter): number {
  const b = baseline.microsPerOp.slice(1);
  const c = candidate.microsPerOp.slice(1);
  return median(b.map((value, i) => value / (c[i] ?? Number.NaN)));
}
