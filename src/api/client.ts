import { ToopherApiError, ToopherResponseError } from '../errors.js';
import { resolveToopherApiOptions, type ToopherApiOptions } from './options.js';
import { parseJsonBody } from './map-error.js';
import { assertText, buildParams, wireBoolean } from './params.js';
import { encodeIdSegment } from './path.js';
import { createTransport, type ApiReply, type Transport, type TransportSeams } from './transport.js';
import type {
  AuthenticateExtras,
  AuthenticationRequest,
  CallOptions,
  Pairing,
  PairExtras,
  ResetLink,
  ToopherUser,
  UserTerminal,
} from './types.js';
import {
  mapAuthenticationRequest,
  mapPairing,
  mapPairings,
  mapResetLink,
  mapUser,
  mapUserTerminal,
  mapUsers,
} from './wire.js';

type Named = Readonly<Record<string, string | undefined>>;

/**
 * The options key carrying test seams (fixed clock, nonce, short retry
 * delays). A symbol the package entry point does not export, so no user
 * option can set it, and a `ToopherApi` gets its seams from its own options.
 */
const TRANSPORT_SEAMS: unique symbol = Symbol('passport-toopher transport seams');

type OptionsWithSeams = ToopherApiOptions & { readonly [TRANSPORT_SEAMS]?: TransportSeams };

/** Builds a client with test seams. Internal: not exported from the package entry point. */
export function createToopherApiWithSeams(options: ToopherApiOptions, seams: TransportSeams): ToopherApi {
  const withSeams: OptionsWithSeams = { ...options, [TRANSPORT_SEAMS]: seams };
  return new ToopherApi(withSeams);
}

/**
 * Client of the Toopher v1 REST API: one promise-returning method per
 * endpoint, camelCase results that keep the parsed JSON as `raw`, and every
 * failure a `ToopherApiError`.
 */
export class ToopherApi {
  /** The API URL this client calls, normalised (no trailing slash). */
  readonly baseUrl: string;
  private readonly _transport: Transport;

  /** Validates `options` at once; throws a `ToopherConfigError` naming a bad option. */
  constructor(options: ToopherApiOptions) {
    const resolved = resolveToopherApiOptions(options);
    this.baseUrl = resolved.baseUrl;
    this._transport = createTransport(resolved, (options as OptionsWithSeams)[TRANSPORT_SEAMS]);
  }

  /** Pairs `userName` with the phone showing `pairingPhrase` (POST pairings/create). */
  async pair(pairingPhrase: string, userName: string, extras?: PairExtras): Promise<Pairing> {
    assertText('pairingPhrase', pairingPhrase);
    assertText('userName', userName);
    const reply = await this._postWithExtras(
      'pairings/create',
      { pairing_phrase: pairingPhrase, user_name: userName },
      extras,
    );
    return mapPairing(json(reply), reply.endpoint);
  }

  /** Starts a pairing completed by scanning a QR code (POST pairings/create/qr). */
  async pairQr(userName: string, options?: CallOptions): Promise<Pairing> {
    assertText('userName', userName);
    const reply = await this._post('pairings/create/qr', { user_name: userName }, options);
    return mapPairing(json(reply), reply.endpoint);
  }

  /** Starts a pairing confirmed by SMS reply (POST pairings/create/sms). */
  async pairSms(phoneNumber: string, userName: string, phoneCountry?: string, options?: CallOptions): Promise<Pairing> {
    assertText('phoneNumber', phoneNumber);
    assertText('userName', userName);
    if (phoneCountry !== undefined) assertText('phoneCountry', phoneCountry);
    const reply = await this._post(
      'pairings/create/sms',
      { phone_number: phoneNumber, user_name: userName, phone_country: phoneCountry },
      options,
    );
    return mapPairing(json(reply), reply.endpoint);
  }

  /** Current state of a pairing (GET pairings/{id}). */
  async getPairingStatus(pairingId: string, options?: CallOptions): Promise<Pairing> {
    const reply = await this._get(`pairings/${encodeIdSegment('pairingId', pairingId)}`, {}, options);
    return mapPairing(json(reply), reply.endpoint);
  }

