// The phone's device key and signed calls to the device API (SERVER-SPEC.md, "Device API").
// The private key is created non-extractable and kept, as a CryptoKey object, in IndexedDB: page
// scripts can sign with it but nobody can read it out. Only the public key leaves (SPKI, base64url).

const DB_NAME = 'toopher-device';
const STORE = 'device';
const RECORD = 'current';
const API = '/device/v1';
const encoder = new TextEncoder();

/** @param {ArrayBuffer | Uint8Array} bytes */
export function b64url(bytes) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let text = '';
  for (let i = 0; i < view.length; i++) text += String.fromCharCode(view[i]);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** @param {string} text */
export function fromB64url(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** @returns {Promise<IDBDatabase>} */
function openDb() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

/**
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => IDBRequest} action
 */
async function withStore(mode, action) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/**
 * @typedef {{ privateKey: CryptoKey, publicKey: string, deviceId: string, registered: boolean }} Device
 */

/** The stored device, or a new key pair (stored before it is used, so a reload keeps it). */
export async function loadOrCreateDevice() {
  /** @type {Device | undefined} */
  const stored = await withStore('readonly', (store) => store.get(RECORD));
  if (stored && stored.privateKey && stored.deviceId) return stored;
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const spki = await crypto.subtle.exportKey('spki', pair.publicKey);
  /** @type {Device} */
  const device = {
    privateKey: pair.privateKey,
    publicKey: b64url(spki),
    deviceId: b64url(await crypto.subtle.digest('SHA-256', spki)),
    registered: false,
  };
  await withStore('readwrite', (store) => store.put(device, RECORD));
  return device;
}

/** @param {Device} device */
export async function saveDevice(device) {
  await withStore('readwrite', (store) => store.put(device, RECORD));
}

export class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Calls to the device API, signed with the device key; keeps the server's clock offset. */
export class DeviceApi {
  /** @param {Device} device */
  constructor(device) {
    this.device = device;
    /** Server time minus local time, in ms: signatures and OTPs use the server's clock. */
    this.offsetMs = 0;
  }

  now() {
    return Date.now() + this.offsetMs;
  }

  /** @param {number} serverNow @param {number} sentAt */
  syncClock(serverNow, sentAt) {
    if (Number.isFinite(serverNow)) this.offsetMs = serverNow - Math.round((sentAt + Date.now()) / 2);
  }

  /** `GET /info` (unsigned); a first estimate of the clock offset from the Date header. */
  async info() {
    const sentAt = Date.now();
    const response = await fetch(`${API}/info`, { cache: 'no-store', credentials: 'omit' });
    if (!response.ok) throw new ApiError(response.status, 'The server did not answer.');
    const date = Date.parse(response.headers.get('date') || '');
    // The Date header has 1 s precision: only trust it for a large skew.
    if (Math.abs(date - sentAt) > 30000) this.syncClock(date, sentAt);
    return response.json();
  }

  /**
   * A signed call. The string to sign is exactly SERVER-SPEC.md's:
   * toopher-device-v1\nMETHOD\npath+query\ntimestamp\nnonce\nbase64url(SHA-256(body)).
   * @param {string} method @param {string} path below /device/v1 @param {unknown} [body]
   */
  async call(method, path, body) {
    const url = `${API}${path}`;
    const text = body === undefined ? '' : JSON.stringify(body);
    const bytes = encoder.encode(text);
    const timestamp = String(Math.round(this.now()));
    const nonce = b64url(crypto.getRandomValues(new Uint8Array(16)));
    const bodyHash = b64url(await crypto.subtle.digest('SHA-256', bytes));
    const signed = ['toopher-device-v1', method, url, timestamp, nonce, bodyHash].join('\n');
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, this.device.privateKey, encoder.encode(signed));
    /** @type {Record<string, string>} */
    const headers = {
      'X-Toopher-Device': this.device.deviceId,
      'X-Toopher-Timestamp': timestamp,
      'X-Toopher-Nonce': nonce,
      'X-Toopher-Signature': b64url(signature),
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(url, { method, headers, body: body === undefined ? undefined : bytes, cache: 'no-store', credentials: 'omit' });
    if (response.status === 204) return undefined;
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, (answer && answer.error) || `The server answered ${response.status}.`);
    return answer;
  }

  /** `POST /devices` (idempotent), signed with the key being registered. @param {string} name */
  async register(name) {
    await this.call('POST', '/devices', { publicKey: this.device.publicKey, name });
    if (!this.device.registered) {
      this.device.registered = true;
      await saveDevice(this.device);
    }
  }
}
