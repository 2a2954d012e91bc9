import { html, renderDocument } from './html.js';
import { csrfInput } from './hidden-input.js';
import type { BasePageModel } from './model.js';
import { safeUrl } from './safe-url.js';
import { resolveStrings } from './strings.js';

export interface NameTerminalPageModel extends BasePageModel {
  readonly csrfToken: string;
  /** POST URL receiving `terminal_name`. */
  readonly action: string;
  /** Pre-filled when `value` is absent, e.g. from `suggestTerminalName(userAgent)`. */
  readonly suggestedName: string;
  /** The name the user typed, re-filled after an error. */
  readonly value?: string;
  readonly error?: string;
}

/** The page asking the user to name this browser (field `terminal_name`). */
export function renderNameTerminalPage(model: NameTerminalPageModel): string {
  const s = resolveStrings(model.strings);
  const hasError = model.error !== undefined && model.error !== '';
  const describedBy = hasError ? 'toopher-terminal-name-hint toopher-terminal-name-error' : 'toopher-terminal-name-hint';
  const body = html`<main class="toopher toopher-name-terminal">
<h1>${s.nameTerminalTitle}</h1>
<p>${s.nameTerminalIntro}</p>
<form method="post" action="${safeUrl(model.action)}">
${csrfInput(model.csrfToken)}
<div class="toopher-field">
<label for="toopher-terminal-name">${s.terminalNameLabel}</label>
<input type="text" id="toopher-terminal-name" name="terminal_name" value="${model.value ?? model.suggestedName}" autocomplete="off" maxlength="100" required aria-describedby="${describedBy}"${hasError && html` aria-invalid="true"`}>
<p class="toopher-hint" id="toopher-terminal-name-hint">${s.terminalNameHint}</p>
${hasError && html`<p class="toopher-error" id="toopher-terminal-name-error" role="alert">${model.error}</p>`}
</div>
<div class="toopher-actions"><button type="submit">${s.nameTerminalSubmit}</button></div>
</form>
</main>`;
  return renderDocument({ lang: s.lang, title: s.nameTerminalTitle, basePath: model.basePath, body });
}