  /** PNG bytes of the QR code of a pairing made with `pairQr` (GET qr/pairings/{id}). */
  async getQrCodeImage(pairingId: string, options?: CallOptions): Promise<Buffer> {
    const reply = await this._get(`qr/pairings/${encodeIdSegment('pairingId', pairingId)}`, {}, options);
    if (reply.body.length === 0) {
      throw new ToopherResponseError(`The Toopher API answered \`${reply.endpoint}\` with an empty image.`, {
        status: reply.status,
        endpoint: reply.endpoint,
      });
    }
    return reply.body;
  }

  /** A one-time URL that lets the user reset a pairing (POST pairings/{id}/generate_reset_link). */
  async generateResetLink(pairingId: string, extras?: PairExtras): Promise<ResetLink> {
    const path = `pairings/${encodeIdSegment('pairingId', pairingId)}/generate_reset_link`;
    const reply = await this._postWithExtras(path, {}, extras);
    return mapResetLink(json(reply), reply.endpoint);
  }

  /** E-mails the reset URL of a pairing to `email` (POST pairings/{id}/send_reset_link). */
  async emailResetLink(pairingId: string, email: string, options?: CallOptions): Promise<void> {
    const path = `pairings/${encodeIdSegment('pairingId', pairingId)}/send_reset_link`;
    assertText('email', email);
    await this._post(path, { reset_email: email }, options);
  }

  /** Asks the phone paired as `pairingId` to approve `actionName` (POST authentication_requests/initiate). */
  async authenticate(
    pairingId: string,
    terminalName: string,
    actionName?: string,
    extras?: AuthenticateExtras,
  ): Promise<AuthenticationRequest> {
    assertText('pairingId', pairingId);
    assertText('terminalName', terminalName);
    if (actionName !== undefined) assertText('actionName', actionName);
    const reply = await this._postWithExtras(
      'authentication_requests/initiate',
      { pairing_id: pairingId, terminal_name: terminalName, action_name: actionName },
      extras,
    );
    return mapAuthenticationRequest(json(reply), reply.endpoint);
  }

  /**
   * Zero-storage authentication by user name and your own terminal id (POST
   * authentication_requests/initiate). Rejects with `UserUnknownError` (705),
   * `TerminalUnknownError` (706), `UserDisabledError` (704) or
   * `PairingDeactivatedError` (707) when the user must pair, name the
   * terminal, is opted out, or lost the pairing.
   */
  async authenticateByUserName(
    userName: string,
    requesterTerminalId: string,
    actionName?: string,
    extras?: AuthenticateExtras,
  ): Promise<AuthenticationRequest> {
    assertText('userName', userName);
    assertText('requesterTerminalId', requesterTerminalId);
    if (actionName !== undefined) assertText('actionName', actionName);
    const reply = await this._postWithExtras(
      'authentication_requests/initiate',
      { user_name: userName, requester_specified_terminal_id: requesterTerminalId, action_name: actionName },
      extras,
    );
    return mapAuthenticationRequest(json(reply), reply.endpoint);
  }

  /** Current state of an authentication request (GET authentication_requests/{id}). */
  async getAuthenticationStatus(id: string, options?: CallOptions): Promise<AuthenticationRequest> {
    const reply = await this._get(`authentication_requests/${encodeIdSegment('id', id)}`, {}, options);
    return mapAuthenticationRequest(json(reply), reply.endpoint);
  }

  /** Completes an authentication request with the app's one-time password (POST authentication_requests/{id}/otp_auth). */
  async authenticateWithOtp(id: string, otp: string, options?: CallOptions): Promise<AuthenticationRequest> {
    const path = `authentication_requests/${encodeIdSegment('id', id)}/otp_auth`;
    assertText('otp', otp);
    const reply = await this._post(path, { otp }, options);
    return mapAuthenticationRequest(json(reply), reply.endpoint);
  }

  /** Names a terminal of a user, after a `TerminalUnknownError` (POST user_terminals/create). */
  async createUserTerminal(
    userName: string,
    terminalName: string,
    requesterTerminalId: string,
    options?: CallOptions,
  ): Promise<UserTerminal> {
    assertText('userName', userName);
    assertText('terminalName', terminalName);
    assertText('requesterTerminalId', requesterTerminalId);
    const reply = await this._post(
      'user_terminals/create',
      { user_name: userName, name: terminalName, requester_specified_id: requesterTerminalId },
      options,
    );
    return mapUserTerminal(json(reply), reply.endpoint);
  }

