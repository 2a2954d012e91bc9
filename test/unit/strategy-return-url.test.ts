import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeReturnPath } from '../../src/strategy/return-url.js';

test('accepts same-origin paths', () => {
  assert.equal(safeReturnPath('/'), '/');
  assert.equal(safeReturnPath('/account?tab=1#top'), '/account?tab=1#top');
  assert.equal(safeReturnPath('/a/../b'), '/b');
  assert.equal(safeReturnPath('/%0d%0aSet-Cookie:x'), '/%0d%0aSet-Cookie:x');
});

test('refuses other origins and tricks', () => {
  for (const value of [
    'https://evil.example',
    'http://evil.example/',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    'evil.example',
    '/\tevil',
    '',
    `/${'a'.repeat(3000)}`,
    42,
    undefined,
    ['/'],
  ]) {
    assert.equal(safeReturnPath(value), undefined, String(value));
  }
});
