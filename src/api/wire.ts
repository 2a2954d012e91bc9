/**
 * The Toopher v1 wire format: snake_case JSON shapes (validated with zod) and
 * their mapping to the camelCase results in `types.ts`. Legacy spellings are
 * accepted: `disable_toopher_auth` (inverse of `toopher_authentication_enabled`),
 * `name_extra` (for `requester_specified_id`), `"true"`/`"false"` strings for
 * booleans and numeric strings for `reason_code`.
 */
import * as z from 'zod';
import { ToopherResponseError } from '../errors.js';
import type {
  Action,
  AuthenticationRequest,
  Pairing,
  RawJson,
  ResetLink,
  ToopherUser,
  UserTerminal,
} from './types.js';

const wireBoolean = z.union([
  z.boolean(),
  z
    .string()
    .regex(/^(true|false)$/i)
    .transform((value) => value.toLowerCase() === 'true'),
]);
const wireInteger = z.union([z.int(), z.string().regex(/^-?\d{1,15}$/).transform(Number)]);
/** Strings the API may send as `null` or leave out; `""` then. */
const looseString = z
  .string()
  .nullish()
  .transform((value) => value ?? '');
const rawObject = z.record(z.string(), z.unknown());

const wireUser = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  toopher_authentication_enabled: wireBoolean.optional(),
  disable_toopher_auth: wireBoolean.optional(),
});

const wireTerminal = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  requester_specified_id: z.string().nullish(),
  name_extra: z.string().nullish(),
  user: wireUser.optional(),
});

const wireAction = z.looseObject({
  id: z.string().min(1),
  name: looseString,
});

const wirePairing = z.looseObject({
  id: z.string().min(1),
  enabled: wireBoolean,
  pending: wireBoolean,
  deactivated: wireBoolean.optional(),
  user: wireUser,
});

const wireAuthenticationRequest = z.looseObject({
  id: z.string().min(1),
  pending: wireBoolean,
  granted: wireBoolean,
  automated: wireBoolean,
  reason: looseString,
  reason_code: wireInteger.nullish(),
  terminal: wireTerminal,
  user: wireUser.optional(),
  action: wireAction,
});

const wireResetLink = z.looseObject({
  url: z.url(),
  reset_authorization: z.string().nullish(),
});

type WireUser = z.output<typeof wireUser>;
type WireTerminal = z.output<typeof wireTerminal>;

/**
 * The parsed JSON object itself (JSON.parse made it, nobody else holds it).
 * Every caller passes a value its schema already checked to be an object;
 * anything else still goes through zod and fails there.
 */
function raw(value: unknown): RawJson {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as RawJson;
  return rawObject.parse(value);
}

function toUser(wire: WireUser, json: unknown): ToopherUser {
  // 1.x replies carried only the inverse flag; the 1.1 user lookup neither (enabled then).
  const enabled =
    wire.toopher_authentication_enabled ??
    (wire.disable_toopher_auth === undefined ? true : !wire.disable_toopher_auth);
  return { id: wire.id, name: wire.name, toopherAuthenticationEnabled: enabled, raw: raw(json) };
}

function toTerminal(wire: WireTerminal, json: RawJson): UserTerminal {
  return {
    id: wire.id,
    name: wire.name,
    requesterSpecifiedId: wire.requester_specified_id ?? wire.name_extra ?? '',
    user: wire.user === undefined ? undefined : toUser(wire.user, json['user']),
    raw: json,
  };
}

/** Turns a zod failure into a message naming the field (never its value). */
function describeFailure(error: z.ZodError, json: unknown, what: string, endpoint: string): string {
  const issue = error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? undefined : issue.path.map(String).join('.');
  if (field === undefined) {
    return `The Toopher API answered \`${endpoint}\` with JSON that is not ${what}.`;
  }
  let value: unknown = json;
  for (const key of issue?.path ?? []) {
    value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  const missing = value === undefined;
  return missing
    ? `The Toopher API answered \`${endpoint}\` with ${what} that is missing \`${field}\`.`
    : `The Toopher API answered \`${endpoint}\` with ${what} whose \`${field}\` is invalid.`;
}

function parse<S extends z.ZodType>(schema: S, json: unknown, what: string, endpoint: string): z.output<S> {
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new ToopherResponseError(describeFailure(result.error, json, what, endpoint), {
      endpoint,
      cause: result.error,
    });
  }
  return result.data;
}

