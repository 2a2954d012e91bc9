import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ToopherApi } from '../../src/api/client.js';
import { ToopherIframe, type IframePostback } from '../../src/api/iframe.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { oauthParameters } from '../helpers/sign-request.js';

/** A browser in the iframe: keeps the sandbox's terminal cookie, follows the session's pages. */
class IframeBrowser {
  private _cookie = '';
  page = '';
  url = '';

  constructor(private readonly _sandbox: Sandbox) {}

  async open(url: string, referer?: string): Promise<number> {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: this._cookie, ...(referer === undefined ? {} : { referer }) } });
    const set = res.headers.get('set-cookie');
    if (set !== null) this._cookie = set.split(';')[0] ?? '';
    if (res.status === 303) return this.load(new URL(res.headers.get('location') ?? '', url).href);
    this.page = await res.text();
    return res.status;
  }

  async load(url = this.url): Promise<number> {
    this.url = url;
    const res = await fetch(url, { headers: { cookie: this._cookie } });
    this.page = await res.text();
    return res.status;
  }

  get stage(): string {
    return /data-stage="([^"]+)"/.exec(this.page)?.[1] ?? /<h1>([^<]+)<\/h1>/.exec(this.page)?.[1] ?? '';
  }

  async submit(action: string, fields: Record<string, string>): Promise<void> {
    const token = /name="form_token" value="([^"]+)"/.exec(this.page)?.[1] ?? '';
    const res = await fetch(new URL(`${this.url}/${action}`), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this._cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ form_token: token, ...fields }).toString(),
    });
    assert.equal(res.status, 303, `${action}: ${await res.text()}`);
    await this.load();
  }

  /** The signed result of the done page, as the relay script would post it (`toopher_iframe_data`). */
  get result(): string {
    const raw = /data-result="([^"]*)"/.exec(this.page)?.[1];
    assert.ok(raw !== undefined, `no result on the page: ${this.page.slice(0, 400)}`);
    const json = raw.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    return new URLSearchParams(JSON.parse(json) as Record<string, string>).toString();
  }

  get sandbox(): Sandbox {
    return this._sandbox;
  }
}

async function start(t: TestContext) {
  const sandbox = await createSandbox();
  t.after(() => sandbox.close());
  const credentials = { consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl };
  return { sandbox, iframe: new ToopherIframe(credentials), api: new ToopherApi(credentials) };
}

async function pairedUser(sandbox: Sandbox, api: ToopherApi, name: string): Promise<string> {
  const pairing = await api.pair(await sandbox.phone.createPairingPhrase(), name);
  await sandbox.phone.respondToPairing(pairing.id, true);
  return pairing.id;
}

async function waitForRequest(sandbox: Sandbox, userName: string): Promise<string> {
  const [request] = await sandbox.phone.listAuthenticationRequests(userName);
  assert.ok(request?.pending, 'a pending request on the phone');
  return request.id;
}

test('refuses badly signed, replayed and expired URLs with an HTML error page', async (t) => {
  const { sandbox, iframe } = await start(t);
  const url = iframe.authenticationUrl('jdoe', { sessionToken: 'tok' });
  const first = await fetch(url, { redirect: 'manual' });
  assert.equal(first.status, 303);
  const replay = await fetch(url, { redirect: 'manual' });
  assert.equal(replay.status, 401);
  assert.match(await replay.text(), /already used/);
  assert.match(replay.headers.get('content-security-policy') ?? '', /script-src 'self'/);

  const tampered = iframe.authenticationUrl('jdoe', { sessionToken: 'tok' }).replace('username=jdoe', 'username=mallory');
  assert.equal((await fetch(tampered, { redirect: 'manual' })).status, 401);
  const wrongKey = new ToopherIframe({ consumerKey: sandbox.consumerKey, consumerSecret: 'not-the-secret', baseUrl: sandbox.apiUrl });
  assert.equal((await fetch(wrongKey.authenticationUrl('jdoe', { sessionToken: 't' }), { redirect: 'manual' })).status, 401);
  const past = new ToopherIframe(
    { consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl },
    { clock: () => Date.now() - 120_000 },
  );
  const expired = await fetch(past.userManagementUrl('jdoe', { ttlSeconds: 60 }), { redirect: 'manual' });
  assert.equal(expired.status, 401);
  assert.match(await expired.text(), /expired/);

  const error = await fetch(`${sandbox.apiUrl}/web/error.html?message=${encodeURIComponent('<b>could not sign</b>')}`);
  assert.equal(error.status, 400);
  assert.match(await error.text(), /&lt;b&gt;could not sign&lt;\/b&gt;/);
  assert.equal((await fetch(`${sandbox.apiUrl}/web/s/unknown-session`)).status, 404);
});

