import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * `npm run fuzz`: the fuzz tests with 10,000 cases per target (instead of the
 * few hundred of `npm test`), then one line per target with its count.
 *
 *   node build/bench/fuzz.js [--runs 10000] [--seed <n>]
 */

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string' } },
});
const dir = fileURLToPath(new URL('../test/integration/', import.meta.url));
const files = readdirSync(dir)
  .filter((name) => /^fuzz-.*\.test\.js$/.test(name))
  .map((name) => `${dir}${name}`);
const started = performance.now();
const child = spawn(process.execPath, ['--test', '--test-reporter=tap', ...files], {
  env: { ...process.env, FUZZ_RUNS: values.runs, ...(values.seed === undefined ? {} : { FUZZ_SEED: values.seed }) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let output = '';
child.stdout.on('data', (chunk: Buffer) => {
  const text = chunk.toString('utf8');
  output += text;
  // Show progress: test results and failures as they come.
  for (const line of text.split('\n')) {
    if (/^(not )?ok \d+ /.test(line) || /^\s+(error|Counterexample|Got )/.test(line)) console.log(line);
  }
});
const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
const targets = [...output.matchAll(/^\s*# fuzz (\S+): (\d+) cases passed/gm)].map((m) => [m[1] ?? '', Number(m[2])] as const);
const failed = [...output.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map((m) => m[1] ?? '');
console.log(`\nfuzz targets (${values.runs} cases each requested), ${((performance.now() - started) / 1000).toFixed(1)} s:`);
for (const [name, count] of targets) console.log(`  ${name.padEnd(36)} ${count.toLocaleString('en-US').padStart(8)} cases passed`);
for (const name of failed) console.log(`  FAILED: ${name}`);
const total = targets.reduce((sum, [, count]) => sum + count, 0);
console.log(`total ${total.toLocaleString('en-US')} cases in ${targets.length} targets, ${failed.length} failed tests`);
process.exitCode = code;
