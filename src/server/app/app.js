// The Toopher phone app: registers this browser's device key, shows a pairing phrase, lists the
// requests and pairings bound to this device, signs every decision, and shows live one-time passwords.
import { ApiError, DeviceApi, loadOrCreateDevice } from './device.js';
import { otpKey, secondsLeft, totp } from './otp.js';
import { setUpPush } from './push.js';
import { clockTime, duration, fill, pairingCard, pendingPairingCard, requestCard } from './render.js';

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const ui = {
  status: byId('status'),
  requests: byId('requests'),
  requestsEmpty: byId('requests-empty'),
  pendingSection: byId('pairing-requests'),
  pendingPairings: byId('pending-pairings'),
  pairings: byId('pairings'),
  pairingsEmpty: byId('pairings-empty'),
  phrase: byId('phrase'),
  phraseExpiry: byId('phrase-expiry'),
  newPhrase: /** @type {HTMLButtonElement} */ (byId('new-phrase')),
  deviceId: byId('device-id'),
};
const PHRASE_KEY = 'toopher-phrase';
/** @type {DeviceApi} */
let api;
/** Set once the device is registered: polling and QR claims wait for it. */
let ready = false;
let pollMs = 5000;
/** @type {number | undefined} */
let pollTimer;
/** @type {Promise<void> | undefined} */
let polling;
let rendered = '';
let phraseExpiresAt = 0;
/** @type {{ now: number, pairings: any[], requests: any[] }} */
let state = { now: 0, pairings: [], requests: [] };
/** @type {Map<string, Promise<CryptoKey | undefined>>} */
const otpKeys = new Map();

/** True while the status line shows a failure that the next successful poll clears. */
let failing = false;

/** @param {string} text */
function say(text) {
  ui.status.textContent = text;
  failing = false;
}

