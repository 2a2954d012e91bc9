import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  defaultStrings,
  renderNameTerminalPage,
  renderPairPage,
  noScriptRefreshSeconds,
  renderPendingPage,
  renderReplayPage,
  renderResultPage,
  type PendingPageModel,
} from '../../src/views/index.js';

const HOSTILE = `"><script>alert('x&y')</script><b onclick="1">é 🙂`;
const HOSTILE_ESCAPED = '&quot;&gt;&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;&lt;b onclick=&quot;1&quot;&gt;é 🙂';
const CSRF = 'csrf-token-123';

interface Tag {
  readonly name: string;
  readonly attrs: ReadonlyMap<string, string>;
}

/**
 * Splits a page into start tags and checks each is well formed: attribute
 * values are double quoted and contain no raw quote or angle bracket (so no
 * injected value can open a tag or an attribute).
 */
function startTags(page: string): Tag[] {
  const tags: Tag[] = [];
  for (const match of page.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    const [, name = '', rest = ''] = match;
    const attrs = new Map<string, string>();
    const attrPattern = /\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"<>]*)")?/y;
    let index = 0;
    while (index < rest.length) {
      attrPattern.lastIndex = index;
      const attr = attrPattern.exec(rest);
      assert.ok(attr, `malformed tag <${name}${rest}>`);
      attrs.set((attr[1] ?? '').toLowerCase(), attr[2] ?? '');
      index = attrPattern.lastIndex;
    }
    tags.push({ name: name.toLowerCase(), attrs });
  }
  return tags;
}

function assertCspSafe(page: string): void {
  const tags = startTags(page);
  for (const tag of tags) {
    for (const name of tag.attrs.keys()) {
      assert.ok(!name.startsWith('on'), `event handler attribute ${name} on <${tag.name}>`);
      assert.notEqual(name, 'style', `style attribute on <${tag.name}>`);
    }
    if (tag.name === 'script') assert.ok(tag.attrs.has('src'), 'inline <script> without src');
    assert.notEqual(tag.name, 'style', 'inline <style> element');
  }
}

function assertDocument(page: string): void {
  assert.match(page, /^<!doctype html>\n<html lang="en">/);
  assert.equal(page.match(/<main[\s>]/g)?.length, 1, 'exactly one <main>');
  assert.equal(page.match(/<h1>/g)?.length, 1, 'exactly one <h1>');
  assert.match(page, /<title>[^<]+<\/title>/);
}

/** Every form, as its opening tag plus contents. */
function forms(page: string): string[] {
  return [...page.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)].map((m) => m[0]);
}

function assertCsrfOnEveryForm(page: string): void {
  const all = forms(page);
  assert.ok(all.length > 0);
  for (const form of all) {
    assert.ok(form.includes(`<input type="hidden" name="_csrf" value="${CSRF}">`), `form without _csrf: ${form.slice(0, 80)}`);
  }
}

function input(page: string, name: string): ReadonlyMap<string, string> {
  const tag = startTags(page).find((t) => t.name === 'input' && t.attrs.get('name') === name);
  assert.ok(tag, `no input named ${name}`);
  return tag.attrs;
}

/** The visible label text tied to the input named `name` through for/id. */
function labelFor(page: string, name: string): string {
  const id = input(page, name).get('id');
  assert.ok(id !== undefined && id !== '', `input ${name} has no id`);
  const match = new RegExp(`<label for="${id}">([^<]*)</label>`).exec(page);
  assert.ok(match, `no <label for="${id}">`);
  return match[1] ?? '';
}

function describedBy(page: string, name: string): string[] {
  return (input(page, name).get('aria-describedby') ?? '').split(' ').filter(Boolean);
}

const pending: PendingPageModel = {
  basePath: '/toopher',
  csrfToken: CSRF,
  kind: 'login',
  id: 'req-1',
  statusUrl: '/toopher/pending/req-1/status',
  checkAction: '/toopher/pending/req-1/check',
  expiresAt: 1_700_000_090_000,
  now: 1_700_000_000_000,
  refreshSeconds: 5,
};

