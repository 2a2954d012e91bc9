import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderPhonePage, type PhonePageModel } from '../../src/sandbox/phone-page.js';

const user = { id: 'u1', name: 'A&B "q"', toopher_authentication_enabled: true, disable_toopher_auth: false, requester: { id: 'r', name: 'Req <1>' } };

const model: PhonePageModel = {
  phrases: ['brave amber turtle'],
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
