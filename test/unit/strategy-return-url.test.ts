import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refererPath, safeReturnPath, sameOriginPath } from '../../src/strategy/return-url.js';

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

test('sameOriginPath keeps a same-origin path byte for byte and refuses everything else', () => {
  for (const path of ['/', '/a/b?c=%20d', '/report?q="x"|y', '/a/../b']) assert.equal(sameOriginPath(path), path);
  for (const bad of ['//evil.example/x', '/\\evil.example', '/a\\b', 'https://evil.example/', 'javascript:alert(1)', '/%2e%2e//evil.example', '/..//evil.example', '/a\u0000', '', 'relative', 42, undefined]) {
    assert.equal(sameOriginPath(bad), undefined, JSON.stringify(bad));
  }
});

test('refererPath takes the path of a Referer of this host only', () => {
  assert.equal(refererPath('http://app.test:3000/account?tab=1', 'app.test:3000'), '/account?tab=1');
  assert.equal(refererPath('https://APP.test/x', 'app.test'), '/x');
  assert.equal(refererPath('https://evil.example/x', 'app.test'), undefined);
  assert.equal(refererPath('http://app.test//evil.example/x', 'app.test'), undefined);
  assert.equal(refererPath('javascript:alert(1)', 'app.test'), undefined);
  assert.equal(refererPath('not a url', 'app.test'), undefined);
  assert.equal(refererPath(undefined, 'app.test'), undefined);
  assert.equal(refererPath('http://app.test/x', undefined), undefined);
});
