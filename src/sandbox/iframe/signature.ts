import { createHmac } from 'node:crypto';

/**
 * `toopher_sig` of an iframe result (toopher-api.md §6.4), written from the
 * description, not from an SDK: every field but the signature, sorted by
 * name, form-encoded the way Python 2's `urllib.urlencode` does, HMAC-SHA1
 * keyed with the raw consumer secret, base64.
 */

/** Python 2 `quote_plus`: only `A-Z a-z 0-9 _ . -` stay raw, space becomes `+`, UTF-8, uppercase hex. */
export function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** The signed string: `name=value` pairs sorted by name (code unit order), joined with `&`. */
export function canonicalPostbackString(fields: Readonly<Record<string, string>>): string {
  return Object.keys(fields)
    .filter((name) => name !== 'toopher_sig')
    .sort()
    .map((name) => `${formEncode(name)}=${formEncode(fields[name] ?? '')}`)
    .join('&');
}

export function toopherSignature(fields: Readonly<Record<string, string>>, consumerSecret: string): string {
  return createHmac('sha1', Buffer.from(consumerSecret, 'utf8'))
    .update(canonicalPostbackString(fields), 'utf8')
    .digest('base64');
}

/** The fields with `timestamp` (Unix seconds) and `toopher_sig` added. */
export function signPostback(
  fields: Readonly<Record<string, string>>,
  consumerSecret: string,
  timestampSeconds: number,
): Record<string, string> {
  const withTime = { ...fields, timestamp: String(Math.floor(timestampSeconds)) };
  return { ...withTime, toopher_sig: toopherSignature(withTime, consumerSecret) };
}
