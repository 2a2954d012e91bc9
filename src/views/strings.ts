/**
 * Every sentence the default pages show. Override any of them per page model
 * (`strings`) or through the middleware options to translate the pages.
 * Placeholders in braces (`{action}`, `{time}`, `{seconds}`, `{button}`) are filled in by
 * the pages and by the client script; keep them when translating.
 */
export interface PageStrings {
  /** BCP 47 language tag for `<html lang>`. */
  readonly lang: string;

  readonly pairTitle: string;
  readonly pairIntro: string;
  readonly pairingPhraseLabel: string;
  readonly pairingPhraseHint: string;
  readonly pairSubmit: string;
  readonly pairQrIntro: string;
  readonly pairWithQr: string;
  readonly pairSkipIntro: string;
  readonly pairSkip: string;
  readonly pairingPhraseRequired: string;
  readonly pairingPhraseRejected: string;
  readonly pairingDeactivatedNotice: string;

  readonly nameTerminalTitle: string;
  readonly nameTerminalIntro: string;
  readonly terminalNameLabel: string;
  readonly terminalNameHint: string;
  readonly nameTerminalSubmit: string;
  readonly terminalNameRequired: string;

  readonly pendingLoginTitle: string;
  readonly pendingLoginIntro: string;
  readonly pendingActionTitle: string;
  /** Uses `{action}`. */
  readonly pendingActionIntro: string;
  readonly pendingPairingTitle: string;
  readonly pendingPairingIntro: string;
  readonly pendingPairingQrIntro: string;
  readonly qrImageAlt: string;
  readonly terminalLabel: string;
  readonly actionLabel: string;
  /** Uses `{time}` (m:ss) and/or `{seconds}`. */
  readonly countdown: string;
  readonly countdownExpired: string;
  readonly pendingWaiting: string;
  readonly pendingDecided: string;
  /** Shown once the phone answered, when the page's button (`{button}`: `continue`, the button's label) completes the request. */
  readonly pendingDecidedNoScript: string;
  readonly pendingOffline: string;
  readonly checkAgain: string;
  readonly cancel: string;
  readonly otpTitle: string;
  readonly otpIntro: string;
  /** Title and intro of the pending page when Toopher sent no push (reason_code 708). */
  readonly otpRequiredTitle: string;
  readonly otpRequiredIntro: string;
  readonly otpRequiredWaiting: string;
  readonly otpLabel: string;
  readonly otpSubmit: string;
  readonly otpInvalid: string;
  readonly otpTooManyAttempts: string;

  readonly replayTitle: string;
  readonly replayMessage: string;
  readonly replaySubmit: string;

  readonly retry: string;
  readonly continue: string;
  readonly deniedTitle: string;
  readonly loginDeniedMessage: string;
  readonly actionDeniedMessage: string;
  readonly pairingDeniedMessage: string;
  /** A pairing not confirmed on the phone before its time-out. */
  readonly pairingExpiredMessage: string;
  readonly expiredTitle: string;
  readonly expiredMessage: string;
  readonly cancelledTitle: string;
  readonly cancelledMessage: string;
  readonly errorTitle: string;
  readonly errorMessage: string;
  readonly sessionExpiredMessage: string;
}

