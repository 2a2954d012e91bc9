import { qrcode } from './optional-deps.js';

/** A PNG QR code of `text`, sized like Toopher's (228 px). */
export function qrPng(text: string): Promise<Buffer> {
  return qrcode().toBuffer(text, { type: 'png', margin: 2, width: 228 });
}
