import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createTerminalId,
  getTerminalId,
  readCookie,
  serializeTerminalCookie,
  signTerminalId,
  verifyTerminalCookie,
} from '../../src/engine/terminal-cookie.js';

const SECRET = 'a-secret-that-is-long-enough-0123456789';
const CONFIG = { name: 'toopher_terminal', maxAgeMs: 400 * 24 * 60 * 60 * 1000 };

function fakeResponse() {
  const headers = new Map<string, unknown>();
  return {
    headers,
    headersSent: false,
    getHeader: (name: string) => headers.get(name) as string | readonly string[] | undefined,
    setHeader: (name: string, value: unknown) => headers.set(name, value),
  };
}

test('makes ids with at least 128 bits of entropy', () => {
  const ids = new Set(Array.from({ length: 100 }, () => createTerminalId()));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{24}$/);
});

test('verifies its own signature and refuses tampering', () => {
  const id = createTerminalId();
  const value = signTerminalId(id, SECRET);
  assert.equal(verifyTerminalCookie(value, SECRET), id);
  assert.equal(verifyTerminalCookie(value, `${SECRET}x`), undefined);
  const [, mac] = value.split('.');
  assert.equal(verifyTerminalCookie(`${createTerminalId()}.${mac ?? ''}`, SECRET), undefined);
  for (const bad of [undefined, '', id, `${id}.`, `${value}x`, 'a.b.c', `${id} .${mac ?? ''}`]) {
    assert.equal(verifyTerminalCookie(bad, SECRET), undefined, String(bad));
  }
});

test('reads a cookie from a Cookie header', () => {
  assert.equal(readCookie('a=1; toopher_terminal=abc; b=2', 'toopher_terminal'), 'abc');
  assert.equal(readCookie('toopher_terminal="quoted"', 'toopher_terminal'), 'quoted');
  assert.equal(readCookie('x_toopher_terminal=no', 'toopher_terminal'), undefined);
  assert.equal(readCookie('toopher_terminal=%E0%A4%A', 'toopher_terminal'), undefined);
  assert.equal(readCookie(undefined, 'toopher_terminal'), undefined);
});

test('serializes a long-lived httpOnly SameSite=Lax cookie, Secure only on https', () => {
  const plain = serializeTerminalCookie(CONFIG, 'v', false);
  assert.match(plain, /^toopher_terminal=v; Path=\/; Max-Age=34560000; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
  assert.match(serializeTerminalCookie(CONFIG, 'v', true), /; Secure$/);
});

test('issues a new id once per request when the cookie is missing or tampered', () => {
  const res = fakeResponse();
  const req = { headers: { cookie: 'toopher_terminal=forged.value' }, secure: true, res };
  const id = getTerminalId(req, CONFIG, SECRET);
  assert.equal(getTerminalId(req, CONFIG, SECRET), id);
  const cookies = res.headers.get('set-cookie') as string[];
  assert.equal(cookies.length, 1);
  assert.match(cookies[0] ?? '', /; Secure$/);
  const next = { headers: { cookie: `toopher_terminal=${signTerminalId(id, SECRET)}` }, res: fakeResponse() };
  assert.equal(getTerminalId(next, CONFIG, SECRET), id);
  assert.equal(next.res.headers.size, 0);
});

test('keeps Set-Cookie headers set before it', () => {
  const res = fakeResponse();
  res.setHeader('set-cookie', 'session=1');
  getTerminalId({ headers: {}, res }, CONFIG, SECRET);
  const cookies = res.headers.get('set-cookie') as string[];
  assert.equal(cookies[0], 'session=1');
  assert.match(cookies[1] ?? '', /^toopher_terminal=/);
});
