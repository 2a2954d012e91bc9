import * as fc from 'fast-check';

/**
 * Hostile inputs shared by the fuzz tests: unicode and binary text, huge
 * values, characters that matter to URL/form/OAuth encoding, prototype keys,
 * ids of every shape and bodies of every content type.
 */

const SPECIAL = [
  '',
  ' ',
  "' * ( ) ! + & = %",
  '%',
  '%zz',
  '%00',
  '%ff%fe',
  '+',
  '&&&==',
  '\u0000',
  '\uffff',
  '\ud800',
  '😀',
  'e\u0301',
  'Ω≈ç√∫˜µ≤≥÷',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'true',
  'false',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  '[]',
  '{}',
  '{"__proto__":{"polluted":1}}',
  'javascript:alert(1)',
  'https://evil.example/',
  '//evil.example',
  '/\\evil.example',
];

/** Text that tends to break parsers: special strings, unicode, binary, control characters. */
export const nastyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...SPECIAL), { maxLength: 6 }).map((parts) => parts.join('')) },
);

/** Huge values: long runs of one character or of nasty text (up to ~40 KB). */
export const hugeText: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('A', '%', '😀', '&', '=', ' '), fc.integer({ min: 1_000, max: 40_000 })).map(([c, n]) => c.repeat(n)),
  fc.tuple(nastyText, fc.integer({ min: 100, max: 2_000 })).map(([s, n]) => s.repeat(n).slice(0, 40_000)),
);

/** Mostly nasty text, sometimes huge. */
export const anyText: fc.Arbitrary<string> = fc.oneof({ weight: 19, arbitrary: nastyText }, { weight: 1, arbitrary: hugeText });

/** Values for a path segment that should hold an id. */
export const idSegment: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.constantFrom('..', '.', '%2e%2e', '%2F', '%00', '%', '%zz', 'null', '0', '-1', '__proto__', 'a'.repeat(5_000)),
  fc.string({ minLength: 1, maxLength: 60 }).map((s) => encodeURIComponent(s)),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map((s) => encodeURIComponent(s)),
);

/** Name/value pairs with nasty names and values, duplicates included. */
export const nastyPairs: fc.Arbitrary<[string, string][]> = fc.array(fc.tuple(nastyText, anyText), { maxLength: 8 });

/** `a=b&c=d` from pairs, each part percent-encoded. */
export function formEncode(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(wellFormed(k))}=${encodeURIComponent(wellFormed(v))}`).join('&');
}

export interface FuzzBody {
  readonly contentType: string | undefined;
  readonly body: string | undefined;
}

/** A body with a content type that may or may not match it. */
export const fuzzBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  nastyPairs.map((pairs) => ({ contentType: 'application/x-www-form-urlencoded', body: formEncode(pairs) })),
  fc.jsonValue().map((value) => ({ contentType: 'application/json', body: JSON.stringify(value) })),
  fc
    .tuple(fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'garbage', ''), anyText)
    .map(([contentType, body]) => ({ contentType, body })),
  fc.constant({ contentType: 'application/json', body: '{"a":' }),
  fc.constant({ contentType: 'application/x-www-form-urlencoded', body: '%%%&&&===%zz' }),
  fc.constant({ contentType: undefined, body: undefined }),
);

/** HTTP methods, common and odd. */
export const httpMethod: fc.Arbitrary<string> = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');

/** Query strings: encoded nasty pairs, raw garbage or none. */
export const queryString: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  nastyPairs.map((pairs) => (pairs.length === 0 ? '' : `?${formEncode(pairs)}`)),
  fc.constantFrom('?', '?&&&', '?a[b]=1&a[c]=2', '?a=%zz', '?__proto__[x]=1', '?user_name=a&user_name=b'),
);

/** `value` with lone surrogates replaced by U+FFFD, so it can be percent-encoded. */
export function wellFormed(value: string): string {
  return value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** `arbitrary` once in `every` cases, else `null`. */
export function sometimes<T>(arbitrary: fc.Arbitrary<T>, every: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: every - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}
