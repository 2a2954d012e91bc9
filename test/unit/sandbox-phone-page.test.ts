import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PHONE_CSS, renderPhonePage, type PhonePageModel } from '../../src/sandbox/phone-page.js';

const user = { id: 'u1', name: 'A&B "q"', toopher_authentication_enabled: true, disable_toopher_auth: false, requester: { id: 'r', name: 'Req <1>' } };

const NOW = Date.UTC(2026, 0, 2, 10, 0, 0);

const model: PhonePageModel = {
  phrases: [{ phrase: 'brave amber turtle', expiresAt: NOW + 60_000 }],
  now: NOW,
  pendingTimeoutMs: 90_000,
  pairings: [{ pairing: { id: 'p1', enabled: true, pending: false, deactivated: false, otp_required: false, totp_length: 6, reason: '', user }, otp: '123456' }],
  requests: [],
  userNames: ['A&B "q"'],
  userName: 'A&B "q"',
  notice: '<notice>',
  refreshSeconds: 2,
  returnTo: '/phone?user_name=A%26B',
  showRequester: true,
  token: 'tok&en',
};

test('every form carries the control token', () => {
  const html = renderPhonePage(model);
  const forms = html.match(/<form method="post"[^]*?<\/form>/g) ?? [];
  assert.ok(forms.length >= 2);
  for (const form of forms) assert.match(form, /<input type="hidden" name="sandbox_token" value="tok&amp;en">/);
});

test('escapes every user-controlled value, in text and attributes', () => {
  const html = renderPhonePage(model);
  assert.match(html, /A&amp;B &quot;q&quot;/);
  assert.match(html, /Req &lt;1&gt;/);
  assert.match(html, /&lt;notice&gt;/);
  assert.doesNotMatch(html, /<notice>|A&B "q"/);
});

test('lists phrases, the current OTP and a Deactivate button for an active pairing', () => {
  const html = renderPhonePage(model);
  assert.match(html, /brave amber turtle/);
  assert.match(html, /<code class="otp">123456<\/code>/);
  assert.match(html, /action="\/sandbox\/pairings\/p1\/deactivate"/);
  assert.doesNotMatch(html, /<script/i);
});

test('shows an empty state and no refresh when turned off', () => {
  const html = renderPhonePage({ ...model, pairings: [], phrases: [], refreshSeconds: undefined, notice: undefined });
  assert.match(html, /No pairings\./);
  assert.match(html, /No authentication requests\./);
  assert.doesNotMatch(html, /http-equiv/);
  assert.match(html, /Turn automatic refresh on/);
});

const request = {
  id: 'a1',
  pending: true,
  granted: false,
  automated: false,
  cancelled: false,
  reason: '',
  reason_code: 0,
  automation_allowed: false,
  challenge_required: false,
  created_seconds_since_epoch: NOW / 1000 - 30,
  terminal: { id: 't1', name: 'Laptop', name_extra: 'x', created_at: '', user },
  user,
  action: { id: 'act', name: 'Log In' },
} as unknown as PhonePageModel['requests'][number];

test('shows when each phrase expires and leaves out one that has expired', () => {
  const html = renderPhonePage({ ...model, phrases: [...model.phrases, { phrase: 'old grey owl', expiresAt: NOW - 1 }] });
  assert.match(html, /brave amber turtle<\/strong> <span class="muted">valid until <time datetime="2026-01-02T10:01:00.000Z">10:01:00<\/time> UTC/);
  assert.doesNotMatch(html, /old grey owl/);
});

test('shows when a request was made and, while pending, when it expires', () => {
  const pending = renderPhonePage({ ...model, requests: [request] });
  assert.match(pending, /<td data-label="Made \(UTC\)"><time datetime="2026-01-02T09:59:30.000Z">09:59:30<\/time>, expires <time datetime="2026-01-02T10:01:00.000Z">10:01:00<\/time><\/td>/);
  const decided = renderPhonePage({ ...model, requests: [{ ...request, pending: false, granted: true }] });
  assert.match(decided, /<td data-label="Made \(UTC\)"><time datetime="2026-01-02T09:59:30.000Z">09:59:30<\/time><\/td>/);
});

test('labels every cell for the narrow layout, where rows become cards', () => {
  const html = renderPhonePage({ ...model, requests: [request] });
  assert.doesNotMatch(html, /<td>/);
  assert.match(PHONE_CSS, /@media \(max-width:40rem\)\{[^]*td::before\{content:attr\(data-label\)/);
});
