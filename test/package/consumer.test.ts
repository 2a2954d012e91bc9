import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CJS_APP, CONSUMER_DEPENDENCIES, CONSUMER_TSCONFIG, ESM_APP } from '../helpers/consumer-apps.js';
import { packTarball, run, type PackedTarball } from '../helpers/pack.js';
import { repoRoot } from '../helpers/processes.js';

// A user's project: `npm install` of the packed tarball plus what the README
// names, then an ESM app and a CommonJS app, typechecked with
// skipLibCheck: false and run.

let tarball: PackedTarball;
let project: string;
const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

before(async () => {
  tarball = await packTarball();
  project = join(tarball.dir, 'consumer');
  await mkdir(project);
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, dependencies: { 'passport-toopher': `file:${tarball.path}`, ...CONSUMER_DEPENDENCIES } }),
  );
  // The npm cache of this checkout serves most of it; only the registry is reached.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, maxBuffer: 16 * 1024 * 1024 });
  for (const [flavour, type, source] of [
    ['esm', 'module', ESM_APP],
    ['cjs', 'commonjs', CJS_APP],
  ] as const) {
    await mkdir(join(project, flavour));
    await writeFile(join(project, flavour, 'package.json'), JSON.stringify({ type }));
    await writeFile(join(project, flavour, 'tsconfig.json'), CONSUMER_TSCONFIG);
    await writeFile(join(project, flavour, 'app.ts'), source);
  }
});

after(async () => {
  await tarball?.remove();
});

async function typecheckAndBuild(flavour: 'esm' | 'cjs'): Promise<void> {
  await run(process.execPath, [tsc, '-p', join(project, flavour, 'tsconfig.json')], { cwd: project }).catch(
    (err: { stdout?: string }) => assert.fail(`tsc (${flavour}, skipLibCheck: false) failed:\n${err.stdout ?? ''}`),
  );
}

async function runApp(flavour: 'esm' | 'cjs'): Promise<string> {
  const { stdout } = await run(process.execPath, [join(project, flavour, 'out', 'app.js')], { cwd: project, timeout: 60_000 });
  return stdout;
}

test('the ESM app typechecks against the shipped declarations (skipLibCheck: false)', async () => {
  await typecheckAndBuild('esm');
});

test('the ESM app runs: the middleware answers and the sandbox names its missing install step', async () => {
  await typecheckAndBuild('esm');
  const out = await runApp('esm');
  assert.match(out, /esm status 401 true ToopherError/);
  assert.match(out, /sandbox: .*npm install --save-dev qrcode otplib/);
});

test('the CommonJS app typechecks (module: nodenext, require of the ESM package)', async () => {
  await typecheckAndBuild('cjs');
});

test('the CommonJS app runs with require()', async () => {
  await typecheckAndBuild('cjs');
  assert.match(await runApp('cjs'), /cjs status 401 true ToopherError/);
});
