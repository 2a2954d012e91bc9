import { Agent, request, type IncomingHttpHeaders } from 'node:http';

/**
 * A light simulated browser for benchmarks and load: keep-alive HTTP over a
 * shared agent, its own cookie jar (name -> value, one origin), no
 * redirects followed. Much cheaper per request than got + tough-cookie, so
 * the load generator does not become the bottleneck.
 */

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The Location header resolved to a path (same origin only). */
  readonly location: string | undefined;
}

const sharedAgent = new Agent({ keepAlive: true, maxSockets: 256 });

/** Drops the keep-alive sockets of the shared agent (so a process can exit). */
export function closeBrowsers(): void {
  sharedAgent.destroy();
}

export class Browser {
  baseUrl: string;
  readonly cookies = new Map<string, string>();
  private readonly _host: string;
  private readonly _port: number;
  private readonly _timeoutMs: number;

  constructor(baseUrl: string, timeoutMs = 30_000) {
    this.baseUrl = baseUrl;
    const url = new URL(baseUrl);
    this._host = url.hostname;
    this._port = Number(url.port);
    this._timeoutMs = timeoutMs;
  }

  /** The same cookies, talking to another instance of the app. */
  on(baseUrl: string): Browser {
    const other = new Browser(baseUrl, this._timeoutMs);
    for (const [k, v] of this.cookies) other.cookies.set(k, v);
    // Share the jar: later Set-Cookie answers update both views.
    (other as { cookies: Map<string, string> }).cookies = this.cookies;
    return other;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private _store(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*(0|-)/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  send(method: string, path: string, options: { form?: Iterable<readonly [string, string]>; headers?: Record<string, string> } = {}): Promise<Reply> {
    const body = options.form === undefined ? undefined : new URLSearchParams([...options.form] as [string, string][]).toString();
    const headers: Record<string, string> = { accept: 'text/html', ...options.headers };
    const cookie = this.cookieHeader();
    if (cookie !== '') headers['cookie'] = cookie;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise<Reply>((resolve, reject) => {
      const req = request({ host: this._host, port: this._port, method, path, headers, agent: sharedAgent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          this._store(res.headers['set-cookie']);
          const location = res.headers.location;
          let path: string | undefined;
          if (location !== undefined) {
            const resolved = new URL(location, this.baseUrl);
            path = resolved.origin === new URL(this.baseUrl).origin ? `${resolved.pathname}${resolved.search}` : resolved.href;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), location: path });
        });
        res.on('error', reject);
      });
      const timer = setTimeout(() => req.destroy(new Error(`${method} ${path} got no answer within ${this._timeoutMs} ms`)), this._timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(body);
    });
  }

  get(path: string, headers?: Record<string, string>): Promise<Reply> {
    return this.send('GET', path, headers === undefined ? {} : { headers });
  }

  post(path: string, form: Iterable<readonly [string, string]>, headers?: Record<string, string>): Promise<Reply> {
    return this.send('POST', path, { form, ...(headers === undefined ? {} : { headers }) });
  }
}

/** The fields of the form with `id` (or whose action contains it) in `html`, and its action. */
export function formIn(html: string, idOrAction: string): { action: string; fields: [string, string][] } | undefined {
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const open = match[1] ?? '';
    const id = /\sid="([^"]*)"/i.exec(open)?.[1];
    const action = unescape(/\saction="([^"]*)"/i.exec(open)?.[1] ?? '');
    if (id !== idOrAction && !action.includes(idOrAction)) continue;
    const fields: [string, string][] = [];
    for (const input of (match[2] ?? '').matchAll(/<input\b[^>]*>/gi)) {
      const name = /\sname="([^"]*)"/i.exec(input[0])?.[1];
      if (name !== undefined) fields.push([unescape(name), unescape(/\svalue="([^"]*)"/i.exec(input[0])?.[1] ?? '')]);
    }
    return { action, fields };
  }
  return undefined;
}

function unescape(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27|apos);/g, (_m, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : "'",
  );
}
