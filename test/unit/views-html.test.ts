import assert from 'node:assert/strict';
import { test } from 'node:test';

import { html, raw, renderDocument, safeUrl, escapeHtml } from '../../src/views/index.js';
import { defaultStrings, formatString, resolveStrings } from '../../src/views/index.js';

void test('html escapes interpolated strings and numbers', () => {
  const value = `<script>alert("x&y")</script>'`;
  assert.equal(html`<p title="${value}">${value}${42}</p>`.value,
    '<p title="&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;">' +
      '&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;42</p>');
});

void test('html keeps unicode text as it is', () => {
  assert.equal(html`<p>${'Grüße 🙂 “quoted”'}</p>`.value, '<p>Grüße 🙂 “quoted”</p>');
});

void test('html inserts nested html and raw markup without escaping it again', () => {
  const inner = html`<b>${'a&b'}</b>`;
  assert.equal(html`<p>${inner}${raw('<i>trusted</i>')}</p>`.value, '<p><b>a&amp;b</b><i>trusted</i></p>');
});

void test('html drops false, null and undefined and joins arrays', () => {
  assert.equal(html`<p>${false}${null}${undefined}${['<', html`<br>`, 1]}</p>`.value, '<p>&lt;<br>1</p>');
});

void test('escapeHtml escapes the five significant characters', () => {
  assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
});

void test('renderDocument builds an HTML5 document with lang, title, stylesheet and optional script', () => {
  const page = renderDocument({ lang: 'de', title: 'A <b>', basePath: '/toopher/', body: html`<main></main>`, withScript: true });
  assert.match(page, /^<!doctype html>\n<html lang="de">/);
  assert.match(page, /<title>A &lt;b&gt;<\/title>/);
  assert.match(page, /<link rel="stylesheet" href="\/toopher\/assets\/toopher.css">/);
  assert.match(page, /<script src="\/toopher\/assets\/toopher.js" defer><\/script>/);
  assert.match(page, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
});

void test('renderDocument leaves the script out unless asked', () => {
  const page = renderDocument({ lang: 'en', title: 't', basePath: '/t', body: html`<main></main>` });
  assert.doesNotMatch(page, /<script/);
});

void test('safeUrl keeps relative and http(s) URLs and neutralises other schemes', () => {
  assert.equal(safeUrl('/toopher/pair?x=1&y=2'), '/toopher/pair?x=1&y=2');
  assert.equal(safeUrl('https://app.example/x'), 'https://app.example/x');
  assert.equal(safeUrl('javascript:alert(1)'), '#');
  assert.equal(safeUrl(' JaVaScRiPt:alert(1)'), '#');
  assert.equal(safeUrl('java\tscript:alert(1)'), '#');
  assert.equal(safeUrl('data:text/html,<script>1</script>'), '#');
  assert.equal(safeUrl('data:image/png;base64,iVBORw0KGgo=', { allowDataImage: true }), 'data:image/png;base64,iVBORw0KGgo=');
  assert.equal(safeUrl('data:image/svg+xml;base64,PHN2Zz4=', { allowDataImage: true }), '#');
});

void test('resolveStrings overrides only known keys with string values', () => {
  const s = resolveStrings({ pairTitle: 'Telefon koppeln', lang: 'de', ...({ bogus: 'x', otpLabel: 3 } as object) });
  assert.equal(s.pairTitle, 'Telefon koppeln');
  assert.equal(s.lang, 'de');
  assert.equal(s.otpLabel, defaultStrings.otpLabel);
  assert.equal(Object.hasOwn(s, 'bogus'), false);
});

void test('defaultStrings is frozen and holds only non-empty strings', () => {
  assert.ok(Object.isFrozen(defaultStrings));
  for (const [key, value] of Object.entries(defaultStrings)) {
    assert.equal(typeof value, 'string', key);
    assert.notEqual(value, '', key);
  }
});

void test('formatString fills placeholders and leaves unknown ones', () => {
  assert.equal(formatString('Approve “{action}” in {time} {missing}', { action: 'Pay', time: '1:05' }),
    'Approve “Pay” in 1:05 {missing}');
});
