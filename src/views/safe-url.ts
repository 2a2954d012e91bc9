const SAFE_SCHEMES = new Set(['http:', 'https:']);

/**
 * Returns `url` when it is relative or http(s); anything else (`javascript:`,
 * `data:` unless allowed, unparsable input) becomes `'#'`. Defence in depth:
 * callers should already pass only URLs they built.
 */
export function safeUrl(url: string, options: { readonly allowDataImage?: boolean } = {}): string {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://relative.invalid/');
  } catch {
    return '#';
  }
  if (SAFE_SCHEMES.has(parsed.protocol)) return url;
  if (options.allowDataImage === true && /^data:image\/(?:png|gif|jpeg|webp);base64,[a-z0-9+/=]+$/i.test(url)) {
    return url;
  }
  return '#';
}
