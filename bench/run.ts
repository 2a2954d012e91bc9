import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { benchApprovedAction } from './approved-action.js';
import { benchClientBound } from './client-bound.js';
import { closeBrowsers } from './lib/browser.js';
import { BenchContext } from './lib/context.js';
import type { BenchConfig, BenchResult } from './lib/result.js';
import { formatTable } from './lib/stats.js';
import { benchLogin } from './login.js';
import { benchMiddlewarePassthrough } from './middleware-passthrough.js';
import { benchPollAmplification } from './poll-amplification.js';
import { benchSandboxVsExpress } from './sandbox-vs-express.js';

/**
 * `npm run bench`: every benchmark of issue 6 in one run on this machine.
 * Prints a table, then as its last line one JSON object with every key.
 *
 *   node build/bench/run.js [--only key,key] [--rounds 5] [--round-ms 1200]
 */

type Bench = (config: BenchConfig, ctx: BenchContext) => Promise<BenchResult | BenchResult[]>;

/**
 * In the order; `poll_amplification` also yields `pending_state_bytes`,
 * `login_vs_password_only` (plain password compare) also `login_vs_password_only_scrypt`.
 */
const BENCHES: readonly (readonly [readonly string[], Bench])[] = [
  [['client_vs_got', 'client_vs_lean_got', 'client_vs_python'], benchClientBound],
  [['middleware_passthrough'], benchMiddlewarePassthrough],
  [['approved_action'], benchApprovedAction],
  [['poll_amplification', 'pending_state_bytes'], benchPollAmplification],
  [['login_vs_password_only', 'login_vs_password_only_scrypt'], benchLogin],
  [['sandbox_vs_express'], benchSandboxVsExpress],
];
const ORDER = BENCHES.flatMap(([keys]) => keys);

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    'round-ms': { type: 'string', default: '1200' },
    'warmup-ms': { type: 'string', default: '1000' },
  },
});
const config: BenchConfig = {
  rounds: Number(values.rounds),
  roundMs: Number(values['round-ms']),
  warmupMs: Number(values['warmup-ms']),
};
const only = values.only === undefined ? undefined : new Set(values.only.split(','));

const started = performance.now();
console.log(
  `passport-toopher benchmarks: Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ` +
    `${config.rounds} rounds of ${config.roundMs} ms per side (median of per-round ratios), load average ${loadavg()[0]?.toFixed(2) ?? '?'}\n`,
);
const results: BenchResult[] = [];
const ctx = new BenchContext();
try {
  for (const [keys, bench] of BENCHES) {
    if (only !== undefined && !keys.some((key) => only.has(key))) continue;
    const t0 = performance.now();
    const produced = await bench(config, ctx);
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    for (const result of Array.isArray(produced) ? produced : [produced]) {
      results.push(result);
      console.log(`${result.key}: ${result.value} (target ${result.target}, ${result.met ? 'met' : 'MISSED'}) [${seconds} s]`);
      for (const [label, figure] of result.rows) console.log(`  ${label}: ${figure}`);
    }
  }
} finally {
  closeBrowsers();
  await ctx.stopAll();
}
results.sort((a, b) => ORDER.indexOf(a.key) - ORDER.indexOf(b.key));

const spread = (r: BenchResult): string =>
  r.rounds === undefined ? '' : `${Math.min(...r.rounds).toFixed(2)}-${Math.max(...r.rounds).toFixed(2)}`;
console.log(`\n${formatTable(
  ['key', 'value', 'target', 'status', 'rounds (min-max)', 'per CPU-second'],
  results.map((r) => [r.key, String(r.value), r.target, r.met ? 'met' : 'MISSED', spread(r), r.perCpu === undefined ? '' : String(r.perCpu)]),
)}`);
const noisy = results.filter((r) => r.rounds !== undefined && Math.max(...r.rounds) / Math.min(...r.rounds) > 1.3);
if (noisy.length > 0) {
  console.log(
    `\nwarning: rounds of ${noisy.map((r) => r.key).join(', ')} differ by more than 30 %: the machine was busy ` +
      `(load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}). The per-CPU-second ratios are steadier; rerun on a quiet machine.`,
  );
}
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(JSON.stringify(Object.fromEntries(results.map((r) => [r.key, r.value]))));
