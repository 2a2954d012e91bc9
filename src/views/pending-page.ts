import { html, renderDocument } from './html.js';
import { csrfInput, hiddenInput } from './hidden-input.js';
import type { BasePageModel } from './model.js';
import { safeUrl } from './safe-url.js';
import { formatString, resolveStrings, type PageStrings } from './strings.js';

export type PendingKind = 'login' | 'action' | 'pairing';

export interface PendingPageModel extends BasePageModel {
  readonly csrfToken: string;
  readonly kind: PendingKind;
  /** Pending request id; every form on the page also posts it as the hidden field `id`. */
  readonly id: string;
  /** GET URL answering the status JSON; polled by the client script. */
  readonly statusUrl: string;
  /** POST URL of the "Check again" form (`#toopher-check`), submitted by the script once decided. */
  readonly checkAction: string;
  readonly cancelAction?: string;
  /** POST URL receiving `otp`; the one-time password form is shown only when set. */
  readonly otpAction?: string;
  readonly otpError?: string;
  /** No push was sent (reason_code 708): the page asks only for the one-time password. */
  readonly otpOnly?: boolean;
  readonly terminalName?: string;
  readonly actionName?: string;
  /** Image of the pairing QR code (pairing by QR). */
  readonly qrImageUrl?: string;
  /** Epoch ms when the request expires. */
  readonly expiresAt: number;
  /** Server time in epoch ms, for the remaining time. */
  readonly now: number;
  /** Seconds between reloads for browsers without JavaScript (see `noScriptRefreshSeconds`). */
  readonly refreshSeconds: number;
  /** How often the page's script asks the status URL, in ms (the `pollIntervalMs` option). Default 1000. */
  readonly pollIntervalMs?: number;
  /**
   * `'pending'` (default): waiting for the phone. `'decided'`: the phone
   * answered; the page says so and shows only the `#toopher-check` form,
   * which completes the request (no reload, cancel or one-time password).
   * `'offline'`: the answer could not be checked right now (`strings.errorMessage`); the page keeps
   * reloading.
   */
  readonly state?: 'pending' | 'decided' | 'offline';
}

/** Formats whole seconds as m:ss. */
export function formatRemaining(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return `${minutes}:${rest < 10 ? '0' : ''}${rest}`;
}

function remainingSeconds(expiresAt: number, now: number): number {
  if (!Number.isFinite(expiresAt) || !Number.isFinite(now)) return 0;
  return Math.max(0, Math.ceil((expiresAt - now) / 1000));
}

function countdownText(s: PageStrings, seconds: number): string {
  return seconds > 0 ? formatString(s.countdown, { time: formatRemaining(seconds), seconds }) : s.countdownExpired;
}

function titleAndIntro(model: PendingPageModel, s: PageStrings): readonly [string, string] {
  switch (model.kind) {
    case 'action':
      return [
        s.pendingActionTitle,
        model.actionName !== undefined && model.actionName !== ''
          ? formatString(s.pendingActionIntro, { action: model.actionName })
          : s.pendingLoginIntro,
      ];
    case 'pairing':
      return [s.pendingPairingTitle, model.qrImageUrl !== undefined ? s.pendingPairingQrIntro : s.pendingPairingIntro];
    default:
      return [s.pendingLoginTitle, s.pendingLoginIntro];
  }
}

/**
 * The "check your phone" page. Works without JavaScript (meta refresh inside
 * `<noscript>` and a "Check again" button); the client script polls
 * `statusUrl` and submits `#toopher-check` once the request is decided.
 * The countdown is not a live region (it would be read out every second);
 * screen readers hear the state line, which says when time is up.
 */
/**
 * The no-JavaScript reload interval for a `pollIntervalMs`: a whole page
 * reload costs more than a status poll, so never more often than every 3 s.
 */
export function noScriptRefreshSeconds(pollIntervalMs: number): number {
  return Math.max(3, Math.ceil(pollIntervalMs / 1000));
}