/** @param {unknown} err */
function report(err) {
  failing = true;
  if (err instanceof ApiError) ui.status.textContent = err.message;
  else if (err instanceof TypeError) ui.status.textContent = 'Cannot reach the server; trying again.';
  else ui.status.textContent = `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
}

function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const system = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : 'unknown system';
  return `${browser} on ${system}`;
}

/** A signed call; a device the server forgot registers again once. @param {string} method @param {string} path @param {unknown} [body] */
async function call(method, path, body) {
  try {
    return await api.call(method, path, body);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401 && err.message === 'Unknown device.')) throw err;
    await api.register(deviceName());
    return api.call(method, path, body);
  }
}

/** Fetches the state now (joining a fetch under way) and schedules the next poll while visible. */
function poll() {
  if (!ready) return Promise.resolve();
  polling = polling || (async () => {
    window.clearTimeout(pollTimer);
    try {
      const sentAt = Date.now();
      state = await call('GET', '/state');
      api.syncClock(state.now, sentAt);
      if (failing) say('');
      render();
    } catch (err) {
      report(err);
    } finally {
      polling = undefined;
      if (document.visibilityState === 'visible') pollTimer = window.setTimeout(poll, pollMs);
    }
  })();
  return polling;
}

/** A poll that starts after any poll under way (whose answer may predate a decision just made). */
async function refresh() {
  await polling;
  await poll();
}

function render() {
  const snapshot = JSON.stringify([state.pairings, state.requests]);
  if (snapshot === rendered) return;
  rendered = snapshot;
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset : {};
  const requests = state.requests.filter((r) => r.status === 'pending');
  fill(ui.requests, ui.requestsEmpty, requests.map(requestCard));
  const waiting = state.pairings.filter((p) => p.status === 'pending');
  fill(ui.pendingPairings, null, waiting.map(pendingPairingCard));
  ui.pendingSection.hidden = waiting.length === 0;
  const enabled = state.pairings.filter((p) => p.status === 'enabled');
  fill(ui.pairings, ui.pairingsEmpty, enabled.map(pairingCard));
  for (const id of [...otpKeys.keys()]) if (!enabled.some((p) => p.id === id)) otpKeys.delete(id);
  for (const pairing of enabled) if (!otpKeys.has(pairing.id)) otpKeys.set(pairing.id, loadOtpKey(pairing.id));
  // Keep keyboard focus on the same button across a re-render.
  if (focused.action && focused.id) {
    const again = document.querySelector(`button[data-action="${CSS.escape(focused.action)}"][data-id="${CSS.escape(focused.id)}"]`);
    if (again instanceof HTMLElement) again.focus();
  }
  void tick();
}

/** @param {string} pairingId */
async function loadOtpKey(pairingId) {
  try {
    const answer = await call('GET', `/pairings/${encodeURIComponent(pairingId)}/otp-secret`);
    return await otpKey(answer.otpSecret);
  } catch (err) {
    otpKeys.delete(pairingId);
    rendered = ''; // fetch it again on the next poll
    report(err);
    return undefined;
  }
}

/** Once a second: expiry countdowns, the phrase's validity and the one-time passwords. */
async function tick() {
  if (!api) return;
  const now = api.now();
  for (const node of document.querySelectorAll('[data-expires-at]')) {
    const at = Number(/** @type {HTMLElement} */ (node).dataset.expiresAt);
    node.textContent = at > now ? `in ${duration(at - now)} (${clockTime(at)})` : 'expired';
  }
  const phraseLeft = phraseExpiresAt - now;
  if (phraseExpiresAt === 0) ui.phraseExpiry.textContent = '';
  else ui.phraseExpiry.textContent = phraseLeft > 0 ? `Valid for ${duration(phraseLeft)} (until ${clockTime(phraseExpiresAt)}).` : 'This phrase has expired: get a new one.';
  if (phraseExpiresAt !== 0 && phraseLeft <= 0) ui.phrase.textContent = '';
  for (const node of document.querySelectorAll('[data-otp-timer-for]')) node.textContent = `New code in ${secondsLeft(now)} s`;
  for (const node of document.querySelectorAll('[data-otp-for]')) {
    const key = await otpKeys.get(/** @type {HTMLElement} */ (node).dataset.otpFor || '');
    if (key) node.textContent = await totp(key, now);
  }
}

/** Shows the saved phrase while it is valid, else (or when asked) a new one. @param {boolean} fresh */
async function showPhrase(fresh) {
  ui.newPhrase.disabled = true;
  try {
    let saved = JSON.parse(localStorage.getItem(PHRASE_KEY) || 'null');
    if (fresh || !saved || saved.deviceId !== api.device.deviceId || saved.expiresAt - api.now() < 60000) {
      saved = { ...(await call('POST', '/phrases')), deviceId: api.device.deviceId };
      localStorage.setItem(PHRASE_KEY, JSON.stringify(saved));
    }
    ui.phrase.textContent = saved.phrase;
    phraseExpiresAt = saved.expiresAt;
    void tick();
  } catch (err) {
    report(err);
  } finally {
    ui.newPhrase.disabled = false;
  }
}

/** `#qr=<pairingId>.<secret>` (the website's QR code): claims the pairing, then clears the fragment. */
async function claimQrFromHash() {
  if (!ready) return; // boot() claims it once the device is registered
  const match = /^#qr=([^.]{1,128})\.(.{1,256})$/.exec(location.hash);
  if (!location.hash.startsWith('#qr=')) return;
  history.replaceState(null, '', location.pathname + location.search);
  let pairingId = '';
  let secret = '';
  try {
    pairingId = decodeURIComponent(match ? match[1] : '');
    secret = decodeURIComponent(match ? match[2] : '');
  } catch (err) {
    // a malformed %-escape: refused below
  }
  if (!pairingId || !secret) return say('This pairing link is not valid.');
  try {
    const answer = await call('POST', '/qr', { pairingId, secret });
    say(`Paired with ${answer.pairing.requester} as ${answer.pairing.userName}.`);
  } catch (err) {
    // 409: claimed already or expired; 404: no such pairing or a wrong secret.
    if (err instanceof ApiError && (err.status === 409 || err.status === 404)) say('This pairing link was already used or has expired.');
    else report(err);
  }
  await refresh();
}

/** @param {string} id */
const requestById = (id) => state.requests.find((r) => r.id === id);
/** @param {string} id */
const pairingById = (id) => state.pairings.find((p) => p.id === id);

/** The buttons of the lists (event delegation). @param {MouseEvent} event */
async function onAction(event) {
  const target = event.target instanceof Element ? event.target.closest('button[data-action]') : null;
  if (!(target instanceof HTMLButtonElement)) return;
  const { action = '', id = '' } = target.dataset;
  const path = encodeURIComponent(id);
  if (action === 'remove' && target.dataset.confirm !== 'yes') {
    target.dataset.confirm = 'yes';
    target.textContent = 'Tap again to remove';
    say(`Tap again to remove the pairing with ${(pairingById(id) || {}).requester}.`);
    window.setTimeout(() => {
      target.dataset.confirm = '';
      target.textContent = 'Remove';
    }, 5000);
    return;
  }
  const buttons = target.closest('li')?.querySelectorAll('button') || [];
  for (const b of buttons) b.disabled = true;
  try {
    if (action === 'grant' || action === 'deny' || action === 'always') {
      const request = requestById(id);
      await call('POST', `/requests/${path}/decision`, { grant: action !== 'deny', automate: action === 'always' });
      const what = request ? `${request.actionName} at ${request.requester}` : 'The request';
      say(action === 'deny' ? `${what}: denied.` : action === 'always' ? `${what}: granted, and from now on granted automatically on ${request ? request.terminalName : 'this terminal'}.` : `${what}: granted.`);
    } else if (action === 'accept' || action === 'refuse') {
      const answer = await call('POST', `/pairings/${path}/decision`, { accept: action === 'accept' });
      say(action === 'accept' ? `Paired with ${answer.pairing.requester}.` : 'Pairing refused.');
    } else if (action === 'remove') {
      await call('DELETE', `/pairings/${path}`);
      say('Pairing removed.');
    }
  } catch (err) {
    report(err);
  } finally {
    for (const b of buttons) b.disabled = false;
    rendered = '';
    await refresh();
  }
}

async function start() {
  if (!window.isSecureContext || !window.crypto || !crypto.subtle || !window.indexedDB) {
    say('This app needs a secure (https) connection and a browser with WebCrypto and IndexedDB.');
    return;
  }
  ui.newPhrase.addEventListener('click', () => void showPhrase(true));
  document.addEventListener('click', (event) => void onAction(event));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void poll();
  });
  window.addEventListener('hashchange', () => void claimQrFromHash());
  window.setInterval(() => void tick(), 1000);
  await boot(2000);
}

/** Loads the key, registers and shows everything; retried with backoff while the server is unreachable. @param {number} retryMs */
async function boot(retryMs) {
  try {
    if (!api) {
      api = new DeviceApi(await loadOrCreateDevice());
      ui.deviceId.textContent = api.device.deviceId.slice(0, 10);
    }
    const info = await api.info();
    pollMs = Math.max(1000, Number(info.pollIntervalMs) || 5000);
    if (!api.device.registered) await api.register(deviceName());
    ready = true;
    await claimQrFromHash();
    await Promise.all([showPhrase(false), poll()]);
    setUpPush(info.vapidPublicKey, { call, report, onPush: () => void refresh() }).catch(report);
  } catch (err) {
    report(err);
    if (!ready) window.setTimeout(() => void boot(Math.min(retryMs * 2, 60000)), retryMs);
  }
}

void start();
