// The phone app's service worker (scope /app/): keeps the app shell for offline starts, shows a
// notification for each pushed request, and brings the app forward when one is tapped.
// The device API (/device/v1) is never cached.
'use strict';

/** @type {ServiceWorkerGlobalScope} */
const worker = /** @type {any} */ (self);
const CACHE = 'toopher-app-v1';
const SHELL = ['./', 'app.js', 'device.js', 'otp.js', 'push.js', 'render.js', 'app.css', 'manifest.webmanifest', 'icon-192.png', 'icon-512.png'];

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => worker.clients.claim()),
  );
});

// Network first, so an updated server is used at once; the cached shell when offline.
worker.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== worker.location.origin || !url.pathname.startsWith('/app/')) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          void caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request, { ignoreSearch: true }).then((hit) => hit || Response.error())),
  );
});

/** The push payload (no secrets): {"type":"request","requestId","requester","actionName","terminalName"}. */
function readPayload(data) {
  try {
    const payload = data ? data.json() : {};
    return payload && typeof payload === 'object' ? payload : {};
  } catch (err) {
    return {};
  }
}

/** @param {unknown} value */
function text(value) {
  return typeof value === 'string' ? value.slice(0, 200) : '';
}

worker.addEventListener('push', (event) => {
  const payload = readPayload(event.data);
  const requester = text(payload.requester) || 'A website';
  const action = text(payload.actionName) || 'Sign-in';
  const terminal = text(payload.terminalName);
  const shown = worker.registration.showNotification(`${action}: ${requester}`, {
    body: terminal ? `From ${terminal}. Tap to grant or deny.` : 'Tap to grant or deny.',
    tag: text(payload.requestId) || 'toopher-request',
    icon: 'icon-192.png',
    badge: 'icon-192.png',
    data: { url: worker.registration.scope },
  });
  const told = worker.clients
    .matchAll({ type: 'window', includeUncontrolled: true })
    .then((windows) => windows.forEach((client) => client.postMessage({ type: 'request', requestId: text(payload.requestId) })));
  event.waitUntil(Promise.all([shown, told]));
});

worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const scope = worker.registration.scope;
  event.waitUntil(
    worker.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url.startsWith(scope));
      return open ? open.focus() : worker.clients.openWindow(scope);
    }),
  );
});
