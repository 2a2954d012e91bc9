import { escapeHtml as e } from '../html.js';
import type { SandboxPairing } from '../types.js';
import type { IframeSession } from './sessions.js';

/**
 * The iframe's pages: plain HTML, one external script (iframe.js) and no
 * inline script or style, so they run under a strict CSP.
 */

export const IFRAME_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'";

function page(title: string, body: string, data: Record<string, string> = {}): string {
  const attributes = Object.entries(data)
    .map(([name, value]) => ` data-${name}="${e(value)}"`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<link rel="stylesheet" href="/v1/web/iframe.css">
<script src="/v1/web/iframe.js" defer></script>
</head>
<body>
<main id="toopher-iframe"${attributes}>
<h1>${e(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

function form(session: IframeSession, action: string, fields: string, button: string): string {
  return `<form method="post" action="/v1/web/s/${e(session.id)}/${action}"><input type="hidden" name="form_token" value="${e(session.formToken)}">${fields}<button type="submit">${e(button)}</button></form>`;
}

function notice(session: IframeSession): string {
  return session.notice === undefined ? '' : `<p class="notice" role="alert">${e(session.notice)}</p>`;
}

function waitingData(session: IframeSession): Record<string, string> {
  return { status: `/v1/web/s/${session.id}/status`, stage: session.stage };
}

/** The page of the session's current stage. */
export function renderSessionPage(session: IframeSession, pairing: SandboxPairing | undefined): string {
  const userName = session.request.userName;
  switch (session.stage) {
    case 'pair':
      return page(
        'Pair your phone with Toopher',
        `<p>Open the Toopher app (on the sandbox: the phone page), make a pairing phrase and type it here to protect <strong>${e(userName)}</strong>.</p>${notice(session)}` +
          form(session, 'pair', '<label for="pairing_phrase">Pairing phrase</label> <input id="pairing_phrase" name="pairing_phrase" autocomplete="off" required maxlength="200">', 'Pair') +
          `<p>Or scan a code with the app:</p>${form(session, 'pair_qr', '', 'Show a QR code')}`,
      );
    case 'pairing_wait':
      return page(
        'Accept the pairing on your phone',
        (session.pairingByQr === true
          ? `<p>Scan this code with the Toopher app.</p><img src="/v1/web/s/${e(session.id)}/qr.png" alt="Pairing QR code" width="228" height="228">`
          : '') +
          `<p role="status">Waiting for your phone to accept the pairing…</p><noscript><p>Reload this page once you accepted.</p></noscript>`,
        waitingData(session),
      );
    case 'name_terminal':
      return page(
        'Name this device',
        `<p>Toopher does not know this browser yet. Give it a name you will recognise on your phone.</p>${notice(session)}` +
          form(session, 'terminal', '<label for="terminal_name">Device name</label> <input id="terminal_name" name="terminal_name" required maxlength="200">', 'Continue'),
      );
    case 'waiting':
      return page(
        'Check your phone',
        `<p>Toopher sent a request to <strong>${e(session.request.actionName)}</strong> to your phone.</p><p role="status">Waiting for your answer…</p><noscript><p>Reload this page once you answered.</p></noscript>`,
        waitingData(session),
      );
    case 'otp':
      return page(
        'Enter your one-time password',
        `<p>Your account signs in with the one-time password shown in the Toopher app.</p>${notice(session)}` +
          form(session, 'otp', '<label for="otp">One-time password</label> <input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" required maxlength="12">', 'Submit'),
      );
    case 'manage':
      return page(
        'Your Toopher pairing',
        pairing === undefined
          ? '<p>No phone is paired.</p>'
          : `<p><strong>${e(userName)}</strong> is paired with a phone (pairing <code>${e(pairing.id)}</code>).</p>` +
              form(session, 'reset', '', 'Remove this pairing'),
      );
    case 'done':
      return page('Done', '<p role="status">Done. Returning to the site…</p>', {
        result: JSON.stringify(session.result ?? {}),
        'target-origin': session.targetOrigin,
      });
  }
}

/** An HTML error page (bad, expired or replayed URL; unknown session). */
export function renderErrorPage(message: string): string {
  return page('Toopher error', `<p class="notice" role="alert">${e(message)}</p>`);
}

export const IFRAME_CSS = `body{font-family:system-ui,sans-serif;margin:1rem;line-height:1.4;color:#111;background:#fff}
h1{font-size:1.25rem}label{display:block;margin:.5rem 0 .25rem}input{font-size:1rem;padding:.25rem}
button{font-size:1rem;padding:.25rem .75rem;margin-top:.5rem}.notice{border:2px solid #a00;padding:.5rem}
`;

/**
 * iframe.js: polls the status of a waiting page and reloads it when the stage
 * changes; on the done page posts the signed result to the parent as the JSON
 * string `{"status":"toopher-api-complete","payload":{...}}` (§6.1).
 */
export const IFRAME_SCRIPT = `(function () {
  'use strict';
  var root = document.getElementById('toopher-iframe');
  if (!root) return;
  var result = root.getAttribute('data-result');
  if (result !== null) {
    var message = JSON.stringify({ status: 'toopher-api-complete', payload: JSON.parse(result) });
    if (window.parent && window.parent !== window) {
      window.parent.postMessage(message, root.getAttribute('data-target-origin') || '*');
    }
    return;
  }
  var statusUrl = root.getAttribute('data-status');
  var stage = root.getAttribute('data-stage');
  if (!statusUrl) return;
  function poll() {
    fetch(statusUrl, { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (body && body.stage !== stage) window.location.reload();
        else setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 1000);
})();
`;
