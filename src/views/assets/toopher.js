(function () {
  'use strict';
  if (typeof document === 'undefined' || typeof window === 'undefined') return;

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
    // The server's pollIntervalMs (it answers from its last check more often than that anyway).
    var interval = Number(root.getAttribute('data-poll-interval-ms'));
    var pollIntervalMs = isFinite(interval) && interval >= 250 ? interval : 1000;
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
      if (polling && !finished) pollTimer = setTimeout(poll, pollIntervalMs);
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
