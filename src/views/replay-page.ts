import { html, renderDocument } from './html.js';
import { hiddenInput } from './hidden-input.js';
import type { BasePageModel } from './model.js';
import { safeUrl } from './safe-url.js';
import { resolveStrings } from './strings.js';

export interface ReplayPageModel extends BasePageModel {
  /** POST URL of the held request. */
  readonly action: string;
  /** Hidden fields, in order (names may repeat). */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  /** Defaults to `strings.replayMessage`. */
  readonly message?: string;
}

/**
 * Re-submits an approved POST: form `#toopher-replay` with hidden fields and a
 * visible "Continue" button; the client script submits it once.
 */
export function renderReplayPage(model: ReplayPageModel): string {
  const s = resolveStrings(model.strings);
  const body = html`<main class="toopher toopher-replay">
<h1>${s.replayTitle}</h1>
<p role="status">${model.message ?? s.replayMessage}</p>
<form id="toopher-replay" method="post" action="${safeUrl(model.action)}">
${model.fields.map(([name, value]) => html`${hiddenInput(name, value)}
`)}<div class="toopher-actions"><button type="submit">${s.replaySubmit}</button></div>
</form>
</main>`;
  return renderDocument({ lang: s.lang, title: s.replayTitle, basePath: model.basePath, body, withScript: true });
}
