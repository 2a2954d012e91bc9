import { debug } from '../internal/debug.js';

/** Names of the events passed to `onEvent`. */
export type ToopherEventType =
  | 'pairing-started'
  | 'pairing-completed'
  | 'pairing-denied'
  | 'pairing-expired'
  | 'terminal-named'
  | 'approval-requested'
  | 'approval-granted'
  | 'approval-denied'
  | 'approval-expired'
  | 'approval-cancelled'
  | 'opted-out'
  | 'enrollment-skipped'
  | 'otp-failed'
  | 'otp-locked'
  | 'rate-limited'
  | 'grant-refused'
  | 'fail-open'
  /** A Toopher API call failed while asking for an approval (with `status`, `toopherCode` and `message`). */
  | 'api-error';

/** An audit event. Never carries secrets, OTPs, cookies or request bodies. */
export interface ToopherEvent {
  readonly type: ToopherEventType;
  /** The Toopher user name (from the `userName` option). */
  readonly userName: string;
  /** The action name (`'Log In'` for sign-ins). */
  readonly action?: string;
  /** Whether this concerns a sign-in or a guarded action. */
  readonly kind?: 'login' | 'action';
  /** True when Toopher granted without asking the user (automation). */
  readonly automated?: boolean;
  /** A short machine-readable detail, e.g. `'otp'`, `'unreachable'`, `'replayed'`. */
  readonly reason?: string;
  /** `api-error`: the HTTP status of the API's answer (none when no answer arrived). */
  readonly status?: number;
  /** `api-error`: the API's numeric `error_code`, when it sent one. */
  readonly toopherCode?: number;
  /** `api-error`: what went wrong, with Toopher's own message (never secrets). */
  readonly message?: string;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** Receives every event; exceptions it throws are caught and logged. */
export type ToopherEventListener = (event: ToopherEvent) => void;

/** Calls `listener` safely: a throwing or rejecting listener never breaks a request. */
export function emitEvent(listener: ToopherEventListener | undefined, event: ToopherEvent): void {
  debug('event %s user-length=%d action=%s', event.type, event.userName.length, event.action ?? '-');
  if (!listener) return;
  try {
    const result: unknown = listener(event);
    if (result instanceof Promise) {
      result.catch((err: unknown) => debug('onEvent rejected: %s', err instanceof Error ? err.name : typeof err));
    }
  } catch (err) {
    debug('onEvent threw: %s', err instanceof Error ? err.name : typeof err);
  }
}

/** The flow an event is about, as far as events name it. */
export interface FlowIdentity {
  readonly userName: string;
  readonly actionName: string;
  readonly kind: 'login' | 'action';
}

/** Emits `type` about `flow` at the configured clock's time. */
export function emitFlowEvent(
  config: { readonly onEvent: ToopherEventListener | undefined; readonly clock: () => number },
  type: ToopherEventType,
  flow: FlowIdentity,
  extra: { readonly automated?: boolean; readonly reason?: string } = {},
): void {
  emitEvent(config.onEvent, {
    type,
    userName: flow.userName,
    action: flow.actionName,
    kind: flow.kind,
    at: config.clock(),
    ...extra,
  });
}
