/** The phone app's static routes: content types, security and cache headers, the /app redirect. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import express from 'express';
import { APP_CONTENT_SECURITY_POLICY, APP_FILES, serveApp } from '../../src/server/device/app-routes.js';
import { close, listen } from '../helpers/listen.js';

const server = createServer(express().use('/app', serveApp()));
let base = '';
before(async () => {
  base = await listen(server);
});
after(() => close(server));

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'sw.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'manifest.webmanifest': 'application/manifest+json; charset=utf-8',
  'icon-192.png': 'image/png',
};

test('every file is served with its content type, the CSP, nosniff and revalidation', async () => {
  for (const name of APP_FILES) {
    const response = await fetch(`${base}/app/${name}`);
    assert.equal(response.status, 200, name);
    if (TYPES[name] !== undefined) assert.equal(response.headers.get('content-type'), TYPES[name], name);
    assert.equal(response.headers.get('content-security-policy'), APP_CONTENT_SECURITY_POLICY);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    const etag = response.headers.get('etag');
    assert.ok(etag);
    // An explicit Cache-Control, or fetch() adds `no-cache` to a conditional request (Fetch spec).
    const again = await fetch(`${base}/app/${name}`, { headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } });
    assert.equal(again.status, 304, name);
  }
});

test('/app/ is the page, /app redirects to it, anything else is a plain 404', async () => {
  const page = await fetch(`${base}/app/`);
  assert.match(await page.text(), /<script type="module" src="app.js"><\/script>/);
  const bare = await fetch(`${base}/app`, { redirect: 'manual' });
  assert.deepEqual([bare.status, bare.headers.get('location')], [301, '/app/']);
  for (const path of ['/app/tsconfig.json', '/app/%2E%2E%2Fpackage.json', '/app/nothing.js']) {
    const missing = await fetch(`${base}${path}`);
    assert.equal(missing.status, 404, path);
    assert.equal(missing.headers.get('content-type'), 'text/plain; charset=utf-8');
  }
});

test('the manifest names the app, its scope and both icon sizes', async () => {
  const manifest = (await (await fetch(`${base}/app/manifest.webmanifest`)).json()) as {
    start_url: string;
    display: string;
    icons: Array<{ sizes: string; src: string }>;
  };
  assert.equal(manifest.start_url, '/app/');
  assert.equal(manifest.display, 'standalone');
  assert.deepEqual([...new Set(manifest.icons.map((i) => i.sizes))], ['192x192', '512x512']);
  for (const icon of manifest.icons) assert.equal((await fetch(`${base}/app/${icon.src}`)).status, 200);
});

test("the service worker's app shell lists every file the routes serve", async () => {
  const worker = await (await fetch(`${base}/app/sw.js`)).text();
  const shell = /const SHELL = (\[[^\]]*\]);/.exec(worker)?.[1];
  assert.ok(shell);
  const cached = JSON.parse(shell.replace(/'/g, '"')) as string[];
  const expected = APP_FILES.filter((name) => name !== 'sw.js').map((name) => (name === 'index.html' ? './' : name));
  assert.deepEqual([...cached].sort(), [...expected].sort());
});
