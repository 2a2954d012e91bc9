import got, { type Headers } from 'got';
import { CookieJar } from 'tough-cookie';

/** One HTTP exchange, as a browser would see it (redirects are not followed). */
export interface Hop {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  /** Absolute URL of the `Location` header, if any. */
  readonly location: string | undefined;
}

/** A form found in a page. */
export interface ParsedForm {
  readonly id: string | undefined;
  readonly action: string;
  readonly method: string;
  /** Every `<input>` with a name, in order (hidden and visible). */
  readonly fields: Array<[string, string]>;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" };

export function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_m, name: string) => ENTITIES[name] ?? '');
}

function attr(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match?.[1] === undefined ? undefined : unescapeHtml(match[1]);
}

/** Every `<form>` of a page with its inputs. */
export function parseForms(html: string): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const match of html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)) {
    const block = match[0];
    const open = /<form\b[^>]*>/i.exec(block)?.[0] ?? '';
    const fields: Array<[string, string]> = [];
    for (const input of block.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(input[0], 'name');
      if (name !== undefined) fields.push([name, attr(input[0], 'value') ?? '']);
    }
    forms.push({
      id: attr(open, 'id'),
      action: attr(open, 'action') ?? '',
      method: (attr(open, 'method') ?? 'get').toUpperCase(),
      fields,
    });
  }
  return forms;
}

/** The form with this id, or whose action ends with or contains `suffixOrId`. */
export function findForm(html: string, suffixOrId: string): ParsedForm {
  const form = parseForms(html).find((f) => f.id === suffixOrId || f.action.endsWith(suffixOrId) || f.action.includes(suffixOrId));
  if (!form) throw new Error(`no form matching ${suffixOrId} in page:\n${html.slice(0, 2000)}`);
  return form;
}

/**
 * A cookie-keeping HTTP client for tests: got + a tough-cookie jar, with
 * redirects left to the test so that every hop can be asserted.
 */
export class BrowserClient {
  readonly baseUrl: string;
  readonly jar: CookieJar;
  readonly userAgent: string;

  constructor(baseUrl: string, options: { readonly jar?: CookieJar; readonly userAgent?: string } = {}) {
    this.baseUrl = baseUrl;
    this.jar = options.jar ?? new CookieJar();
    this.userAgent =
      options.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
  }

  /** The same cookies, talking to another origin (e.g. a second app instance). */
  withBaseUrl(baseUrl: string): BrowserClient {
    return new BrowserClient(baseUrl, { jar: this.jar, userAgent: this.userAgent });
  }

  private _url(path: string): string {
    return new URL(path, this.baseUrl).href;
  }

  async request(
    method: string,
    path: string,
    options: { readonly form?: ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>; readonly headers?: Record<string, string>; readonly json?: unknown } = {},
  ): Promise<Hop> {
    const url = this._url(path);
    let body: string | undefined;
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: 'text/html', ...options.headers };
    if (options.form !== undefined) {
      const pairs = Array.isArray(options.form) ? options.form : Object.entries(options.form);
      body = new URLSearchParams(pairs as Array<[string, string]>).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const response = await got(url, {
      method: method as 'GET',
      headers,
      ...(body === undefined ? {} : { body }),
      cookieJar: this.jar,
      followRedirect: false,
      throwHttpErrors: false,
      retry: { limit: 0 },
      timeout: { request: 10_000 },
    });
    const location = response.headers.location;
    return {
      method,
      url,
      status: response.statusCode,
      headers: response.headers,
      body: response.body,
      location: location === undefined ? undefined : new URL(location, url).href,
    };
  }

  get(path: string, headers?: Record<string, string>): Promise<Hop> {
    return this.request('GET', path, headers === undefined ? {} : { headers });
  }

  post(path: string, form: ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>, headers?: Record<string, string>): Promise<Hop> {
    return this.request('POST', path, { form, ...(headers === undefined ? {} : { headers }) });
  }

  /** GET with `Accept: application/json`, parsing the body. */
  async getJson(path: string): Promise<{ readonly status: number; readonly body: Record<string, unknown>; readonly hop: Hop }> {
    const hop = await this.get(path, { accept: 'application/json' });
    return { status: hop.status, body: JSON.parse(hop.body) as Record<string, unknown>, hop };
  }

  /** Submits a parsed form, optionally changing fields. */
  submit(form: ParsedForm, changes: Readonly<Record<string, string>> = {}): Promise<Hop> {
    const fields = form.fields.map(([name, value]): [string, string] => [name, Object.hasOwn(changes, name) ? (changes[name] ?? '') : value]);
    for (const [name, value] of Object.entries(changes)) {
      if (!fields.some(([n]) => n === name)) fields.push([name, value]);
    }
    return form.method === 'POST' ? this.post(form.action, fields) : this.get(`${form.action}?${new URLSearchParams(fields).toString()}`);
  }

  /** Follows redirects from `hop` (as GETs), returning every hop including the first. */
  async follow(hop: Hop, maxHops = 10): Promise<Hop[]> {
    const hops = [hop];
    let current = hop;
    while (current.status >= 300 && current.status < 400 && current.location !== undefined) {
      if (hops.length > maxHops) throw new Error('too many redirects');
      current = await this.get(current.location);
      hops.push(current);
    }
    return hops;
  }

  /** The last hop after following redirects. */
  async land(hop: Hop): Promise<Hop> {
    const hops = await this.follow(hop);
    return hops[hops.length - 1] ?? hop;
  }

  async cookie(name: string): Promise<string | undefined> {
    const cookies = await this.jar.getCookies(this.baseUrl);
    return cookies.find((c) => c.key === name)?.value;
  }

  async setCookie(name: string, value: string): Promise<void> {
    await this.jar.setCookie(`${name}=${value}; Path=/`, this.baseUrl);
  }
}
