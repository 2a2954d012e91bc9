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

test('refuses paths that normalise to a protocol-relative URL', () => {
  for (const value of [
    '/..//evil.example',
    '/.//evil.example',
    '/%2e%2e//evil.example',
    '/%2E%2E//evil.example',
    '/a/..//evil.example',
    '/a/%2e%2e//evil.example',
    '/\\evil',
    '%2f%2fevil',
    '\t//evil',
  ]) {
    assert.equal(safeReturnPath(value), undefined, value);
  }
});

test('keeps encoded slashes and query text that browsers do not treat as a host', () => {
  assert.equal(safeReturnPath('/%2f%2fevil'), '/%2f%2fevil');
  assert.equal(safeReturnPath('/a?next=//evil.example'), '/a?next=//evil.example');
});
