import { ToopherApiError, ToopherError, ToopherNetworkError, ToopherTimeoutError } from '../errors.js';

/**
 * Toopher could not give a usable answer (unreachable, timed out, 5xx, 429,
 * not JSON, refused our signature...). Nobody is signed in and no action runs.
 * `status` is 503 when no answer arrived (network, timeout) and 502 when a bad
 * one did; the original `ToopherApiError` is the `cause`. The message is safe
 * to show to users.
 */
export class ToopherUnavailableError extends ToopherError {
  override readonly code: string = 'ERR_TOOPHER_UNAVAILABLE';

  constructor(cause: ToopherApiError) {
    const noAnswer = cause instanceof ToopherNetworkError || cause instanceof ToopherTimeoutError;
    super('Two-step verification is unavailable right now: the Toopher service did not answer properly. Try again in a moment.', {
      cause,
      status: noAnswer ? 503 : 502,
    });
  }
}

/** Any API failure becomes a `ToopherUnavailableError` (fail closed); other errors pass unchanged. */
export function toUnavailable(err: unknown): Error {
  if (err instanceof ToopherApiError) return new ToopherUnavailableError(err);
  return err instanceof Error ? err : new Error(String(err));
}
