/**
 * Sentences the middleware shows besides those of the pages
 * (`PageStrings` in the views). Override them through the `strings`
 * option, together with the page strings.
 */
export interface MiddlewareMessages {
  readonly signInRequiredTitle: string;
  readonly signInRequiredMessage: string;
  readonly rateLimitedTitle: string;
  readonly rateLimitedMessage: string;
  readonly grantRefusedTitle: string;
  readonly grantRefusedMessage: string;
  readonly forbiddenTitle: string;
  readonly csrfMessage: string;
  readonly badRequestTitle: string;
  readonly badRequestMessage: string;
  readonly requestTooLargeMessage: string;
  readonly unsupportedRequestMessage: string;
  readonly unsafeUrlMessage: string;
  readonly accountUnavailableMessage: string;
  readonly unavailableTitle: string;
  readonly unavailableMessage: string;
  readonly pairingRequiredTitle: string;
  readonly pairingRequiredMessage: string;
  readonly pairingRemovedMessage: string;
  readonly skipNotAllowedMessage: string;
}

export const defaultMessages: MiddlewareMessages = Object.freeze({
  signInRequiredTitle: 'Sign in first',
  signInRequiredMessage: 'You need to be signed in to do this.',
  rateLimitedTitle: 'Too many requests',
  rateLimitedMessage: 'Too many approval requests were sent to your phone. Wait a minute and try again.',
  grantRefusedTitle: 'Action not run',
  grantRefusedMessage:
    'This approval was already used, has expired, or does not match this request, so the action did not run again.',
  forbiddenTitle: 'Request refused',
  csrfMessage: 'This form has expired or did not come from this site. Go back, reload the page and try again.',
  badRequestTitle: 'Bad request',
  badRequestMessage: 'The request could not be understood.',
  requestTooLargeMessage: 'The request is too large or too deeply nested to be held for approval.',
  unsupportedRequestMessage: 'This kind of request cannot be held for approval.',
  unsafeUrlMessage: 'This address is not a page of this site (it starts with // or contains a backslash), so it cannot be approved.',
  accountUnavailableMessage: 'Your account is no longer available. Sign in again.',
  unavailableTitle: 'Verification unavailable',
  unavailableMessage:
    'Two-step verification cannot be reached right now, so nothing was done. Try again in a moment.',
  pairingRequiredTitle: 'Phone not paired',
  pairingRequiredMessage:
    'This action must be approved on your phone, but no phone is paired with your account, so nothing was done. Sign out and sign in again to pair one.',
  pairingRemovedMessage:
    'This action must be approved on your phone, but the pairing with your phone was removed, so nothing was done. Sign out and sign in again to pair your phone again.',
  skipNotAllowedMessage:
    'Two-step verification cannot be skipped for this account because a phone was paired with it before. Pair your phone again to continue.',
});

/** Merges string overrides (ignoring unknown keys and non-strings). */
export function resolveMessages(overrides: Readonly<Record<string, unknown>> | undefined): MiddlewareMessages {
  if (overrides === undefined) return defaultMessages;
  const merged: Record<string, string> = { ...defaultMessages };
  for (const [key, value] of Object.entries(overrides)) {
    if (Object.hasOwn(defaultMessages, key) && typeof value === 'string') merged[key] = value;
  }
  return Object.freeze(merged) as unknown as MiddlewareMessages;
}
