import { toBuffer } from 'qrcode';

/** A PNG QR code of `text`, sized like Toopher's (228 px). */
export function qrPng(text: string): Promise<Buffer> {
  return toBuffer(text, { type: 'png', margin: 2, width: 228 });
}