void describe('pair page', () => {
  const page = renderPairPage({ basePath: '/toopher', csrfToken: CSRF, action: '/toopher/pair' });

  void test('renders the pairing phrase field with its label and autocomplete off', () => {
    assertDocument(page);
    assert.equal(labelFor(page, 'pairing_phrase'), 'Pairing phrase');
    assert.equal(input(page, 'pairing_phrase').get('autocomplete'), 'off');
    assert.equal(input(page, 'pairing_phrase').get('type'), 'text');
    assert.match(page, /<form method="post" action="\/toopher\/pair">/);
  });

  void test('carries the CSRF token on every form and is CSP safe', () => {
    const full = renderPairPage({ basePath: '/toopher', csrfToken: CSRF, action: '/p', qrAction: '/q', skipAction: '/s' });
    assert.equal(forms(full).length, 3);
    assertCsrfOnEveryForm(full);
    assertCspSafe(full);
  });

  void test('shows the QR and skip forms only when their actions are given', () => {
    assert.equal(forms(page).length, 1);
    assert.doesNotMatch(page, new RegExp(defaultStrings.pairSkip));
    const full = renderPairPage({ basePath: '/toopher', csrfToken: CSRF, action: '/p', qrAction: '/q', skipAction: '/s' });
    assert.match(full, /action="\/q"[\s\S]*Show a QR code/);
    assert.match(full, /action="\/s"[\s\S]*Skip for now/);
  });

  void test('ties the error to the input and re-fills the phrase', () => {
    const withError = renderPairPage({
      basePath: '/toopher', csrfToken: CSRF, action: '/p', error: 'Wrong phrase', pairingPhrase: 'awkward turtle',
    });
    assert.equal(input(withError, 'pairing_phrase').get('value'), 'awkward turtle');
    assert.equal(input(withError, 'pairing_phrase').get('aria-invalid'), 'true');
    assert.ok(describedBy(withError, 'pairing_phrase').includes('toopher-pairing-phrase-error'));
    assert.match(withError, /<p class="toopher-error" id="toopher-pairing-phrase-error" role="alert">Wrong phrase<\/p>/);
    assert.equal(input(page, 'pairing_phrase').has('aria-invalid'), false);
  });

  void test('escapes hostile values in every field', () => {
    const hostile = renderPairPage({
      basePath: '/toopher', csrfToken: HOSTILE, action: HOSTILE, qrAction: HOSTILE, skipAction: HOSTILE,
      notice: HOSTILE, error: HOSTILE, pairingPhrase: HOSTILE,
    });
    assertCspSafe(hostile);
    assert.ok(!hostile.includes('<script>alert'));
    assert.ok(hostile.includes(HOSTILE_ESCAPED));
    assert.equal(input(hostile, 'pairing_phrase').get('value'), HOSTILE_ESCAPED);
  });

  void test('uses translated strings and the language tag from the model', () => {
    const de = renderPairPage({
      basePath: '/toopher', csrfToken: CSRF, action: '/p', strings: { lang: 'de', pairingPhraseLabel: 'Kopplungsphrase' },
    });
    assert.match(de, /<html lang="de">/);
    assert.equal(labelFor(de, 'pairing_phrase'), 'Kopplungsphrase');
  });
});

void describe('name terminal page', () => {
  void test('renders the terminal name field pre-filled with the suggestion', () => {
    const page = renderNameTerminalPage({ basePath: '/toopher', csrfToken: CSRF, action: '/toopher/terminal', suggestedName: 'Chrome on Linux' });
    assertDocument(page);
    assertCspSafe(page);
    assertCsrfOnEveryForm(page);
    assert.equal(labelFor(page, 'terminal_name'), 'Terminal name');
    assert.equal(input(page, 'terminal_name').get('value'), 'Chrome on Linux');
  });

  void test('prefers the typed value and ties the error to the input', () => {
    const page = renderNameTerminalPage({
      basePath: '/toopher', csrfToken: CSRF, action: '/t', suggestedName: 'Chrome on Linux', value: 'My laptop', error: 'Too long',
    });
    assert.equal(input(page, 'terminal_name').get('value'), 'My laptop');
    assert.ok(describedBy(page, 'terminal_name').includes('toopher-terminal-name-error'));
    assert.match(page, /id="toopher-terminal-name-error" role="alert">Too long</);
  });

  void test('escapes hostile values', () => {
    const page = renderNameTerminalPage({
      basePath: HOSTILE, csrfToken: HOSTILE, action: HOSTILE, suggestedName: HOSTILE, error: HOSTILE,
    });
    assertCspSafe(page);
    assert.ok(!page.includes('<script>alert'));
    assert.equal(input(page, 'terminal_name').get('value'), HOSTILE_ESCAPED);
  });
});

