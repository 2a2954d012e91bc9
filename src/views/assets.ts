/**
 * The two static assets the router serves at `${basePath}/assets/toopher.css`
 * and `${basePath}/assets/toopher.js`. No inline script or style anywhere, so a
 * `default-src 'self'` Content-Security-Policy works.
 */

export const stylesheet: string = String.raw`:root {
  color-scheme: light dark;
  --toopher-fg: #1b1b1f;
  --toopher-muted: #55565c;
  --toopher-bg: #f4f5f7;
  --toopher-card: #ffffff;
  --toopher-border: #767680;
  --toopher-accent: #1f5fbf;
  --toopher-accent-fg: #ffffff;
  --toopher-error: #b3261e;
  --toopher-notice: #e8f0fe;
  --toopher-focus: #f2a900;
}
@media (prefers-color-scheme: dark) {
  :root {
    --toopher-fg: #e6e6ea;
    --toopher-muted: #b0b1b8;
    --toopher-bg: #121214;
    --toopher-card: #1d1d21;
    --toopher-border: #8d8d96;
    --toopher-accent: #8ab4f8;
    --toopher-accent-fg: #0b1a33;
    --toopher-error: #f2b8b5;
    --toopher-notice: #1f2a3d;
  }
}
*, *::before, *::after { box-sizing: border-box; }
body {
  margin: 0;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 1rem;
  line-height: 1.5;
  color: var(--toopher-fg);
  background: var(--toopher-bg);
}
.toopher {
  max-width: 34rem;
  margin: 3rem auto;
  padding: 2rem;
  background: var(--toopher-card);
  border-radius: 0.5rem;
  box-shadow: 0 1px 3px rgba(0, 0, 0, 0.15);
}
@media (max-width: 36rem) {
  .toopher { margin: 0; border-radius: 0; padding: 1.25rem; box-shadow: none; }
}
.toopher h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 1rem; }
.toopher h2 { font-size: 1.125rem; margin: 2rem 0 0.5rem; }
.toopher p { margin: 0.75rem 0; }
.toopher-field { margin: 1rem 0; }
.toopher label { display: block; font-weight: 600; margin-bottom: 0.25rem; }
.toopher input[type="text"] {
  display: block;
  width: 100%;
  font: inherit;
  color: inherit;
  background: transparent;
  padding: 0.5rem 0.75rem;
  border: 1px solid var(--toopher-border);
  border-radius: 0.25rem;
}
.toopher input[aria-invalid="true"] { border-color: var(--toopher-error); border-width: 2px; }
.toopher-hint { color: var(--toopher-muted); font-size: 0.875rem; }
.toopher .toopher-hint { margin: 0.25rem 0 0; }
.toopher-error { color: var(--toopher-error); font-weight: 600; }
.toopher-notice {
  background: var(--toopher-notice);
  border-left: 4px solid var(--toopher-accent);
  padding: 0.75rem 1rem;
}
.toopher-actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 1rem 0; }
.toopher-actions form { margin: 0; }
.toopher button, .toopher-button {
  display: inline-block;
  font: inherit;
  font-weight: 600;
  line-height: 1.25;
  padding: 0.625rem 1.25rem;
  border: 2px solid var(--toopher-accent);
  border-radius: 0.25rem;
  background: var(--toopher-accent);
  color: var(--toopher-accent-fg);
  text-decoration: none;
  cursor: pointer;
}
.toopher button.toopher-secondary, .toopher-button.toopher-secondary {
  background: transparent;
  color: var(--toopher-accent);
}
.toopher :focus-visible {
  outline: 3px solid var(--toopher-focus);
  outline-offset: 2px;
}
.toopher-countdown { font-size: 1.25rem; font-variant-numeric: tabular-nums; }
.toopher-state { color: var(--toopher-muted); }
.toopher-details { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 1rem 0; }
.toopher-details dt { font-weight: 600; }
.toopher-details dd { margin: 0; overflow-wrap: anywhere; }
.toopher-qr { margin: 1rem 0; }
.toopher-qr img { display: block; max-width: 100%; height: auto; image-rendering: pixelated; background: #ffffff; padding: 0.5rem; }
.toopher-result-denied h1, .toopher-result-error h1 { color: var(--toopher-error); }
@media (prefers-reduced-motion: reduce) {
  * { transition: none !important; animation: none !important; }
}
`;

/**
 * Plain ES2017 browser script, no build step. On the pending page it polls
 * the status URL and submits `#toopher-check` once the request is decided;
 * on the replay page it submits `#toopher-replay` once. Elsewhere it does nothing.
 */