function parseList(json: unknown, what: string, endpoint: string): unknown[] {
  if (!Array.isArray(json)) {
    throw new ToopherResponseError(`The Toopher API answered \`${endpoint}\` with JSON that is not a list of ${what}.`, {
      endpoint,
    });
  }
  return json as unknown[];
}

export function mapUser(json: unknown, endpoint: string): ToopherUser {
  return toUser(parse(wireUser, json, 'a user', endpoint), json);
}

export function mapUsers(json: unknown, endpoint: string): ToopherUser[] {
  return parseList(json, 'users', endpoint).map((item) => mapUser(item, endpoint));
}

export function mapPairing(json: unknown, endpoint: string): Pairing {
  const wire = parse(wirePairing, json, 'a pairing', endpoint);
  const object = raw(json);
  return {
    id: wire.id,
    enabled: wire.enabled,
    pending: wire.pending,
    deactivated: wire.deactivated ?? false,
    user: toUser(wire.user, object['user']),
    raw: object,
  };
}

export function mapPairings(json: unknown, endpoint: string): Pairing[] {
  return parseList(json, 'pairings', endpoint).map((item) => mapPairing(item, endpoint));
}

export function mapUserTerminal(json: unknown, endpoint: string): UserTerminal {
  return toTerminal(parse(wireTerminal, json, 'a user terminal', endpoint), raw(json));
}

export function mapAuthenticationRequest(json: unknown, endpoint: string): AuthenticationRequest {
  const wire = parse(wireAuthenticationRequest, json, 'an authentication request', endpoint);
  const object = raw(json);
  const terminalJson = raw(object['terminal']);
  // The top-level user is the terminal's user; 1.x replies only had the latter.
  const userWire = wire.user ?? wire.terminal.user;
  if (userWire === undefined) {
    throw new ToopherResponseError(
      `The Toopher API answered \`${endpoint}\` with an authentication request that is missing \`user\`.`,
      { endpoint },
    );
  }
  const userJson = wire.user === undefined ? terminalJson['user'] : object['user'];
  const action: Action = { id: wire.action.id, name: wire.action.name };
  return {
    id: wire.id,
    pending: wire.pending,
    granted: wire.granted,
    automated: wire.automated,
    reason: wire.reason,
    reasonCode: wire.reason_code ?? 0,
    terminal: toTerminal(wire.terminal, terminalJson),
    user: toUser(userWire, userJson),
    action,
    raw: object,
  };
}

export function mapResetLink(json: unknown, endpoint: string): ResetLink {
  const wire = parse(wireResetLink, json, 'a reset link', endpoint);
  const fromUrl = new URL(wire.url).searchParams.get('reset_authorization') ?? undefined;
  return { url: wire.url, resetAuthorization: wire.reset_authorization ?? fromUrl, raw: raw(json) };
}

/** Shape of an error reply: `{"error_code": 705, "error_message": "…"}`. */
const wireError = z.looseObject({
  error_code: wireInteger.optional().catch(undefined),
  error_message: z.string().optional().catch(undefined),
});

export interface WireError {
  readonly code: number | undefined;
  readonly message: string | undefined;
}

/** Reads `error_code`/`error_message` from an error reply; undefined when it has neither. */
export function mapError(json: unknown): WireError | undefined {
  const result = wireError.safeParse(json);
  if (!result.success) return undefined;
  const { error_code: code, error_message: message } = result.data;
  if (code === undefined && message === undefined) return undefined;
  return { code, message };
}