void describe('pending page', () => {
  const page = renderPendingPage(pending);

  void test('tells the user to check the phone and shows the server-side countdown', () => {
    assertDocument(page);
    assert.match(page, /<h1>Approve this sign-in<\/h1>/);
    assert.match(page, /Check your phone/);
    // Not a live region: it would be read out every second.
    assert.match(page, /<p class="toopher-countdown" id="toopher-countdown">Time left: 1:30<\/p>/);
    assert.match(page, /id="toopher-state" role="status" aria-live="polite">Waiting for your phone/);
  });

  void test('has the meta refresh inside noscript in the head', () => {
    const head = page.slice(0, page.indexOf('</head>'));
    assert.match(head, /<noscript><meta http-equiv="refresh" content="5"><\/noscript>/);
    assert.equal(page.match(/http-equiv="refresh"/g)?.length, 1);
  });

  void test('gives the script its data attributes and loads it from the assets path', () => {
    const root = startTags(page).find((t) => t.attrs.get('id') === 'toopher-pending');
    assert.ok(root);
    assert.equal(root.attrs.get('data-status-url'), '/toopher/pending/req-1/status');
    assert.equal(root.attrs.get('data-expires-at'), '1700000090000');
    assert.equal(root.attrs.get('data-now'), '1700000000000');
    assert.equal(root.attrs.get('data-countdown-template'), defaultStrings.countdown);
    assert.match(page, /<script src="\/toopher\/assets\/toopher.js" defer><\/script>/);
  });

  void test('has the check form with a Check again button, the request id and CSRF token', () => {
    assert.match(page, /<form id="toopher-check" method="post" action="\/toopher\/pending\/req-1\/check">/);
    const [check] = forms(page);
    assert.ok(check?.includes('<input type="hidden" name="id" value="req-1">'));
    // Secondary while the page checks by itself.
    assert.ok(check?.includes('<button type="submit" class="toopher-secondary">Check again</button>'));
    assertCsrfOnEveryForm(page);
    assertCspSafe(page);
  });

  void test('shows the one-time password form only when otpAction is given', () => {
    assert.doesNotMatch(page, /name="otp"/);
    assert.doesNotMatch(page, /One-time password/);
    const withOtp = renderPendingPage({ ...pending, otpAction: '/toopher/pending/req-1/otp', cancelAction: '/c' });
    assert.equal(labelFor(withOtp, 'otp'), 'One-time password');
    const otp = input(withOtp, 'otp');
    assert.equal(otp.get('autocomplete'), 'one-time-code');
    assert.equal(otp.get('inputmode'), 'numeric');
    assert.equal(forms(withOtp).length, 3);
    assertCsrfOnEveryForm(withOtp);
    assertCspSafe(withOtp);
  });

  void test('ties the one-time password error to its input', () => {
    const withError = renderPendingPage({ ...pending, otpAction: '/o', otpError: 'Wrong code' });
    assert.ok(describedBy(withError, 'otp').includes('toopher-otp-error'));
    assert.equal(input(withError, 'otp').get('aria-invalid'), 'true');
    assert.match(withError, /id="toopher-otp-error" role="alert">Wrong code</);
  });

  void test('shows the terminal and the action of a guarded action', () => {
    const action = renderPendingPage({ ...pending, kind: 'action', terminalName: 'Chrome on Linux', actionName: 'Transfer money' });
    assert.match(action, /<h1>Approve this action<\/h1>/);
    assert.match(action, /approve “Transfer money”/);
    assert.match(action, /<dt>Terminal<\/dt><dd>Chrome on Linux<\/dd>/);
    assert.match(action, /<dt>Action<\/dt><dd>Transfer money<\/dd>/);
  });

  void test('shows the QR image for a pairing by QR code', () => {
    const qr = renderPendingPage({ ...pending, kind: 'pairing', qrImageUrl: '/toopher/pairing/p-1/qr.png' });
    assert.match(qr, /<h1>Confirm the pairing<\/h1>/);
    const img = startTags(qr).find((t) => t.name === 'img');
    assert.equal(img?.attrs.get('src'), '/toopher/pairing/p-1/qr.png');
    assert.equal(img?.attrs.get('alt'), defaultStrings.qrImageAlt);
  });

  void test('says time is up when already expired', () => {
    const expired = renderPendingPage({ ...pending, now: pending.expiresAt + 1 });
    assert.match(expired, /id="toopher-countdown"[^>]*>Time is up\.<\/p>/);
  });

  void test('shows a decided request with only the check form, no reload, no countdown', () => {
    const decided = renderPendingPage({
      ...pending, state: 'decided', otpAction: '/o', cancelAction: '/c', kind: 'pairing', qrImageUrl: '/qr.png',
    });
    assertDocument(decided);
    assertCspSafe(decided);
    assert.match(decided, /id="toopher-state" role="status" aria-live="polite">Your phone has answered\. Press “Continue”\.</);
    assert.doesNotMatch(decided, /http-equiv="refresh"|id="toopher-countdown"|Check your phone|<img /);
    assert.equal(forms(decided).length, 1);
    assert.ok(forms(decided)[0]?.includes('<button type="submit">Continue</button>'));
    assertCsrfOnEveryForm(decided);
    const translated = renderPendingPage({ ...pending, state: 'decided', strings: { continue: 'Weiter', pendingDecidedNoScript: 'Drücken Sie „{button}“.' } });
    assert.match(translated, />Drücken Sie „Weiter“\.</);
  });

  void test('says the answer could not be checked and keeps reloading when offline', () => {
    const offline = renderPendingPage({ ...pending, state: 'offline' });
    assert.match(offline, /id="toopher-state" role="status" aria-live="polite">The request could not be checked right now/);
    assert.match(offline, /<noscript><meta http-equiv="refresh" content="5"><\/noscript>/);
    assert.match(offline, /<button type="submit">Check again<\/button>/, 'the main button when nothing checks by itself');
  });

  void test('escapes hostile values and neutralises script URLs', () => {
    const hostile = renderPendingPage({
      ...pending, basePath: HOSTILE, csrfToken: HOSTILE, id: HOSTILE, statusUrl: 'javascript:alert(1)', checkAction: HOSTILE,
      cancelAction: HOSTILE, otpAction: HOSTILE, otpError: HOSTILE, terminalName: HOSTILE, actionName: HOSTILE,
      qrImageUrl: 'javascript:alert(1)', kind: 'action', strings: { countdown: HOSTILE },
    });
    assertCspSafe(hostile);
    assert.ok(!hostile.includes('<script>alert'));
    assert.ok(!hostile.includes('javascript:'));
    assert.ok(hostile.includes(`<dd>${HOSTILE_ESCAPED}</dd>`));
  });
});

