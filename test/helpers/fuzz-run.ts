import type { TestContext } from 'node:test';
import * as fc from 'fast-check';

/**
 * Seeded property runs for the fuzz tests. `npm test` runs a few hundred
 * cases per target; `node build/bench/fuzz.js` sets `FUZZ_RUNS=10000`. The
 * seed is fixed per target (derived from its name), so a failure replays;
 * `FUZZ_SEED=<n>` explores other inputs. Each target reports its count.
 */

/** Cases per target: `FUZZ_RUNS`, else 300. */
export function fuzzRuns(fallback = 300): number {
  const value = Number(process.env['FUZZ_RUNS']);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** The seed of target `name`: fixed unless `FUZZ_SEED` is set. */
export function fuzzSeed(name: string): number {
  const base = Number(process.env['FUZZ_SEED'] ?? 0x5eed);
  return (hash(name) ^ (Number.isFinite(base) ? base : 0x5eed)) | 0;
}

/**
 * Checks `property` on `runs` generated values (seeded by `name`), then
 * reports `fuzz <name>: <n> cases (seed <s>)` as a test diagnostic and on
 * stdout when `FUZZ_VERBOSE=1`. Shrinks and throws fast-check's report on a failure.
 */
export async function fuzz<T>(
  t: TestContext,
  name: string,
  arbitrary: fc.Arbitrary<T>,
  property: (value: T) => Promise<void>,
  runs = fuzzRuns(),
): Promise<number> {
  const seed = fuzzSeed(name);
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      cases++;
      await property(value);
    }),
    { numRuns: runs, seed, includeErrorInReport: true },
  );
  const line = `fuzz ${name}: ${runs} cases passed (${cases} evaluated, seed ${seed})`;
  t.diagnostic(line);
  if (process.env['FUZZ_VERBOSE'] === '1') console.log(line);
  return runs;
}

/**
 * Records unhandled rejections and uncaught exceptions while a fuzz file
 * runs; `assertNone()` fails if any happened. (Installing the listeners
 * keeps the process alive so the test can report what went wrong.)
 */
export function trackProcessErrors(): { assertNone(): void; dispose(): void } {
  const seen: unknown[] = [];
  const onError = (err: unknown): void => {
    seen.push(err);
  };
  process.on('unhandledRejection', onError);
  process.on('uncaughtException', onError);
  return {
    assertNone() {
      if (seen.length > 0) {
        const first = seen[0];
        throw new Error(`${seen.length} unhandled error(s); first: ${first instanceof Error ? first.stack : String(first)}`);
      }
    },
    dispose() {
      process.off('unhandledRejection', onError);
      process.off('uncaughtException', onError);
    },
  };
}
