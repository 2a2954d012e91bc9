import { readFileSync } from 'node:fs';
import express, { type Request, type Response, type Router } from 'express';

/**
 * The phone app's static files (src/server/app, copied next to the compiled server at build), read
 * once at startup and served from memory, to mount at `/app`. Everything is same-origin with no
 * inline script or style, so the page runs under `default-src 'self'`. The service worker lives at
 * `/app/sw.js`, so its default scope is `/app/` and no `Service-Worker-Allowed` header is needed.
 */

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  webmanifest: 'application/manifest+json; charset=utf-8',
  png: 'image/png',
};

/** Every file of the app: what the service worker caches as its shell, plus the worker itself. */
export const APP_FILES: readonly string[] = [
  'index.html',
  'app.js',
  'device.js',
  'otp.js',
  'push.js',
  'render.js',
  'sw.js',
  'app.css',
  'manifest.webmanifest',
  'icon-192.png',
  'icon-512.png',
];

export const APP_CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface AppFile {
  readonly type: string;
  readonly body: Buffer;
}

function load(name: string): AppFile {
  const extension = name.slice(name.lastIndexOf('.') + 1);
  const type = CONTENT_TYPES[extension];
  if (type === undefined) throw new Error(`no content type for ${name}`);
  return { type, body: readFileSync(new URL(`../app/${name}`, import.meta.url)) };
}

function setHeaders(res: Response, type: string): void {
  res.set({
    'Content-Type': type,
    // Revalidate every time (ETag): a new server version reaches phones at once; the service
    // worker keeps the shell for offline starts.
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': APP_CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
}

/** The router serving the app; mount it with `app.use('/app', serveApp())`. */
export function serveApp(): Router {
  const files = new Map(APP_FILES.map((name) => [name, load(name)] as const));
  const router = express.Router({ strict: true });

  const send = (name: string) => (_req: Request, res: Response) => {
    const file = files.get(name);
    if (file === undefined) return res.status(404).end();
    setHeaders(res, file.type);
    // res.send adds an ETag and answers 304 to a matching If-None-Match.
    return res.send(file.body);
  };

  router.get('/', (req, res) => {
    // `/app` without the slash: the page's relative URLs need `/app/`.
    if (!req.originalUrl.split('?')[0]?.endsWith('/')) {
      res.redirect(301, `${req.baseUrl}/`);
      return;
    }
    send('index.html')(req, res);
  });
  for (const name of APP_FILES) router.get(`/${name}`, send(name));
  router.use((_req, res) => {
    res.set({ 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' });
    res.status(404).send('Not found');
  });
  return router;
}
