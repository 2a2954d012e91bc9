// RFC 6238 one-time passwords (HMAC-SHA1, 6 digits, 30 s steps), computed in the browser from the
// pairing's base32 secret with WebCrypto: the same secret and algorithm the server checks.

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (case-insensitive, padding and spaces ignored). @param {string} text */
export function base32Decode(text) {
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  const bytes = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error('The OTP secret is not base32.');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return new Uint8Array(bytes);
}

/** The imported HMAC key of a base32 secret (not extractable). @param {string} secret */
export function otpKey(secret) {
  return crypto.subtle.importKey('raw', base32Decode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
}

/**
 * The code at `timeMs` (RFC 4226 dynamic truncation of HMAC-SHA1 over the 8-byte step counter).
 * @param {CryptoKey} key @param {number} timeMs @param {number} [digits] @param {number} [period] seconds
 */
export async function totp(key, timeMs, digits = 6, period = 30) {
  const counter = Math.floor(timeMs / 1000 / period);
  const message = new DataView(new ArrayBuffer(8));
  message.setUint32(0, Math.floor(counter / 0x100000000));
  message.setUint32(4, counter >>> 0);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, message.buffer));
  const offset = mac[mac.length - 1] & 0x0f;
  const binary =
    ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % Math.pow(10, digits)).padStart(digits, '0');
}

/** Whole seconds until the next code. @param {number} timeMs @param {number} [period] */
export function secondsLeft(timeMs, period = 30) {
  return period - (Math.floor(timeMs / 1000) % period);
}
