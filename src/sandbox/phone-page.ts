import { escapeHtml as e } from './html.js';
import type { SandboxAuthenticationRequest, SandboxPairing } from './types.js';

export interface PhonePageModel {
  /** Unused pairing phrases, newest first, with when each expires (epoch ms). */
  readonly phrases: readonly { readonly phrase: string; readonly expiresAt: number }[];
  /** The sandbox clock now (epoch ms). */
  readonly now: number;
  /** How long a request stays pending, to show when each one expires. */
  readonly pendingTimeoutMs: number;
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

/** `<time>` of an epoch-ms instant as HH:MM:SS UTC (the sandbox's clock, which tests may set). */
function time(epochMs: number): string {
  if (!Number.isFinite(epochMs)) return '—';
  const iso = new Date(epochMs).toISOString();
  return `<time datetime="${iso}">${iso.slice(11, 19)}</time>`;
}

/** A table cell with its column name, shown beside the value on narrow screens. */
function cell(label: string, content: string): string {
  return `<td data-label="${e(label)}">${content}</td>`;
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
  const requesterCell = (name: string): string => (model.showRequester ? cell('Requester', e(name)) : '');

  // Expired phrases are gone from the store; one that expires before the next look is left out too.
  const livePhrases = model.phrases.filter((p) => p.expiresAt > model.now);
  const phrases =
    livePhrases.length === 0
      ? '<p>No unused pairing phrase.</p>'
      : `<ul class="phrases">${livePhrases.map((p) => `<li><strong class="phrase">${e(p.phrase)}</strong> <span class="muted">valid until ${time(p.expiresAt)} UTC</span></li>`).join('')}</ul>`;

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
      return `<tr id="pairing-${e(p.id)}">${cell('User', e(p.user.name))}${requesterCell(p.user.requester.name)}${cell('State', pairingState(p))}${cell('Current OTP', showOtp ? `<code class="otp">${e(otp)}</code>` : '—')}${cell('Pairing id', `<code>${e(p.id)}</code>`)}${cell('Actions', actions.join(''))}</tr>`;
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
      const createdAt = r.created_seconds_since_epoch * 1000;
      const times = r.pending
        ? `${time(createdAt)}, expires ${time(createdAt + model.pendingTimeoutMs)}`
        : time(createdAt);
      return `<tr id="request-${e(r.id)}">${cell('User', e(r.user.name))}${requesterCell(r.user.requester.name)}${cell('Terminal', e(r.terminal.name))}${cell('Action', e(r.action.name))}${cell('Made (UTC)', times)}${cell('State', e(requestState(r)))}${cell('Reason', e(r.reason))}${cell('Answer', actions)}</tr>`;
    })
    .join('');
  const requests =
    model.requests.length === 0
      ? '<p>No authentication requests.</p>'
      : `<table><caption>Authentication requests, newest first</caption><thead><tr><th scope="col">User</th>${requesterHead}<th scope="col">Terminal</th><th scope="col">Action</th><th scope="col">Made (UTC)</th><th scope="col">State</th><th scope="col">Reason</th><th scope="col">Answer</th></tr></thead><tbody>${requestRows}</tbody></table>`;

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
<main class="phone">
<h1>Toopher sandbox phone</h1>
${model.notice === undefined ? '' : `<p role="status" class="notice">${e(model.notice)}</p>`}
<p>${refreshLink}</p>
<form method="get" action="/phone" class="filter"><label for="user_name">Show user</label> <select id="user_name" name="user_name">${options}</select> <button type="submit">Show</button></form>
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

/** The look of the app's pages (passport-toopher's own stylesheet): card, colours, buttons; tables turn into cards under 40rem. */
export const PHONE_CSS = `:root{color-scheme:light dark;--fg:#1b1b1f;--muted:#55565c;--bg:#f4f5f7;--card:#fff;--border:#767680;--line:#d5d6db;--accent:#1f5fbf;--accent-fg:#fff;--notice:#e8f0fe;--focus:#f2a900}
@media (prefers-color-scheme:dark){:root{--fg:#e6e6ea;--muted:#b0b1b8;--bg:#121214;--card:#1d1d21;--border:#8d8d96;--line:#3a3a40;--accent:#8ab4f8;--accent-fg:#0b1a33;--notice:#1f2a3d}}
*,*::before,*::after{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:1rem;line-height:1.5;color:var(--fg);background:var(--bg)}
.phone{max-width:64rem;margin:2rem auto;padding:2rem;background:var(--card);border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}h2{font-size:1.125rem;margin:2rem 0 .5rem}
a{color:var(--accent)}.muted{color:var(--muted);font-size:.875rem}
table{width:100%;border-collapse:collapse;margin:.5rem 0 1.5rem}caption{text-align:left;font-weight:600;padding-bottom:.25rem}
th,td{border-bottom:1px solid var(--line);padding:.5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
form{display:inline-block;max-width:100%;margin:0 .25rem .25rem 0}form.filter{display:block}
button{font:inherit;font-weight:600;line-height:1.25;padding:.5rem 1rem;border:2px solid var(--accent);border-radius:.25rem;background:var(--accent);color:var(--accent-fg);cursor:pointer}
select{max-width:100%;font:inherit;padding:.375rem;border:1px solid var(--border);border-radius:.25rem;background:transparent;color:inherit}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.phrases{padding-left:1.25rem}.otp,.phrase{font-size:1.25rem;letter-spacing:.05em}
.notice{background:var(--notice);border-left:4px solid var(--accent);padding:.75rem 1rem}
@media (max-width:40rem){
.phone{margin:0;border-radius:0;padding:1rem;box-shadow:none}
table,caption,tbody,tr,td{display:block;width:100%}thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
tr{border:1px solid var(--line);border-radius:.25rem;margin-bottom:.75rem;padding:.25rem .5rem}td{border:0;padding:.25rem 0}
td::before{content:attr(data-label);display:block;font-size:.75rem;font-weight:600;color:var(--muted)}
}
`;
