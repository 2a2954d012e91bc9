import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './processes.js';

export const run = promisify(execFile);

export interface PackedTarball {
  /** Absolute path of the .tgz. */
  readonly path: string;
  /** The temporary directory holding it (and anything the test adds). */
  readonly dir: string;
  /** Paths inside the package, as `npm pack` lists them. */
  readonly files: readonly { readonly path: string; readonly mode: number }[];
  remove(): Promise<void>;
}

/**
 * `npm pack` of the repository into a fresh temporary directory, exactly as
 * it would be published, from the `dist/` that `npm test` has just built
 * (scripts are skipped so that packing does not rebuild).
 */
export async function packTarball(): Promise<PackedTarball> {
  const dir = await mkdtemp(join(tmpdir(), 'passport-toopher-pack-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [result] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string; mode: number }> }>;
  if (result === undefined) throw new Error(`npm pack printed no result: ${stdout}`);
  return {
    path: join(dir, result.filename),
    dir,
    files: result.files,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
