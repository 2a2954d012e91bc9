import { escapeHtml as e } from './html.js';
import type { SandboxAuthenticationRequest, SandboxPairing } from './types.js';

export interface PhonePageModel {
  readonly phrases: readonly string[];
  readonly pairings: readonly { readonly pairing: SandboxPairing; readonly otp: string }[];
  readonly requests: readonly SandboxAuthenticationRequest[];
  readonly userNames: readonly string[];
  /** Only this user's pairings and requests, when set. */
  readonly userName: string | undefined;
  readonly notice: string | undefined;
  /** Seconds between automatic reloads; `undefined` turns reloading off. */
  readonly refreshSeconds: number | undefined;
  /** Path and query of this page, where the forms come back to. */
  readonly returnTo: string;
  /** Show the requester column (more than one consumer). */
  readonly showRequester: boolean;
  /** The control token, carried by every form (see control-guard.ts). */
  readonly token: string;
}

function pairingState(p: SandboxPairing): string {
  if (p.deactivated) return 'deactivated';
  if (p.pending) return 'pending';
  if (!p.enabled) return 'denied';
  return p.otp_required ? 'active, OTP required' : 'active';
}

function requestState(r: SandboxAuthenticationRequest): string {
  if (r.pending) return r.reason_code === 708 ? 'waiting for an OTP on the website' : 'pending';
  if (r.cancelled) return 'cancelled';
  const outcome = r.granted ? 'granted' : 'denied';
  return r.automated ? `${outcome} (automated)` : outcome;
}

function form(action: string, returnTo: string, fields: Record<string, string>, label: string, token: string): string {
  const hidden = Object.entries({ ...fields, sandbox_token: token })
    .map(([name, value]) => `<input type="hidden" name="${e(name)}" value="${e(value)}">`)
    .join('');
  return `<form method="post" action="${e(action)}"><input type="hidden" name="return_to" value="${e(returnTo)}">${hidden}<button type="submit">${e(label)}</button></form>`;
}

/** The simulated phone: plain HTML, no script, reloads itself with a meta refresh. */
export function renderPhonePage(model: PhonePageModel): string {
  const { returnTo } = model;
  const requesterHead = model.showRequester ? '<th scope="col">Requester</th>' : '';
  const requesterCell = (name: string): string => (model.showRequester ? `<td>${e(name)}</td>` : '');

  const phrases =
    model.phrases.length === 0
      ? '<p>No unused pairing phrase.</p>'
      : `<ul>${model.phrases.map((p) => `<li><strong class="phrase">${e(p)}</strong></li>`).join('')}</ul>`;

  const pairingRows = model.pairings
    .map(({ pairing: p, otp }) => {
      const actions: string[] = [];
      if (p.pending) {
        actions.push(form(`/sandbox/pairings/${p.id}/respond`, returnTo, { granted: 'true' }, 'Grant', model.token));
        actions.push(form(`/sandbox/pairings/${p.id}/respond`, returnTo, { granted: 'false' }, 'Deny', model.token));
      }
      if (!p.deactivated) {
        const otpLabel = p.otp_required ? 'Allow push again' : 'Require OTP';
        actions.push(form(`/sandbox/pairings/${p.id}/require_otp`, returnTo, { required: String(!p.otp_required) }, otpLabel, model.token));
        actions.push(form(`/sandbox/pairings/${p.id}/deactivate`, returnTo, {}, 'Deactivate', model.token));
      }
      const showOtp = p.enabled && !p.deactivated;
      return `<tr id="pairing-${e(p.id)}"><td>${e(p.user.name)}</td>${requesterCell(p.user.requester.name)}<td>${pairingState(p)}</td><td>${showOtp ? `<code class="otp">${e(otp)}</code>` : '—'}</td><td><code>${e(p.id)}</code></td><td>${actions.join('')}</td></tr>`;
    })
    .join('');
  const pairings =
    model.pairings.length === 0
      ? '<p>No pairings.</p>'
      : `<table><caption>Pairings, newest first</caption><thead><tr><th scope="col">User</th>${requesterHead}<th scope="col">State</th><th scope="col">Current OTP</th><th scope="col">Pairing id</th><th scope="col">Actions</th></tr></thead><tbody>${pairingRows}</tbody></table>`;

  const requestRows = model.requests
    .map((r) => {
      const path = `/sandbox/authentication_requests/${r.id}/respond`;
      const actions = r.pending && r.reason_code !== 708
        ? [
            form(path, returnTo, { granted: 'true' }, 'Grant', model.token),
            form(path, returnTo, { granted: 'false' }, 'Deny', model.token),
            form(path, returnTo, { granted: 'true', automate: 'true' }, 'Grant and automate', model.token),
          ].join('')
        : '';
      return `<tr id="request-${e(r.id)}"><td>${e(r.user.name)}</td>${requesterCell(r.user.requester.name)}<td>${e(r.terminal.name)}</td><td>${e(r.action.name)}</td><td>${e(requestState(r))}</td><td>${e(r.reason)}</td><td>${actions}</td></tr>`;
    })
    .join('');
  const requests =
    model.requests.length === 0
      ? '<p>No authentication requests.</p>'
      : `<table><caption>Authentication requests, newest first</caption><thead><tr><th scope="col">User</th>${requesterHead}<th scope="col">Terminal</th><th scope="col">Action</th><th scope="col">State</th><th scope="col">Reason</th><th scope="col">Answer</th></tr></thead><tbody>${requestRows}</tbody></table>`;

  const options = ['<option value="">Every user</option>']
    .concat(
      model.userNames.map(
        (n) => `<option value="${e(n)}"${n === model.userName ? ' selected' : ''}>${e(n)}</option>`,
      ),
    )
    .join('');
  const userQuery = model.userName === undefined ? '' : `user_name=${encodeURIComponent(model.userName)}&`;
  const refreshLink =
    model.refreshSeconds === undefined
      ? `<a href="/phone?${userQuery}">Turn automatic refresh on</a>`
      : `<a href="/phone?${userQuery}refresh=off">Turn automatic refresh off</a>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${model.refreshSeconds === undefined ? '' : `<meta http-equiv="refresh" content="${model.refreshSeconds}">`}
<title>Toopher sandbox phone</title>
<link rel="stylesheet" href="/phone.css">
</head>
<body>
<main>
<h1>Toopher sandbox phone</h1>
${model.notice === undefined ? '' : `<p role="status" class="notice">${e(model.notice)}</p>`}
<p>${refreshLink}</p>
<form method="get" action="/phone"><label for="user_name">Show user</label> <select id="user_name" name="user_name">${options}</select> <button type="submit">Show</button></form>
<h2>Pair a new phone</h2>
${form('/sandbox/pairing_phrases', returnTo, {}, 'New pairing phrase', model.token)}
<p>Type an unused phrase into the website's pairing form, then grant the pairing below.</p>
${phrases}
<h2>Authentication requests</h2>
${requests}
<h2>Pairings</h2>
${pairings}
</main>
</body>
</html>
`;
}

export const PHONE_CSS = `body{font-family:system-ui,sans-serif;margin:1rem;line-height:1.4;color:#111;background:#fff}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}caption{text-align:left;font-weight:600}
th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}
form{display:inline-block;margin:0 .25rem .25rem 0}button{font-size:1rem;padding:.25rem .75rem}
.otp,.phrase{font-size:1.25rem;letter-spacing:.05em}.notice{border:2px solid #555;padding:.5rem}
`;
