// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\\\u0000-\u001f\u007f]/;
const BASE = 'http://return-url.invalid';

/** True for a path a browser resolves on this origin: one leading `/`, no backslash or control character. */
function isLocalPath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !UNSAFE_CHARACTERS.test(path);
}

/**
 * Same-origin return URLs only: a path that starts with a single `/`.
 * `https://evil.example`, `//evil.example`, `/\evil.example`, `javascript:`
 * and anything with control characters are refused (undefined). The path is
 * normalised (`.` and `..` segments, percent-encoded dots) and the result is
 * checked again, so `/..//evil.example` or `/%2e%2e//evil.example` cannot
 * come out as the protocol-relative `//evil.example`.
 */
export function safeReturnPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return undefined;
  if (!isLocalPath(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return undefined;
  }
  if (url.origin !== BASE) return undefined;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return isLocalPath(path) ? path : undefined;
}

/**
 * `value` unchanged when it is a same-origin path by the rules of
 * `safeReturnPath` (one leading `/`, no `//` or `/\\`, no scheme, no
 * backslash or control character, not even after `.`/`..` normalisation);
 * otherwise undefined. For URLs that must stay byte for byte as received
 * (a held request is replayed to exactly its own URL).
 */
export function sameOriginPath(value: unknown): string | undefined {
  return typeof value === 'string' && safeReturnPath(value) !== undefined ? value : undefined;
}

/**
 * The same-origin path and query of a `Referer` whose host is the request's
 * own `host` (the page an action came from), else undefined.
 */
export function refererPath(referer: unknown, host: unknown): string | undefined {
  if (typeof referer !== 'string' || typeof host !== 'string' || referer.length > 2048 || host === '') return undefined;
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.host !== host.toLowerCase()) return undefined;
  return safeReturnPath(`${url.pathname}${url.search}`);
}