  /** A user terminal by Toopher's id (GET user_terminals/{id}). */
  async getUserTerminal(id: string, options?: CallOptions): Promise<UserTerminal> {
    const reply = await this._get(`user_terminals/${encodeIdSegment('id', id)}`, {}, options);
    return mapUserTerminal(json(reply), reply.endpoint);
  }

  /** Creates a user record (POST users/create). */
  async createUser(name: string, options?: CallOptions): Promise<ToopherUser> {
    assertText('name', name);
    const reply = await this._post('users/create', { name }, options);
    return mapUser(json(reply), reply.endpoint);
  }

  /** A user by Toopher's id (GET users/{id}). */
  async getUser(id: string, options?: CallOptions): Promise<ToopherUser> {
    const reply = await this._get(`users/${encodeIdSegment('id', id)}`, {}, options);
    return mapUser(json(reply), reply.endpoint);
  }

  /** Users with this name, usually zero or one (GET users?name=). */
  async getUsersByName(name: string, options?: CallOptions): Promise<ToopherUser[]> {
    assertText('name', name);
    const reply = await this._get('users', { name }, options);
    return mapUsers(json(reply), reply.endpoint);
  }

  /** Pairings of a user; `deactivated` filters on that flag (GET users/{id}/pairings). */
  async getUserPairings(userId: string, options?: CallOptions & { deactivated?: boolean }): Promise<Pairing[]> {
    const path = `users/${encodeIdSegment('userId', userId)}/pairings`;
    const { deactivated, ...callOptions } = options ?? {};
    const query = { deactivated: deactivated === undefined ? undefined : wireBoolean(deactivated) };
    const reply = await this._get(path, query, callOptions);
    return mapPairings(json(reply), reply.endpoint);
  }

  /**
   * Turns Toopher on or off for the one user named `userName` (looked up with
   * `getUsersByName`, then POST users/{id}). Rejects with a `ToopherApiError`
   * when no user or several users have that name.
   */
  async setToopherEnabledForUser(userName: string, enabled: boolean, options?: CallOptions): Promise<ToopherUser> {
    assertText('userName', userName);
    const users = await this.getUsersByName(userName, options);
    const [user] = users;
    // The id written to must be this user's: an answer naming someone else is refused.
    if (user === undefined || users.length > 1 || user.name !== userName) {
      const problem =
        user === undefined ? 'no Toopher user has' : users.length > 1 ? `${users.length} Toopher users have` : 'the lookup answered another user for';
      throw new ToopherApiError(
        `Cannot ${enabled ? 'enable' : 'disable'} Toopher for \`userName\`: ${problem} that name.`,
        { endpoint: 'users' },
      );
    }
    const path = `users/${encodeIdSegment('userId', user.id)}`;
    const reply = await this._post(path, { toopher_authentication_enabled: wireBoolean(enabled) }, options);
    return mapUser(json(reply), reply.endpoint);
  }

  /** Removes all pairings of a user, e.g. after a lost phone (POST users/reset). */
  async resetUser(userName: string, options?: CallOptions): Promise<void> {
    assertText('userName', userName);
    await this._post('users/reset', { user_name: userName }, options);
  }

  private _get(path: string, query: Named, options: CallOptions | undefined): Promise<ApiReply> {
    const { params, signal } = buildParams(query, signalOnly(options));
    return this._transport.send({ method: 'GET', path, params, signal });
  }

  /** POST with only the named parameters; `options` contributes its signal. */
  private _post(path: string, form: Named, options: CallOptions | undefined): Promise<ApiReply> {
    return this._postWithExtras(path, form, signalOnly(options));
  }

  /** POST with the named parameters plus the caller's extra parameters. */
  private _postWithExtras(
    path: string,
    form: Named,
    extras: PairExtras | AuthenticateExtras | CallOptions | undefined,
  ): Promise<ApiReply> {
    const { params, signal } = buildParams(form, extras);
    return this._transport.send({ method: 'POST', path, params, signal });
  }
}

function signalOnly(options: CallOptions | undefined): CallOptions | undefined {
  return options?.signal === undefined ? undefined : { signal: options.signal };
}

function json(reply: ApiReply): unknown {
  return parseJsonBody(reply.body, reply.status, reply.endpoint);
}