test('authenticate: inline pairing, terminal naming, the phone grants, the signed result validates', async (t) => {
  const { sandbox, iframe } = await start(t);
  const browser = new IframeBrowser(sandbox);
  const sessionToken = ToopherIframe.newSessionToken();
  assert.equal(await browser.open(iframe.authenticationUrl('newbie', { sessionToken, requesterMetadata: 'm=1&x' }), 'http://app.test/login'), 200);
  assert.equal(browser.stage, 'Pair your phone with Toopher');
  await browser.submit('pair', { pairing_phrase: 'no such phrase' });
  assert.match(browser.page, /No pending pairing requests/);
  await browser.submit('pair', { pairing_phrase: await sandbox.phone.createPairingPhrase() });
  assert.equal(browser.stage, 'pairing_wait');
  const [pairing] = await sandbox.phone.listPairings('newbie');
  assert.ok(pairing);
  await sandbox.phone.respondToPairing(pairing.id, true);
  await browser.load();
  assert.equal(browser.stage, 'Name this device');
  await browser.submit('terminal', { terminal_name: 'My browser' });
  assert.equal(browser.stage, 'waiting');
  // The phone page shows the iframe's request like any other, with its Grant button.
  const phone = await (await fetch(`${sandbox.url}/phone?user_name=newbie&refresh=off`)).text();
  assert.match(phone, /<td[^>]*>My browser<\/td><td[^>]*>Log In<\/td><td[^>]*>.*?<\/td><td[^>]*>pending<\/td>/);
  await sandbox.phone.respondToAuthenticationRequest(await waitForRequest(sandbox, 'newbie'), true);
  await browser.load();
  assert.match(browser.page, /data-target-origin="http:\/\/app\.test"/);
  const result = iframe.processPostback(browser.result, { sessionToken });
  assert.equal(ToopherIframe.isGranted(result), true);
  assert.equal(result.requesterMetadata, 'm=1&x');
  assert.equal(result.type === 'authentication_request' && result.authenticationRequest.terminal.name, 'My browser');

  // The same browser next time: known terminal, straight to the phone.
  const again = ToopherIframe.newSessionToken();
  await browser.open(iframe.authenticationUrl('newbie', { sessionToken: again, actionName: 'Pay' }));
  assert.equal(browser.stage, 'waiting');
  await sandbox.phone.respondToAuthenticationRequest(await waitForRequest(sandbox, 'newbie'), false);
  await browser.load();
  const denied = iframe.processPostback(browser.result, { sessionToken: again });
  assert.equal(ToopherIframe.isGranted(denied), false);
  assert.equal(denied.type === 'authentication_request' && denied.authenticationRequest.action.name, 'Pay');
});

test('answers signed error forms: 705 without inline pairing, 704 for a disabled user', async (t) => {
  const { sandbox, iframe, api } = await start(t);
  const browser = new IframeBrowser(sandbox);
  await browser.open(iframe.authenticationUrl('stranger', { sessionToken: 's1', allowInlinePairing: false }));
  const unknown: IframePostback = iframe.processPostback(browser.result, { sessionToken: 's1' });
  assert.deepEqual([unknown.type, unknown.type === 'error' && unknown.errorCode], ['error', 705]);

  await pairedUser(sandbox, api, 'optout');
  await api.setToopherEnabledForUser('optout', false);
  await browser.open(iframe.authenticationUrl('optout', { sessionToken: 's2' }));
  const disabled = iframe.processPostback(browser.result, { sessionToken: 's2' });
  assert.deepEqual([disabled.type, disabled.type === 'error' && disabled.errorCode], ['error', 704]);
  assert.equal(ToopherIframe.isGranted(disabled), false);
});

test('a pairing that requires an OTP: the iframe asks for it and otp_auth decides', async (t) => {
  const { sandbox, iframe, api } = await start(t);
  const pairingId = await pairedUser(sandbox, api, 'otpuser');
  await sandbox.phone.setOtpRequired(pairingId, true);
  const browser = new IframeBrowser(sandbox);
  await browser.open(iframe.authenticationUrl('otpuser', { sessionToken: 'o' }));
  assert.equal(browser.stage, 'Name this device');
  await browser.submit('terminal', { terminal_name: 'kiosk' });
  assert.equal(browser.stage, 'Enter your one-time password');
  await browser.submit('otp', { otp: await sandbox.phone.getOtp(pairingId) });
  assert.equal(ToopherIframe.isGranted(iframe.processPostback(browser.result, { sessionToken: 'o' })), true);
});

