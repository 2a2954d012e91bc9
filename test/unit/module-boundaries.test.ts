import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// build/test/unit/x.js -> repository root
const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const srcDir = join(root, 'src');

/** Which top-level parts of src/ each part may import (STYLE.md §4). */
const allowed: Record<string, readonly string[]> = {
  api: ['api', 'internal', 'errors'],
  strategy: ['strategy', 'api', 'errors', 'internal'],
  middleware: ['middleware', 'strategy', 'api', 'views', 'errors', 'internal'],
  views: ['views', 'internal'],
  sandbox: ['sandbox', 'internal', 'errors'],
  redis: ['redis', 'strategy', 'internal', 'errors'],
  internal: ['internal'],
};

/** Packages a part must never import. */
const forbiddenPackages: Record<string, readonly string[]> = {
  api: ['express', 'passport', 'express-session'],
  sandbox: ['oauth-1.0a', 'got'],
  views: ['express', 'passport'],
  // RedisSharedStore takes any client structurally; neither library is a dependency.
  redis: ['redis', 'ioredis', '@redis/client'],
};

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function partOf(file: string): string {
  const rel = relative(srcDir, file).split(sep);
  return rel.length === 1 ? (rel[0] ?? '').replace(/\.ts$/, '') : (rel[0] ?? '');
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
}

test('every src import follows the module boundaries of the style guide', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(srcDir)) {
    const part = partOf(file);
    const permitted = allowed[part];
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) {
        const target = partOf(resolve(file, '..', spec).replace(/\.js$/, '.ts'));
        if (permitted !== undefined && !permitted.includes(target)) {
          violations.push(`${relative(root, file)} imports ${spec} (${part} -> ${target})`);
        }
      } else if (forbiddenPackages[part]?.some((p) => spec === p || spec.startsWith(`${p}/`))) {
        violations.push(`${relative(root, file)} imports package ${spec}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('example-app and browser tests import the package by name, never from src', () => {
  const offenders = ['example-app', join('test', 'e2e')]
    .flatMap((dir) => sourceFiles(join(root, dir)))
    .filter((file) => importsOf(file).some((spec) => /(^|\/)src\//.test(spec)))
    .map((file) => relative(root, file));
  assert.deepEqual(offenders, []);
});