void describe('result page', () => {
  void test('renders the title, message and links', () => {
    const page = renderResultPage({
      basePath: '/toopher', title: 'Request denied', message: 'The sign-in was denied on your phone.', status: 'denied',
      retryUrl: '/login', continueUrl: '/', continueLabel: 'Home',
    });
    assertDocument(page);
    assertCspSafe(page);
    assert.match(page, /<main class="toopher toopher-result toopher-result-denied">/);
    assert.match(page, /<h1>Request denied<\/h1>/);
    assert.match(page, /<a class="toopher-button" href="\/login">Try again<\/a>/);
    assert.match(page, /href="\/">Home<\/a>/);
    assert.doesNotMatch(page, /<script/);
  });

  void test('leaves the links out when no URL is given', () => {
    const page = renderResultPage({ basePath: '/toopher', title: 'Done', message: 'ok', status: 'info' });
    assert.doesNotMatch(page, /<a /);
  });

  void test('escapes hostile values', () => {
    const page = renderResultPage({
      basePath: HOSTILE, title: HOSTILE, message: HOSTILE, status: 'error', retryUrl: 'javascript:alert(1)',
      retryLabel: HOSTILE, continueUrl: HOSTILE, continueLabel: HOSTILE,
    });
    assertCspSafe(page);
    assert.ok(!page.includes('<script>alert'));
    assert.ok(!page.includes('javascript:'));
  });
});

void describe('replay page', () => {
  void test('renders form#toopher-replay with hidden fields in order and a Continue button', () => {
    const page = renderReplayPage({
      basePath: '/toopher', action: '/transfer', fields: [['amount', '10'], ['to', 'Bob'], ['to', 'Alice'], ['_csrf', CSRF]],
    });
    assertDocument(page);
    assertCspSafe(page);
    assert.match(page, /<form id="toopher-replay" method="post" action="\/transfer">/);
    assert.match(page, /name="amount" value="10">\n<input type="hidden" name="to" value="Bob">\n<input type="hidden" name="to" value="Alice">/);
    assert.match(page, /<button type="submit">Continue<\/button>/);
    assert.match(page, /<script src="\/toopher\/assets\/toopher.js" defer><\/script>/);
  });

  void test('escapes hostile field names and values', () => {
    const page = renderReplayPage({ basePath: '/toopher', action: HOSTILE, fields: [[HOSTILE, HOSTILE]], message: HOSTILE });
    assertCspSafe(page);
    assert.ok(!page.includes('<script>alert'));
    const hidden = startTags(page).find((t) => t.name === 'input');
    assert.equal(hidden?.attrs.get('name'), HOSTILE_ESCAPED);
    assert.equal(hidden?.attrs.get('value'), HOSTILE_ESCAPED);
  });
});

void test('the pending page takes its intervals from the options: the script polls every pollIntervalMs, no-JS reloads every few seconds', () => {
  const page = renderPendingPage({ ...pending, pollIntervalMs: 2_000, refreshSeconds: noScriptRefreshSeconds(2_000) });
  assert.match(page, /data-poll-interval-ms="2000"/);
  assert.match(page, /<meta http-equiv="refresh" content="3">/);
  assert.equal(noScriptRefreshSeconds(0), 3);
  assert.equal(noScriptRefreshSeconds(1_000), 3);
  assert.equal(noScriptRefreshSeconds(10_500), 11);
  assert.match(renderPendingPage(pending), /data-poll-interval-ms="1000"/);
});
