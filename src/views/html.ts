/**
 * A string of markup that is known to be safe to place in an HTML document.
 * Only `html` and `raw` create one; everything else is escaped on the way in.
 */
export class SafeHtml {
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }
}

/** What may be interpolated into `html`: strings and numbers are escaped, `false`/null/undefined vanish. */
export type HtmlValue = string | number | SafeHtml | false | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for use in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

function renderValue(value: HtmlValue): string {
  if (value === false || value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.value;
  if (typeof value === 'number') return escapeHtml(String(value));
  if (typeof value === 'string') return escapeHtml(value);
  return value.map(renderValue).join('');
}

/**
 * Tagged template that escapes every interpolated value unless it is already
 * `SafeHtml`. Attribute values must be written in double quotes.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) {
    out += renderValue(values[i]) + (strings[i + 1] ?? '');
  }
  return new SafeHtml(out);
}

/** Marks trusted markup so `html` inserts it unescaped. Never pass user input. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

export interface DocumentParts {
  readonly lang: string;
  readonly title: string;
  /** Mount path of the router serving `/assets/toopher.css` and `/assets/toopher.js`. */
  readonly basePath: string;
  /** Extra elements for `<head>` (after the stylesheet). */
  readonly head?: SafeHtml;
  readonly body: SafeHtml;
  /** Adds `<script src=".../assets/toopher.js" defer>`. */
  readonly withScript?: boolean;
}

/** Joins the router's mount path with an asset path, without doubled slashes. */
export function assetUrl(basePath: string, asset: string): string {
  return `${basePath.replace(/\/+$/, '')}/assets/${asset}`;
}

/** Wraps a page body in a complete HTML5 document and returns it as a string. */
export function renderDocument(parts: DocumentParts): string {
  const script =
    parts.withScript === true ? html`<script src="${assetUrl(parts.basePath, 'toopher.js')}" defer></script>` : false;
  return html`<!doctype html>
<html lang="${parts.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="robots" content="noindex">
<title>${parts.title}</title>
<link rel="stylesheet" href="${assetUrl(parts.basePath, 'toopher.css')}">
${parts.head}${script}
</head>
<body>
${parts.body}
</body>
</html>
`.value;
}
