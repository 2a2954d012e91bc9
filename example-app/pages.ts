/** The example app's own pages. Plain HTML, no inline script or style (strict CSP). */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Toopher example</title>
<link rel="stylesheet" href="/toopher/assets/toopher.css">
<link rel="stylesheet" href="/app.css">
</head>
<body>
<main class="toopher">
${body}
</main>
</body>
</html>`;
}

function csrfField(token: string): string {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`;
}

/** The sign-in form carries no CSRF token: it is checked by origin (`cross-origin.ts`), so a visit stores no session. */
export function loginPage(model: { returnTo: string; error?: string | undefined }): string {
  const error = model.error === undefined ? '' : `<p class="toopher-error" role="alert">${escapeHtml(model.error)}</p>`;
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
${error}
<form method="post" action="/login">
<input type="hidden" name="returnTo" value="${escapeHtml(model.returnTo)}">
<div class="toopher-field"><label for="username">Username</label><input id="username" name="username" type="text" autocomplete="username" required></div>
<div class="toopher-field"><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></div>
<div class="toopher-actions"><button type="submit">Sign in</button></div>
</form>
<p class="toopher-hint">Demo users: <strong>alice</strong> and <strong>bob</strong>, password <strong>demo-password</strong>.
Approve sign-ins on the sandbox phone page.</p>`,
  );
}

function logoutForm(csrfToken: string): string {
  return `<form method="post" action="/logout">${csrfField(csrfToken)}<button type="submit">Log out</button></form>`;
}

export function homePage(model: { csrfToken: string; displayName: string }): string {
  return layout(
    'Home',
    `<h1>Signed in as ${escapeHtml(model.displayName)}</h1>
<ul>
<li><a href="/transfer">Transfer money</a> (asks your phone first)</li>
<li><a href="/settings">Two-factor settings</a></li>
<li><a href="/transfers.json">Executed transfers (JSON)</a></li>
</ul>
${logoutForm(model.csrfToken)}`,
  );
}

export function transferPage(model: { csrfToken: string; error?: string | undefined }): string {
  const error = model.error === undefined ? '' : `<p class="toopher-error" role="alert">${escapeHtml(model.error)}</p>`;
  return layout(
    'Transfer money',
    `<h1>Transfer money</h1>
${error}
<form method="post" action="/transfer">
${csrfField(model.csrfToken)}
<div class="toopher-field"><label for="amount">Amount</label><input id="amount" name="amount" type="text" inputmode="decimal" autocomplete="off" required></div>
<div class="toopher-field"><label for="recipient">Recipient</label><input id="recipient" name="recipient" type="text" autocomplete="off" required></div>
<div class="toopher-actions"><button type="submit">Send</button></div>
</form>
<p><a href="/">Back</a></p>`,
  );
}

export function transferDonePage(model: { amount: string; recipient: string; id: number }): string {
  return layout(
    'Transfer complete',
    `<h1>Transfer complete</h1>
<p role="status">Sent ${escapeHtml(model.amount)} to ${escapeHtml(model.recipient)} (transfer #${escapeHtml(model.id)}).</p>
<p><a href="/">Back to the start page</a></p>`,
  );
}

export function settingsPage(model: {
  csrfToken: string;
  toopherEnabled: boolean;
  /** False when the site requires two-factor (TOOPHER_ENROLLMENT=required). */
  canTurnOff: boolean;
  pairings: readonly { enabled: boolean; pending: boolean; deactivated: boolean }[];
  error?: string | undefined;
}): string {
  const active = model.pairings.filter((p) => p.enabled && !p.deactivated).length;
  const state = model.toopherEnabled ? 'on' : 'off';
  const error = model.error === undefined ? '' : `<p class="toopher-error" role="alert">${escapeHtml(model.error)}</p>`;
  return layout(
    'Two-factor settings',
    `<h1>Two-factor settings</h1>
${error}
<p role="status">Toopher is <strong>${state}</strong> for your account. Active pairings: ${active}.</p>
${
  model.toopherEnabled && !model.canTurnOff
    ? '<p>This site requires two-factor authentication, so it cannot be turned off.</p>'
    : `<form method="post" action="/settings">
${csrfField(model.csrfToken)}
<input type="hidden" name="enabled" value="${model.toopherEnabled ? 'false' : 'true'}">
<button type="submit">${model.toopherEnabled ? 'Turn Toopher off' : 'Turn Toopher on'}</button>
</form>`
}
<p><a href="/">Back</a></p>`,
  );
}

export function errorPage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/">Start page</a></p>`);
}
