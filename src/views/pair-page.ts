import { html, renderDocument } from './html.js';
import { csrfInput } from './hidden-input.js';
import type { BasePageModel } from './model.js';
import { safeUrl } from './safe-url.js';
import { resolveStrings } from './strings.js';

export interface PairPageModel extends BasePageModel {
  readonly csrfToken: string;
  /** POST URL receiving `pairing_phrase`. */
  readonly action: string;
  /** POST URL that starts a pairing by QR code instead. */
  readonly qrAction?: string;
  /** POST URL to continue without pairing; only when enrollment is optional. */
  readonly skipAction?: string;
  /** Shown above the form, e.g. that the old pairing was removed. */
  readonly notice?: string;
  readonly error?: string;
  /** The phrase the user typed, re-filled after an error. */
  readonly pairingPhrase?: string;
}

/** The page asking for the pairing phrase shown in the Toopher app (field `pairing_phrase`). */
export function renderPairPage(model: PairPageModel): string {
  const s = resolveStrings(model.strings);
  const hasError = model.error !== undefined && model.error !== '';
  const describedBy = hasError ? 'toopher-pairing-phrase-hint toopher-pairing-phrase-error' : 'toopher-pairing-phrase-hint';
  const body = html`<main class="toopher toopher-pair">
<h1>${s.pairTitle}</h1>
${model.notice !== undefined && model.notice !== '' && html`<p class="toopher-notice" role="status">${model.notice}</p>`}
<p>${s.pairIntro}</p>
<form method="post" action="${safeUrl(model.action)}">
${csrfInput(model.csrfToken)}
<div class="toopher-field">
<label for="toopher-pairing-phrase">${s.pairingPhraseLabel}</label>
<input type="text" id="toopher-pairing-phrase" name="pairing_phrase" value="${model.pairingPhrase ?? ''}" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="200" required aria-describedby="${describedBy}"${hasError && html` aria-invalid="true"`}>
<p class="toopher-hint" id="toopher-pairing-phrase-hint">${s.pairingPhraseHint}</p>
${hasError && html`<p class="toopher-error" id="toopher-pairing-phrase-error" role="alert">${model.error}</p>`}
</div>
<div class="toopher-actions"><button type="submit">${s.pairSubmit}</button></div>
</form>
${model.qrAction !== undefined && html`<p>${s.pairQrIntro}</p>
<form method="post" action="${safeUrl(model.qrAction)}">
${csrfInput(model.csrfToken)}
<div class="toopher-actions"><button type="submit" class="toopher-secondary">${s.pairWithQr}</button></div>
</form>`}
${model.skipAction !== undefined && html`<p>${s.pairSkipIntro}</p>
<form method="post" action="${safeUrl(model.skipAction)}">
${csrfInput(model.csrfToken)}
<div class="toopher-actions"><button type="submit" class="toopher-secondary">${s.pairSkip}</button></div>
</form>`}
</main>`;
  return renderDocument({ lang: s.lang, title: s.pairTitle, basePath: model.basePath, body });
}