export const defaultStrings: PageStrings = Object.freeze({
  lang: 'en',

  pairTitle: 'Pair your phone',
  pairIntro:
    'This site asks your phone to approve each sign-in. Open the Toopher app, start a new pairing and enter the pairing phrase the app shows.',
  pairingPhraseLabel: 'Pairing phrase',
  pairingPhraseHint: 'A few words, for example “awkward turtle”.',
  pairSubmit: 'Pair',
  pairQrIntro: 'No pairing phrase? Pair by scanning a QR code with the app instead.',
  pairWithQr: 'Show a QR code',
  pairSkipIntro: 'You can also continue without phone approval.',
  pairSkip: 'Skip for now',
  pairingPhraseRequired: 'Enter the pairing phrase shown in the Toopher app.',
  pairingPhraseRejected: 'That pairing phrase was not accepted. Check it in the app and try again.',
  pairingDeactivatedNotice: 'Your previous pairing was removed. Pair your phone again to continue.',

  nameTerminalTitle: 'Name this browser',
  nameTerminalIntro: 'Your phone shows this name when this browser asks for approval, so you can tell your devices apart.',
  terminalNameLabel: 'Terminal name',
  terminalNameHint: 'For example “Chrome on my work laptop”.',
  nameTerminalSubmit: 'Save and continue',
  terminalNameRequired: 'Enter a name for this browser.',

  pendingLoginTitle: 'Approve this sign-in',
  pendingLoginIntro: 'Check your phone: the Toopher app asks you to approve this sign-in.',
  pendingActionTitle: 'Approve this action',
  pendingActionIntro: 'Check your phone: the Toopher app asks you to approve “{action}”.',
  pendingPairingTitle: 'Confirm the pairing',
  pendingPairingIntro: 'Check your phone: accept the new pairing in the Toopher app.',
  pendingPairingQrIntro: 'Scan this QR code with the Toopher app, then accept the pairing on your phone.',
  qrImageAlt: 'QR code to scan with the Toopher app',
  terminalLabel: 'Terminal',
  actionLabel: 'Action',
  countdown: 'Time left: {time}',
  countdownExpired: 'Time is up.',
  pendingWaiting: 'Waiting for your phone…',
  pendingDecided: 'Answer received, continuing…',
  pendingDecidedNoScript: 'Your phone has answered. Press “{button}”.',
  pendingOffline: 'The server cannot be reached right now. Press “Check again” when you are back online.',
  checkAgain: 'Check again',
  cancel: 'Cancel',
  otpTitle: 'No notification?',
  otpIntro: 'Enter the one-time password shown in the Toopher app.',
  otpRequiredTitle: 'Enter your one-time password',
  otpRequiredIntro: 'Your account signs in with a one-time password: open the Toopher app and type the password it shows.',
  otpRequiredWaiting: 'No notification was sent to your phone.',
  otpLabel: 'One-time password',
  otpSubmit: 'Verify',
  otpInvalid: 'That one-time password is not correct.',
  otpTooManyAttempts: 'Too many wrong one-time passwords. Start again.',

  replayTitle: 'Approved',
  replayMessage: 'Your request was approved. Press “Continue” if nothing happens.',
  replaySubmit: 'Continue',

  retry: 'Try again',
  continue: 'Continue',
  deniedTitle: 'Request denied',
  loginDeniedMessage: 'The sign-in was denied on your phone.',
  actionDeniedMessage: 'The action was denied on your phone and did not run.',
  pairingDeniedMessage: 'The pairing was denied on your phone.',
  pairingExpiredMessage: 'The pairing was not confirmed on your phone in time, so it expired. Pair your phone again.',
  expiredTitle: 'Request expired',
  expiredMessage: 'There was no answer from your phone in time.',
  cancelledTitle: 'Request cancelled',
  cancelledMessage: 'You cancelled the request.',
  errorTitle: 'Something went wrong',
  errorMessage: 'The request could not be checked right now. Try again in a moment.',
  sessionExpiredMessage: 'This request is no longer valid. Start again.',
});

/** Merges overrides onto the defaults, ignoring keys whose value is not a string. */
export function resolveStrings(overrides: Partial<PageStrings> | undefined): PageStrings {
  if (overrides === undefined) return defaultStrings;
  const merged: Record<string, string> = { ...defaultStrings };
  for (const [key, value] of Object.entries(overrides)) {
    if (Object.hasOwn(defaultStrings, key) && typeof value === 'string') merged[key] = value;
  }
  return merged as unknown as PageStrings;
}

/** Replaces `{name}` placeholders with values; unknown placeholders stay as they are. */
export function formatString(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (match, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    return value === undefined ? match : String(value);
  });
}