export const clientScript: string = String.raw`(function () {
  'use strict';
  if (typeof document === 'undefined' || typeof window === 'undefined') return;

  var POLL_INTERVAL_MS = 1000;
  var MAX_FAILURES = 3;

  function submitOnce(form) {
    if (!form || form.getAttribute('data-toopher-submitted') === '1') return;
    form.setAttribute('data-toopher-submitted', '1');
    // The prototype's submit, so a field named "submit" cannot shadow it.
    if (typeof HTMLFormElement === 'function') HTMLFormElement.prototype.submit.call(form);
    else form.submit();
  }

  function setText(element, text) {
    if (element && typeof text === 'string' && text !== '') element.textContent = text;
  }

  function formatRemaining(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ':' + (rest < 10 ? '0' : '') + rest;
  }

  function sameOrigin(url) {
    if (typeof url !== 'string' || url === '' || url === '#') return false;
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  function startPending(root) {
    var statusUrl = root.getAttribute('data-status-url');
    var checkForm = document.getElementById('toopher-check');
    var countdown = document.getElementById('toopher-countdown');
    var stateText = document.getElementById('toopher-state');
    var template = root.getAttribute('data-countdown-template') || '{time}';
    var expiredText = root.getAttribute('data-expired-text') || '';
    var decidedText = root.getAttribute('data-decided-text') || '';
    var offlineText = root.getAttribute('data-offline-text') || '';
    var expiresAt = Number(root.getAttribute('data-expires-at'));
    var serverNow = Number(root.getAttribute('data-now'));
    // Server and browser clocks differ; count down from the server's view.
    var skew = isFinite(serverNow) && serverNow > 0 ? Date.now() - serverNow : 0;
    var polling = sameOrigin(statusUrl);
    var finished = false;
    var failures = 0;
    var pollTimer = null;
    var tickTimer = null;

    function secondsLeft() {
      if (!isFinite(expiresAt) || expiresAt <= 0) return null;
      return Math.max(0, Math.ceil((expiresAt + skew - Date.now()) / 1000));
    }

    function stopPolling() {
      polling = false;
      if (pollTimer !== null) clearTimeout(pollTimer);
      pollTimer = null;
    }

    function stopAll() {
      finished = true;
      stopPolling();
      if (tickTimer !== null) clearInterval(tickTimer);
      tickTimer = null;
    }

    // The server decides what happens next; the script only asks it to.
    function finish(text) {
      if (finished) return;
      stopAll();
      setText(stateText, text);
      submitOnce(checkForm);
    }

    function tick() {
      var left = secondsLeft();
      if (left === null || finished) return;
      if (left > 0) {
        setText(countdown, template.split('{time}').join(formatRemaining(left)).split('{seconds}').join(String(left)));
        return;
      }
      setText(countdown, expiredText);
      if (polling) {
        finish(expiredText);
      } else {
        stopAll();
        setText(stateText, expiredText);
      }
    }

    function schedule() {
      if (polling && !finished) pollTimer = setTimeout(poll, POLL_INTERVAL_MS);
    }

    function failed() {
      failures += 1;
      if (failures >= MAX_FAILURES) {
        stopPolling();
        setText(stateText, offlineText);
        // Nothing checks by itself any more: "Check again" becomes the main button.
        var button = checkForm && typeof checkForm.querySelector === 'function' ? checkForm.querySelector('button') : null;
        if (button && button.classList) button.classList.remove('toopher-secondary');
      } else {
        schedule();
      }
    }

    function handle(status, body) {
      if (!polling || finished) return;
      var state = body && typeof body === 'object' && typeof body.state === 'string' ? body.state : null;
      if (state === 'pending') {
        failures = 0;
        if (typeof body.expiresAt === 'number' && isFinite(body.expiresAt)) expiresAt = body.expiresAt;
        tick();
        schedule();
      } else if (state !== null && (status === 200 || status === 401 || status === 403)) {
        finish(decidedText);
      } else {
        failed();
      }
    }

    function poll() {
      pollTimer = null;
      if (!polling || finished) return;
      if (document.visibilityState === 'hidden') {
        schedule();
        return;
      }
      if (typeof fetch !== 'function') {
        stopPolling();
        return;
      }
      fetch(statusUrl, {
        method: 'GET',
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json' },
      }).then(function (response) {
        return response.json().then(function (body) {
          handle(response.status, body);
        }, function () {
          handle(response.status, null);
        });
      }, function () {
        if (polling && !finished) failed();
      });
    }

    // A form the user submits (check again, cancel, one-time password) ends polling.
    root.addEventListener('submit', function () {
      stopAll();
    });
    // Coming back through the history cache would show a stale page.
    window.addEventListener('pageshow', function (event) {
      if (event && event.persisted) window.location.reload();
    });

    tick();
    if (finished) return;
    tickTimer = setInterval(tick, 1000);
    if (polling) poll();
  }

  function start() {
    var pending = document.getElementById('toopher-pending');
    if (pending) startPending(pending);
    var replay = document.getElementById('toopher-replay');
    if (replay && String(replay.tagName).toUpperCase() === 'FORM') submitOnce(replay);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;
