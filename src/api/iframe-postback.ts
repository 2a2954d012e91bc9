import { createHmac } from 'node:crypto';
import { ToopherError } from '../errors.js';
import { constantTimeEqual } from '../internal/constant-time.js';

/** Why a postback was refused. */
export type ToopherIframeErrorReason =
  | 'malformed' // not form data, a repeated field, a field of the wrong shape
  | 'missing_keys' // toopher_sig, timestamp or session_token absent
  | 'session_token_mismatch'
  | 'expired' // older than the TTL (or from the future)
  | 'bad_signature'
  | 'invalid_resource_type';

/** A postback that must not be trusted. Nothing in it was used. */
export class ToopherIframeError extends ToopherError {
  override readonly code: string = 'ERR_TOOPHER_IFRAME';
  readonly reason: ToopherIframeErrorReason;

  constructor(reason: ToopherIframeErrorReason, message: string) {
    super(message, { status: 400 });
    this.reason = reason;
  }
}

export interface IframeUser {
  readonly id: string;
  readonly name: string;
  readonly toopherAuthenticationEnabled: boolean;
}

export interface IframeAuthenticationRequest {
  readonly id: string;
  readonly pending: boolean;
  readonly granted: boolean;
  readonly automated: boolean;
  readonly reason: string;
  readonly reasonCode: number;
  readonly terminal: { readonly id: string; readonly name: string; readonly requesterSpecifiedId: string };
  readonly user: IframeUser;
  readonly action: { readonly id: string; readonly name: string };
}

export interface IframePairing {
  readonly id: string;
  readonly enabled: boolean;
  readonly pending: boolean;
  readonly user: IframeUser;
}

interface Common {
  /** The `requester_metadata` of the URL, echoed and signed; `undefined` when the URL had none. */
  readonly requesterMetadata: string | undefined;
  /** Unix seconds at which Toopher signed the result. */
  readonly timestamp: number;
}

/** A validated postback of the iframe. */
export type IframePostback =
  | (Common & { readonly type: 'authentication_request'; readonly authenticationRequest: IframeAuthenticationRequest })
  | (Common & { readonly type: 'pairing'; readonly pairing: IframePairing })
  | (Common & { readonly type: 'requester_user'; readonly user: IframeUser })
  /** Toopher's signed error form: 704 user disabled, 705 unknown user, 707 / 601 pairing deactivated... */
  | (Common & { readonly type: 'error'; readonly errorCode: number; readonly errorMessage: string });

export interface ValidatePostbackOptions {
  /** The token put in the URL's `session_token` for this user, kept server-side (e.g. in the session). */
  readonly sessionToken: string;
  /** Seconds a result stays acceptable after Toopher signed it (default 300). */
  readonly ttlSeconds?: number;
  /** Milliseconds since the epoch (default `Date.now`). */
  readonly now?: number;
}

/** Form encoding of Python 2's `urlencode`, which Toopher signs (toopher-api.md §6.4). */
function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** `toopher_sig` of postback fields: sorted, form-encoded, HMAC-SHA1 with the raw consumer secret, base64. */
export function postbackSignature(fields: ReadonlyMap<string, string>, consumerSecret: string): string {
  const text = [...fields.keys()]
    .filter((name) => name !== 'toopher_sig')
    .sort()
    .map((name) => `${formEncode(name)}=${formEncode(fields.get(name) ?? '')}`)
    .join('&');
  return createHmac('sha1', Buffer.from(consumerSecret, 'utf8')).update(text, 'utf8').digest('base64');
}

/** The postback's fields: `toopher_iframe_data` (a form-encoded string) or an already-parsed form body. */
export function postbackFields(data: string | Readonly<Record<string, unknown>>): Map<string, string> {
  const fields = new Map<string, string>();
  const add = (name: string, value: unknown): void => {
    if (typeof value !== 'string') throw new ToopherIframeError('malformed', `Postback field ${name.slice(0, 64)} is not a single string.`);
    if (fields.has(name)) throw new ToopherIframeError('malformed', `Postback field ${name.slice(0, 64)} is repeated.`);
    fields.set(name, value);
  };
  if (typeof data === 'string') {
    for (const [name, value] of new URLSearchParams(data)) add(name, value);
  } else {
    for (const [name, value] of Object.entries(data)) add(name, value);
  }
  return fields;
}

