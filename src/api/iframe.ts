import { ToopherConfigError } from '../errors.js';
import { randomToken } from '../internal/random.js';
import {
  type IframePostback,
  type ValidatePostbackOptions,
  postbackFields,
  validatePostback,
} from './iframe-postback.js';
import { createRequestSigner, encodeParams, type RequestSigner, type SigningSeams } from './signing.js';

export { ToopherIframeError } from './iframe-postback.js';
export type {
  IframeAuthenticationRequest,
  IframePairing,
  IframePostback,
  IframeUser,
  ToopherIframeErrorReason,
  ValidatePostbackOptions,
} from './iframe-postback.js';

export interface ToopherIframeOptions {
  readonly consumerKey: string;
  readonly consumerSecret: string;
  /** The API base URL, e.g. the sandbox's `apiUrl` (required: the hosted API no longer exists). */
  readonly baseUrl: string;
}

type Extras = Readonly<Record<string, string | boolean>>;

export interface AuthenticationUrlOptions {
  /** Echoed back signed in the postback: keep it in the user's session and pass it to `processPostback`. */
  readonly sessionToken: string;
  readonly actionName?: string;
  /** Where Toopher may send a pairing reset link. Default `''`. */
  readonly resetEmail?: string;
  /** Any string you want back, signed, in the postback. Default `''`. */
  readonly requesterMetadata?: string;
  /** Seconds the URL stays valid. Default 300. */
  readonly ttlSeconds?: number;
  readonly automationAllowed?: boolean;
  readonly challengeRequired?: boolean;
  /** Let the iframe pair an unknown user itself (Toopher's default: true). */
  readonly allowInlinePairing?: boolean;
  /** More query parameters, signed with the rest. */
  readonly extras?: Extras;
}

export interface UserManagementUrlOptions {
  /** Sent as `session_token` and echoed signed in the postback; needed to validate the result. */
  readonly sessionToken?: string;
  readonly resetEmail?: string;
  readonly ttlSeconds?: number;
  readonly extras?: Extras;
}

function text(value: string | boolean): string {
  return typeof value === 'boolean' ? String(value) : value;
}

/**
 * The hosted iframe of the Toopher API (the SDKs' `ToopherIframe`): signed
 * URLs of `web/authenticate` and `web/manage_user` (toopher-api.md §6.2), and
 * validation of the result the iframe posts back (§6.3–6.4).
 */
export class ToopherIframe {
  private readonly _baseUrl: string;
  private readonly _secret: string;
  private readonly _signer: RequestSigner;
  private readonly _clock: () => number;

  constructor(options: ToopherIframeOptions, seams: SigningSeams = {}) {
    if (typeof options.consumerKey !== 'string' || options.consumerKey === '' || typeof options.consumerSecret !== 'string' || options.consumerSecret === '') {
      throw new ToopherConfigError('ToopherIframe needs a consumerKey and a consumerSecret');
    }
    if (typeof options.baseUrl !== 'string' || options.baseUrl === '') {
      throw new ToopherConfigError('ToopherIframe needs `baseUrl`: the URL of your Toopher API, ending in /v1 (in development the sandbox\'s `apiUrl`)');
    }
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch (err) {
      throw new ToopherConfigError('Invalid ToopherIframe option `baseUrl`', { cause: err });
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new ToopherConfigError('ToopherIframe `baseUrl` must be http(s)');
    this._baseUrl = base.href.replace(/\/+$/, '');
    this._secret = options.consumerSecret;
    this._signer = createRequestSigner(options.consumerKey, options.consumerSecret, seams);
    this._clock = seams.clock ?? (() => Date.now());
  }

  /** The API's origin: the only origin whose messages the relay script accepts. */
  get origin(): string {
    return new URL(this._baseUrl).origin;
  }

  /** A fresh random session token (128 bits) for `authenticationUrl`. */
  static newSessionToken(): string {
    return randomToken(16);
  }

  /** Signed URL of `web/authenticate`: pairing if needed, terminal naming, then the phone's approval. */
  authenticationUrl(userName: string, options: AuthenticationUrlOptions): string {
    const params: [string, string][] = [
      ['username', userName],
      ['reset_email', options.resetEmail ?? ''],
      ['action_name', options.actionName ?? 'Log In'],
      ['session_token', options.sessionToken],
      ['requester_metadata', options.requesterMetadata ?? ''],
    ];
    if (options.automationAllowed !== undefined) params.push(['automation_allowed', String(options.automationAllowed)]);
    if (options.challengeRequired !== undefined) params.push(['challenge_required', String(options.challengeRequired)]);
    if (options.allowInlinePairing !== undefined) params.push(['allow_inline_pairing', String(options.allowInlinePairing)]);
    return this._signedUrl('web/authenticate', params, options.extras, options.ttlSeconds);
  }

  /** Signed URL of `web/manage_user`: the user sees, resets or makes their pairing. */
  userManagementUrl(userName: string, options: UserManagementUrlOptions = {}): string {
    const params: [string, string][] = [
      ['username', userName],
      ['reset_email', options.resetEmail ?? ''],
    ];
    if (options.sessionToken !== undefined) params.push(['session_token', options.sessionToken]);
    return this._signedUrl('web/manage_user', params, options.extras, options.ttlSeconds);
  }

  /**
   * Validates a postback: `toopher_iframe_data` as posted by the relay script
   * (a string), or the flat fields of a 1.x page (`req.body`). Throws
   * `ToopherIframeError` unless every check passes; an error form signed by
   * Toopher comes back as `{ type: 'error' }`.
   */
  processPostback(data: string | Readonly<Record<string, unknown>>, options: Omit<ValidatePostbackOptions, 'now'>): IframePostback {
    return validatePostback(postbackFields(data), this._secret, { ...options, now: this._clock() });
  }

  /** True only for a validated, decided and granted authentication request. */
  static isGranted(postback: IframePostback): postback is Extract<IframePostback, { type: 'authentication_request' }> {
    return postback.type === 'authentication_request' && postback.authenticationRequest.granted && !postback.authenticationRequest.pending;
  }

  private _signedUrl(path: string, params: [string, string][], extras: Extras | undefined, ttlSeconds = 300): string {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new ToopherConfigError('ttlSeconds must be a positive integer');
    const names = new Set(params.map(([name]) => name));
    for (const [name, value] of Object.entries(extras ?? {})) {
      if (names.has(name) || name === 'expires' || name === 'v' || name.startsWith('oauth_')) {
        throw new ToopherConfigError(`extras must not set ${name}`);
      }
      params.push([name, text(value)]);
    }
    params.push(['expires', String(Math.floor(this._clock() / 1000) + ttlSeconds)], ['v', '2']);
    const url = `${this._baseUrl}/${path}`;
    const header = this._signer.authorize('GET', url, params);
    // The header's oauth_* pairs go in the query string instead (a signed GET link).
    const oauth = [...header.matchAll(/(oauth_[a-z_]+)="([^"]*)"/g)].map(
      ([, name, value]) => [name ?? '', decodeURIComponent(value ?? '')] as [string, string],
    );
    return `${url}?${encodeParams([...params, ...oauth])}`;
  }
}
