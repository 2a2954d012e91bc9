/** What each benchmark hands back to run.ts. */
export interface BenchResult {
  /** The JSON key of the issue, e.g. `client_vs_got`. */
  readonly key: string;
  /** null when the comparison could not run here (the reason is printed). */
  readonly value: number | null;
  /** Human description of the target, e.g. `>= 0.90`. */
  readonly target: string;
  readonly met: boolean;
  /** Rows for the table: what was measured, and its figure. */
  readonly rows: readonly (readonly [string, string])[];
  /** Per-round ratios, to show how steady the machine was. */
  readonly rounds?: readonly number[];
  /** The same comparison as work per CPU-second of the server (or client) under test: immune to other processes. */
  readonly perCpu?: number;
}

export interface BenchConfig {
  readonly rounds: number;
  readonly roundMs: number;
  readonly warmupMs: number;
}

export function atLeast(value: number, target: number): Pick<BenchResult, 'target' | 'met'> {
  return { target: `>= ${target}`, met: value >= target };
}

export function atMost(value: number, target: number): Pick<BenchResult, 'target' | 'met'> {
  return { target: `<= ${target}`, met: value <= target };
}
