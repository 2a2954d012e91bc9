import { html, type SafeHtml } from './html.js';

/** Name of the form field carrying the CSRF token on every form the pages render. */
export const CSRF_FIELD = '_csrf';

export function hiddenInput(name: string, value: string): SafeHtml {
  return html`<input type="hidden" name="${name}" value="${value}">`;
}

export function csrfInput(token: string): SafeHtml {
  return hiddenInput(CSRF_FIELD, token);
}
