import { html, renderDocument } from './html.js';
import type { BasePageModel } from './model.js';
import { safeUrl } from './safe-url.js';
import { resolveStrings } from './strings.js';

export type ResultStatus = 'denied' | 'expired' | 'error' | 'info';

export interface ResultPageModel extends BasePageModel {
  readonly title: string;
  readonly message: string;
  readonly status: ResultStatus;
  readonly retryUrl?: string;
  /** Defaults to `strings.retry`. */
  readonly retryLabel?: string;
  readonly continueUrl?: string;
  /** Defaults to `strings.continue`. */
  readonly continueLabel?: string;
}

/** A page telling the outcome (denied, expired, error, info) with optional retry and continue links. */
export function renderResultPage(model: ResultPageModel): string {
  const s = resolveStrings(model.strings);
  const hasLinks = model.retryUrl !== undefined || model.continueUrl !== undefined;
  const body = html`<main class="toopher toopher-result toopher-result-${model.status}">
<h1>${model.title}</h1>
<p class="toopher-message">${model.message}</p>
${hasLinks && html`<p class="toopher-actions">
${model.retryUrl !== undefined && html`<a class="toopher-button" href="${safeUrl(model.retryUrl)}">${model.retryLabel ?? s.retry}</a>`}
${model.continueUrl !== undefined && html`<a class="toopher-button toopher-secondary" href="${safeUrl(model.continueUrl)}">${model.continueLabel ?? s.continue}</a>`}
</p>`}
</main>`;
  return renderDocument({ lang: s.lang, title: model.title, basePath: model.basePath, body });
}
