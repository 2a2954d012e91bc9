import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as root from 'passport-toopher';
import * as redis from 'passport-toopher/redis';
import * as sandbox from 'passport-toopher/sandbox';
import { PACKAGE_VERSION } from '../../src/internal/version.js';

// Adding a name is a feature; removing or renaming one is a breaking change.
test('passport-toopher exports exactly the documented runtime names', () => {
  assert.deepEqual(Object.keys(root).sort(), [
    'MemorySharedStore',
    'PairingDeactivatedError',
    'TerminalUnknownError',
    'ToopherApi',
    'ToopherApiError',
    'ToopherConfigError',
    'ToopherError',
    'ToopherIframe',
    'ToopherIframeError',
    'ToopherNetworkError',
    'ToopherResponseError',
    'ToopherStrategy',
    'ToopherTimeoutError',
    'ToopherUnavailableError',
    'UserDisabledError',
    'UserUnknownError',
    'createToopher',
    'isToopherApiError',
  ]);
});

test('passport-toopher/sandbox exports exactly the documented runtime names', () => {
  assert.deepEqual(Object.keys(sandbox).sort(), ['SandboxError', 'createRandomConsumer', 'createSandbox']);
});

test('passport-toopher/redis exports exactly the documented runtime names', () => {
  assert.deepEqual(Object.keys(redis).sort(), ['RedisSharedStore']);
});

test('every API error class is a ToopherApiError and a ToopherError', () => {
  for (const ErrorClass of [
    root.UserDisabledError,
    root.UserUnknownError,
    root.TerminalUnknownError,
    root.PairingDeactivatedError,
    root.ToopherNetworkError,
    root.ToopherTimeoutError,
    root.ToopherResponseError,
  ]) {
    const err = new ErrorClass('x');
    assert.ok(err instanceof root.ToopherApiError, ErrorClass.name);
    assert.ok(err instanceof root.ToopherError, ErrorClass.name);
    assert.equal(err.name, ErrorClass.name);
  }
});

test('the version sent in the User-Agent matches package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(PACKAGE_VERSION, pkg.version);
});
