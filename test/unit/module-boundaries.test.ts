import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// build/test/unit/x.js -> repository root
const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const srcDir = join(root, 'src');

/** Which top-level parts of src/ each part may import (docs/architecture.md, "Which way things run"). */
const allowed: Record<string, readonly string[]> = {
  api: ['api', 'internal', 'errors'],
  engine: ['engine', 'api', 'errors', 'internal'],
  strategy: ['strategy', 'engine', 'errors', 'internal'],
  middleware: ['middleware', 'engine', 'strategy', 'api', 'views', 'errors', 'internal'],
  views: ['views', 'internal'],
  sandbox: ['sandbox', 'internal', 'errors'],
  redis: ['redis', 'engine', 'internal', 'errors'],
  // toopher-server reuses the sandbox's v1 API and domain: one implementation behind both.
  server: ['server', 'sandbox', 'internal', 'errors'],
  internal: ['internal'],
};

/** Packages a part must never import. */
const forbiddenPackages: Record<string, readonly string[]> = {
  api: ['express', 'passport', 'express-session'],
  sandbox: ['oauth-1.0a', 'got'],
  views: ['express', 'passport'],
  engine: ['express', 'passport', 'express-session'],
  // RedisSharedStore takes any client structurally; neither library is a dependency.
  redis: ['redis', 'ioredis', '@redis/client'],
  // The server is the API's other side: it never uses the client's signing or HTTP stack.
  server: ['oauth-1.0a', 'got', 'passport', 'express-session'],
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
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
}

test('every src import follows the module boundaries of docs/architecture.md', () => {
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

test('no src files import each other in a circle', () => {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(srcDir)) {
    const targets = importsOf(file)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => resolve(file, '..', spec).replace(/\.js$/, '.ts'));
    graph.set(file, targets);
  }
  const done = new Set<string>();
  const onPath: string[] = [];
  const circles: string[] = [];
  const visit = (file: string): void => {
    const at = onPath.indexOf(file);
    if (at !== -1) {
      circles.push([...onPath.slice(at), file].map((f) => relative(root, f)).join(' -> '));
      return;
    }
    if (done.has(file)) return;
    onPath.push(file);
    for (const target of graph.get(file) ?? []) visit(target);
    onPath.pop();
    done.add(file);
  };
  for (const file of graph.keys()) visit(file);
  assert.deepEqual(circles, []);
});
