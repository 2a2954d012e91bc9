import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packTarball, run, type PackedTarball } from '../helpers/pack.js';
import { repoRoot } from '../helpers/processes.js';

// The tarball as npm would publish it: contents, publint, are-the-types-wrong.

let tarball: PackedTarball;

before(async () => {
  tarball = await packTarball();
});

after(async () => {
  await tarball?.remove();
});

test('the tarball holds dist, README, LICENSE, CHANGELOG and package.json only', () => {
  const paths = tarball.files.map((f) => f.path);
  for (const required of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts', 'dist/redis/index.js', 'dist/sandbox/cli.js', 'dist/views/assets/toopher.css', 'dist/views/assets/toopher.js', 'dist/views/assets/toopher-iframe.js', 'dist/server/app/index.html', 'dist/server/app/sw.js', 'dist/server/app/manifest.webmanifest', 'dist/server/app/icon-512.png']) {
    assert.ok(paths.includes(required), `${required} is missing`);
  }
  const stray = paths.filter((p) => !/^(dist\/.+\.(js|d\.ts)|dist\/views\/assets\/[a-z-]+\.css|dist\/server\/app\/[a-z0-9-]+\.(css|html|png|webmanifest)|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(p));
  assert.deepEqual(stray, [], 'no source maps, sources, tests, build info or other files');
});

test('no shipped file points at a source map', async () => {
  const pointing: string[] = [];
  for (const { path } of tarball.files.filter((f) => f.path.startsWith('dist/'))) {
    if ((await readFile(join(repoRoot, path), 'utf8')).includes('sourceMappingURL')) pointing.push(path);
  }
  assert.deepEqual(pointing, []);
});

test('the CLI is executable in the tarball', () => {
  const cli = tarball.files.find((f) => f.path === 'dist/sandbox/cli.js');
  assert.ok(cli !== undefined && (cli.mode & 0o111) !== 0, `mode ${cli?.mode.toString(8)}`);
});

test('installing from the registry runs no build or install script', async () => {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const hook of ['preinstall', 'install', 'postinstall']) assert.equal(pkg.scripts[hook], undefined, hook);
});

test('publint finds nothing to report on the tarball', async () => {
  const data = await readFile(tarball.path);
  const tar = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: tar }, level: 'suggestion', strict: true });
  assert.deepEqual(messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`), []);
});

test('are-the-types-wrong (esm-only profile) finds no problem in any entry point', async () => {
  const attw = join(repoRoot, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  const result = await run(process.execPath, [attw, tarball.path, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color', '--no-emoji'], {
    cwd: tarball.dir,
  }).catch((err: { stdout?: string; stderr?: string }) => {
    assert.fail(`attw reported problems:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  });
  assert.match(result.stdout, /"passport-toopher\/redis"/);
});

test('installing the tarball runs no script of ours (the build happens at pack time)', async () => {
  const manifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) {
    assert.equal(manifest.scripts?.[hook], undefined, `${hook} would run when a user installs the package from git or a tarball`);
  }
  assert.equal(manifest.scripts?.['prepack'], 'npm run build');
});