/**
 * Validates a postback in the order that cannot be fooled: required keys,
 * session token, age, signature (constant time), and only then looks at
 * `error_code` and `resource_type` (the 2.0 SDKs read `error_code` first,
 * so an unsigned error form passed; toopher-api.md §6.4).
 */
export function validatePostback(
  fields: ReadonlyMap<string, string>,
  consumerSecret: string,
  options: ValidatePostbackOptions,
): IframePostback {
  const missing = ['toopher_sig', 'timestamp', 'session_token'].filter((key) => !fields.has(key));
  if (missing.length > 0) throw new ToopherIframeError('missing_keys', `Missing required keys: ${missing.join(', ')}`);
  if (options.sessionToken === '' || !constantTimeEqual(fields.get('session_token') ?? '', options.sessionToken)) {
    throw new ToopherIframeError('session_token_mismatch', 'Session token does not match expected value');
  }
  const timestamp = fields.get('timestamp') ?? '';
  if (!/^\d{1,12}$/.test(timestamp)) throw new ToopherIframeError('malformed', 'The postback timestamp is not a number.');
  const ttl = options.ttlSeconds ?? 300;
  const age = (options.now ?? Date.now()) / 1000 - Number(timestamp);
  // A little clock skew is fine; a result signed far in the future is not.
  if (age >= ttl || age < -60) throw new ToopherIframeError('expired', 'TTL expired');
  if (!constantTimeEqual(postbackSignature(fields, consumerSecret), fields.get('toopher_sig') ?? '')) {
    throw new ToopherIframeError('bad_signature', 'Computed signature does not match submitted signature');
  }
  return interpret(fields, Number(timestamp));
}

function interpret(fields: ReadonlyMap<string, string>, timestamp: number): IframePostback {
  const text = (name: string): string => {
    const value = fields.get(name);
    if (value === undefined) throw new ToopherIframeError('malformed', `The postback has no ${name}.`);
    return value;
  };
  const flag = (name: string): boolean => {
    const value = text(name);
    if (value !== 'true' && value !== 'false') throw new ToopherIframeError('malformed', `The postback's ${name} is not true or false.`);
    return value === 'true';
  };
  const integer = (name: string): number => {
    const value = text(name);
    if (!/^-?\d{1,9}$/.test(value)) throw new ToopherIframeError('malformed', `The postback's ${name} is not a number.`);
    return Number(value);
  };
  const common: Common = { requesterMetadata: fields.get('requester_metadata'), timestamp };
  if (fields.has('error_code')) {
    return { ...common, type: 'error', errorCode: integer('error_code'), errorMessage: fields.get('error_message') ?? '' };
  }
  const pairingUser = (): IframeUser => ({
    id: text('pairing_user_id'),
    name: text('user_name'),
    toopherAuthenticationEnabled: flag('user_toopher_authentication_enabled'),
  });
  const resourceType = fields.get('resource_type') ?? '';
  switch (resourceType) {
    case 'authentication_request':
      return {
        ...common,
        type: 'authentication_request',
        authenticationRequest: {
          id: text('id'),
          pending: flag('pending'),
          granted: flag('granted'),
          automated: flag('automated'),
          reason: text('reason'),
          reasonCode: integer('reason_code'),
          terminal: { id: text('terminal_id'), name: text('terminal_name'), requesterSpecifiedId: text('terminal_requester_specified_id') },
          user: pairingUser(),
          action: { id: text('action_id'), name: text('action_name') },
        },
      };
    case 'pairing':
      return { ...common, type: 'pairing', pairing: { id: text('id'), enabled: flag('enabled'), pending: flag('pending'), user: pairingUser() } };
    case 'requester_user':
      return {
        ...common,
        type: 'requester_user',
        user: { id: text('id'), name: text('name'), toopherAuthenticationEnabled: flag('toopher_authentication_enabled') },
      };
    default:
      throw new ToopherIframeError('invalid_resource_type', `The postback resource type is not valid: ${resourceType.slice(0, 64)}`);
  }
}