test('manage_user shows and removes the pairing; legacy web/pair pairs inline and answers with user_id', async (t) => {
  const { sandbox, iframe, api } = await start(t);
  await pairedUser(sandbox, api, 'owner');
  const browser = new IframeBrowser(sandbox);
  await browser.open(iframe.userManagementUrl('owner', { sessionToken: 'm1' }));
  assert.equal(browser.stage, 'Your Toopher pairing');
  await browser.submit('reset', {});
  const removed = iframe.processPostback(browser.result, { sessionToken: 'm1' });
  assert.deepEqual([removed.type, removed.type === 'requester_user' && removed.user.name], ['requester_user', 'owner']);
  assert.deepEqual((await sandbox.phone.listPairings('owner')).map((p) => p.deactivated), [true]);

  // A 1.x requester: web/pair, signed like the SDKs of 2014 did (same rules, other path).
  const legacyUrl = iframe.userManagementUrl('fresh', { sessionToken: 'm2' }).replace('/web/manage_user?', '/web/pair?');
  assert.equal((await fetch(legacyUrl, { redirect: 'manual' })).status, 401, 'the path is signed too');
  const signedLegacy = signLegacy(sandbox, 'web/pair', { username: 'fresh', reset_email: '', session_token: 'm2' });
  await browser.open(signedLegacy);
  assert.equal(browser.stage, 'Pair your phone with Toopher');
  await browser.submit('pair', { pairing_phrase: await sandbox.phone.createPairingPhrase() });
  const [pairing] = await sandbox.phone.listPairings('fresh');
  assert.ok(pairing);
  await sandbox.phone.respondToPairing(pairing.id, true);
  await browser.load();
  const paired = new URLSearchParams(browser.result);
  assert.equal(paired.get('resource_type'), 'pairing');
  assert.equal(paired.get('user_id'), paired.get('pairing_user_id'));
  const validated = iframe.processPostback(Object.fromEntries(paired), { sessionToken: 'm2' });
  assert.equal(validated.type === 'pairing' && validated.pairing.enabled, true);
});

/** A 1.x URL (`web/pair`, `web/auth`): the same OAuth query signing on another path, with `expires` and `v`. */
function signLegacy(sandbox: Sandbox, path: string, params: Record<string, string>): string {
  const url = new URL(`${sandbox.apiUrl}/${path}`);
  const all: [string, string][] = [...Object.entries(params), ['expires', String(Math.floor(Date.now() / 1000) + 100)], ['v', '2']];
  const header = signedHeader(sandbox, url.href, all);
  for (const [name, value] of [...all, ...header]) url.searchParams.append(name, value);
  return url.href;
}

function signedHeader(sandbox: Sandbox, url: string, params: [string, string][]): [string, string][] {
  const oauth = oauthParameters({ method: 'GET', url: `${url}?${new URLSearchParams(params).toString()}`, consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret });
  return oauth;
}

test('inline pairing by QR code: the page shows the code, the phone grants, the result is a pairing', async (t) => {
  const { sandbox, iframe } = await start(t);
  const browser = new IframeBrowser(sandbox);
  await browser.open(iframe.userManagementUrl('scanner', { sessionToken: 'q1' }));
  assert.equal(browser.stage, 'Pair your phone with Toopher');
  await browser.submit('pair_qr', {});
  assert.equal(browser.stage, 'pairing_wait');
  const image = /<img src="([^"]+qr\.png)"/.exec(browser.page)?.[1];
  assert.ok(image);
  const png = await fetch(new URL(image, sandbox.url));
  assert.equal(png.headers.get('content-type'), 'image/png');
  assert.deepEqual([...new Uint8Array(await png.arrayBuffer()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const [pairing] = await sandbox.phone.listPairings('scanner');
  assert.ok(pairing?.pending);
  await sandbox.phone.respondToPairing(pairing.id, true);
  await browser.load();
  const result = iframe.processPostback(browser.result, { sessionToken: 'q1' });
  assert.deepEqual([result.type, result.type === 'pairing' && result.pairing.enabled], ['pairing', true]);
});
