import type { StartOutcome } from './start-approval.js';

/** Approved at once: the sign-in completes, or the guarded action runs. */
export type ApprovedOutcome = Extract<StartOutcome, { readonly type: 'granted' | 'opted-out' | 'fail-open' }>;
/** The flow waits on a page: for the phone (pending), for pairing, or for this browser's name. */
export type WaitingOutcome = Extract<StartOutcome, { readonly type: 'pending' | 'pair' | 'name' }>;
/** Nothing completes: denied, too many pushes, or a guarded action of a user without a pairing. */
export type RefusedOutcome = Extract<StartOutcome, { readonly type: 'denied' | 'rate-limited' | 'pairing-required' }>;

/** How one adapter (the Passport strategy, or the pages and the guard) answers each kind of outcome. */
export interface OutcomeAnswers<T> {
  approved(outcome: ApprovedOutcome): T;
  waiting(outcome: WaitingOutcome): T;
  refused(outcome: RefusedOutcome): T;
}

/** The one dispatch over start outcomes. */
export function answerOutcome<T>(outcome: StartOutcome, answers: OutcomeAnswers<T>): T {
  switch (outcome.type) {
    case 'granted':
    case 'opted-out':
    case 'fail-open':
      return answers.approved(outcome);
    case 'pending':
    case 'pair':
    case 'name':
      return answers.waiting(outcome);
    case 'denied':
    case 'rate-limited':
    case 'pairing-required':
      return answers.refused(outcome);
  }
}