export function renderPendingPage(model: PendingPageModel): string {
  const s = resolveStrings(model.strings);
  const otpOnly = model.otpOnly === true && model.otpAction !== undefined;
  const [title, intro] = otpOnly ? [s.otpRequiredTitle, s.otpRequiredIntro] : titleAndIntro(model, s);
  const seconds = remainingSeconds(model.expiresAt, model.now);
  const refresh = Number.isFinite(model.refreshSeconds) ? Math.max(1, Math.round(model.refreshSeconds)) : 5;
  const pollIntervalMs = model.pollIntervalMs !== undefined && Number.isFinite(model.pollIntervalMs) ? Math.max(250, Math.round(model.pollIntervalMs)) : 1000;
  const hasOtpError = model.otpError !== undefined && model.otpError !== '';
  const otpDescribedBy = hasOtpError ? 'toopher-otp-hint toopher-otp-error' : 'toopher-otp-hint';
  const hasTerminal = model.terminalName !== undefined && model.terminalName !== '';
  const hasAction = model.actionName !== undefined && model.actionName !== '';
  const common = html`${csrfInput(model.csrfToken)}${hiddenInput('id', model.id)}`;
  const decided = model.state === 'decided';
  const waiting = otpOnly ? s.otpRequiredWaiting : s.pendingWaiting;
  const stateText = decided ? formatString(s.pendingDecidedNoScript, { button: s.continue }) : model.state === 'offline' ? s.errorMessage : waiting;
  // While waiting, the page checks by itself (script or reload): "Check again" is secondary. Decided: "Continue".
  const checkButton = decided
    ? html`<button type="submit">${s.continue}</button>`
    : model.state === 'offline'
      ? html`<button type="submit">${s.checkAgain}</button>`
      : html`<button type="submit" class="toopher-secondary">${s.checkAgain}</button>`;

  const head = html`${!decided && html`<noscript><meta http-equiv="refresh" content="${refresh}"></noscript>`}
`;
  const body = html`<main class="toopher toopher-pending" id="toopher-pending" data-status-url="${safeUrl(model.statusUrl)}" data-expires-at="${Number.isFinite(model.expiresAt) ? model.expiresAt : 0}" data-now="${Number.isFinite(model.now) ? model.now : 0}" data-poll-interval-ms="${pollIntervalMs}" data-countdown-template="${s.countdown}" data-expired-text="${s.countdownExpired}" data-decided-text="${s.pendingDecided}" data-offline-text="${s.pendingOffline}">
<h1>${title}</h1>
${!decided && html`<p>${intro}</p>`}
${!decided && model.qrImageUrl !== undefined && html`<figure class="toopher-qr"><img src="${safeUrl(model.qrImageUrl, { allowDataImage: true })}" alt="${s.qrImageAlt}" width="228" height="228"></figure>`}
${(hasTerminal || hasAction) && html`<dl class="toopher-details">
${hasTerminal && html`<dt>${s.terminalLabel}</dt><dd>${model.terminalName}</dd>`}
${hasAction && html`<dt>${s.actionLabel}</dt><dd>${model.actionName}</dd>`}
</dl>`}
${!decided && html`<p class="toopher-countdown" id="toopher-countdown">${countdownText(s, seconds)}</p>`}
<p class="toopher-state" id="toopher-state" role="status" aria-live="polite">${stateText}</p>
<div class="toopher-actions">
<form id="toopher-check" method="post" action="${safeUrl(model.checkAction)}">
${common}
${checkButton}
</form>
${!decided && model.cancelAction !== undefined && html`<form id="toopher-cancel" method="post" action="${safeUrl(model.cancelAction)}">
${common}
<button type="submit" class="toopher-secondary">${s.cancel}</button>
</form>`}
</div>
${!decided && model.otpAction !== undefined && html`<section class="toopher-otp" aria-labelledby="toopher-otp-title">
<h2 id="toopher-otp-title">${otpOnly ? s.otpLabel : s.otpTitle}</h2>
<form id="toopher-otp-form" method="post" action="${safeUrl(model.otpAction)}">
${common}
<div class="toopher-field">
<label for="toopher-otp">${s.otpLabel}</label>
<input type="text" id="toopher-otp" name="otp" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9]*" maxlength="12" required aria-describedby="${otpDescribedBy}"${hasOtpError && html` aria-invalid="true"`}>
<p class="toopher-hint" id="toopher-otp-hint">${s.otpIntro}</p>
${hasOtpError && html`<p class="toopher-error" id="toopher-otp-error" role="alert">${model.otpError}</p>`}
</div>
<div class="toopher-actions"><button type="submit">${s.otpSubmit}</button></div>
</form>
</section>`}
</main>`;
  return renderDocument({ lang: s.lang, title, basePath: model.basePath, head, body, withScript: true });
}
