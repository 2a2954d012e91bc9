import { type ParseArgsConfig, parseArgs } from 'node:util';
import { MAIN_HELP, REQUESTERS_HELP, START_HELP } from './cli-help.js';
import type { ToopherServerOptions } from './options.js';

/** Storage the CLI can name: a SQLite file or a Redis URL. */
export type CliStorage = { readonly sqlite: string } | { readonly redisUrl: string; readonly keyPrefix?: string };

/** `start`'s server options; TLS is given as files, read by the CLI just before starting. */
export interface StartCommand {
  readonly command: 'start';
  readonly options: Omit<ToopherServerOptions, 'tls' | 'log' | 'clock' | 'storage'> & { readonly storage: CliStorage };
  readonly tlsFiles?: { readonly cert: string; readonly key: string };
}

export type CliCommand =
  | { readonly command: 'help'; readonly text: string }
  | StartCommand
  | { readonly command: 'requesters create'; readonly storage: CliStorage; readonly name: string }
  | { readonly command: 'requesters list'; readonly storage: CliStorage; readonly json: boolean }
  | { readonly command: 'requesters rotate' | 'requesters delete'; readonly storage: CliStorage; readonly key: string };

export type Environment = Readonly<Record<string, string | undefined>>;

/** A bad command line or environment variable: the CLI prints the message and exits with code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export const DEFAULT_SQLITE_FILE = './toopher-server.db';
const ENV = 'TOOPHER_SERVER_';
const MAX_MS = 2 ** 31 - 1;

const STORAGE_OPTIONS = {
  sqlite: { type: 'string' },
  redis: { type: 'string' },
  'redis-key-prefix': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const START_OPTIONS = {
  ...STORAGE_OPTIONS,
  host: { type: 'string' },
  port: { type: 'string' },
  'public-url': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'trust-proxy': { type: 'string' },
  'push-subject': { type: 'string' },
  'no-push': { type: 'boolean' },
  'rate-limit-api': { type: 'string' },
  'rate-limit-device': { type: 'string' },
  'rate-limit-registrations': { type: 'string' },
  'pending-timeout-ms': { type: 'string' },
  'pairing-timeout-ms': { type: 'string' },
  'shutdown-timeout-ms': { type: 'string' },
} as const;

type Values = Readonly<Record<string, string | boolean | undefined>>;

/** A flag's value, else its environment variable (`--public-url` → TOOPHER_SERVER_PUBLIC_URL); empty = unset. */
function setting(values: Values, env: Environment, flag: string): string | undefined {
  const given = values[flag];
  if (typeof given === 'string') {
    if (given === '') throw new CliUsageError(`--${flag} must not be empty`);
    return given;
  }
  const fromEnv = env[ENV + flag.toUpperCase().replaceAll('-', '_')];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

function integer(values: Values, env: Environment, flag: string, min: number, max: number): number | undefined {
  const text = setting(values, env, flag);
  if (text === undefined) return undefined;
  if (!/^\d{1,10}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new CliUsageError(`--${flag} must be an integer from ${min} to ${max}`);
  }
  return Number(text);
}

function envSwitch(env: Environment, name: string): boolean {
  const text = env[ENV + name]?.toLowerCase();
  if (text === undefined || text === '' || text === '0' || text === 'false') return false;
  if (text === '1' || text === 'true') return true;
  throw new CliUsageError(`${ENV}${name} must be 1, true, 0 or false`);
}

/** Flags win over the environment: --no-push, else --push-subject, else TOOPHER_SERVER_NO_PUSH, else _PUSH_SUBJECT. */
function pushOf(values: Values, env: Environment): { readonly subject: string } | false | undefined {
  const flagged = setting(values, {}, 'push-subject');
  if (values['no-push'] === true) {
    if (flagged !== undefined) throw new CliUsageError('give --push-subject or --no-push, not both');
    return false;
  }
  if (flagged === undefined && envSwitch(env, 'NO_PUSH')) return false;
  const subject = flagged ?? setting({}, env, 'push-subject');
  if (subject === undefined) return undefined;
  if (!/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(subject)) {
    throw new CliUsageError('--push-subject must be a mailto: address or an https: URL');
  }
  return { subject };
}

/** The command line's storage wins as a whole over the environment's; both kinds at once is an error. */
function storageOf(values: Values, env: Environment): CliStorage {
  const flagged = values['sqlite'] !== undefined || values['redis'] !== undefined;
  const pick = (flag: 'sqlite' | 'redis'): string | undefined =>
    flagged ? setting(values, {}, flag) : setting({}, env, flag === 'redis' ? 'redis-url' : flag);
  const sqlite = pick('sqlite');
  const redisUrl = pick('redis');
  if (sqlite !== undefined && redisUrl !== undefined) {
    throw new CliUsageError(flagged ? 'give --sqlite or --redis, not both' : `set ${ENV}SQLITE or ${ENV}REDIS_URL, not both`);
  }
  if (redisUrl !== undefined) {
    if (!/^rediss?:\/\/./.test(redisUrl)) throw new CliUsageError('--redis must be a redis:// or rediss:// URL');
    const keyPrefix = setting(values, env, 'redis-key-prefix');
    return keyPrefix === undefined ? { redisUrl } : { redisUrl, keyPrefix };
  }
  if (values['redis-key-prefix'] !== undefined) throw new CliUsageError('--redis-key-prefix needs Redis storage (--redis)');
  return { sqlite: sqlite ?? DEFAULT_SQLITE_FILE };
}

function trustProxyOf(text: string | undefined): boolean | number | string | undefined {
  if (text === undefined) return undefined;
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d{1,3}$/.test(text)) return Number(text);
  if (!/^[\w.:/, -]+$/.test(text)) throw new CliUsageError('--trust-proxy must be true, false, a hop count or addresses/subnets');
  return text;
}

function publicUrlOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) {
    throw new CliUsageError('--public-url must be an http(s) URL such as https://mfa.example.com');
  }
  return text;
}

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

function parse<T extends OptionSpecs>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true } as const);
  } catch (err) {
    throw new CliUsageError(err instanceof Error ? err.message : String(err));
  }
}

function noPositionals(positionals: readonly string[], usage: string): void {
  if (positionals.length > 0) throw new CliUsageError(`unexpected argument ${JSON.stringify(positionals[0])} (${usage})`);
}

function parseStart(argv: readonly string[], env: Environment): CliCommand {
  const { values, positionals } = parse(argv, START_OPTIONS);
  if (values.help === true) return { command: 'help', text: START_HELP };
  noPositionals(positionals, 'start takes only options');
  const cert = setting(values, env, 'tls-cert');
  const key = setting(values, env, 'tls-key');
  if ((cert === undefined) !== (key === undefined)) throw new CliUsageError('give --tls-cert and --tls-key together');
  const push = pushOf(values, env);
  const host = setting(values, env, 'host');
  const port = integer(values, env, 'port', 0, 65535);
  const publicUrl = publicUrlOf(setting(values, env, 'public-url'));
  const trustProxy = trustProxyOf(setting(values, env, 'trust-proxy'));
  const api = integer(values, env, 'rate-limit-api', 1, 1_000_000);
  const device = integer(values, env, 'rate-limit-device', 1, 1_000_000);
  const registrations = integer(values, env, 'rate-limit-registrations', 1, 1_000_000);
  const pendingTimeoutMs = integer(values, env, 'pending-timeout-ms', 1, MAX_MS);
  const pairingTimeoutMs = integer(values, env, 'pairing-timeout-ms', 1, MAX_MS);
  const shutdownTimeoutMs = integer(values, env, 'shutdown-timeout-ms', 1, 600_000);
  const rateLimits = {
    ...(api === undefined ? {} : { apiPerMinutePerRequester: api }),
    ...(device === undefined ? {} : { devicePerMinutePerIp: device }),
    ...(registrations === undefined ? {} : { registrationsPerHourPerIp: registrations }),
  };
  return {
    command: 'start',
    options: {
      storage: storageOf(values, env),
      ...(host === undefined ? {} : { host }),
      ...(port === undefined ? {} : { port }),
      ...(publicUrl === undefined ? {} : { publicUrl }),
      ...(trustProxy === undefined ? {} : { trustProxy }),
      ...(push === undefined ? {} : { push }),
      ...(Object.keys(rateLimits).length === 0 ? {} : { rateLimits }),
      ...(pendingTimeoutMs === undefined ? {} : { pendingTimeoutMs }),
      ...(pairingTimeoutMs === undefined ? {} : { pairingTimeoutMs }),
      ...(shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs }),
    },
    ...(cert === undefined || key === undefined ? {} : { tlsFiles: { cert, key } }),
  };
}

const CREATE_OPTIONS = { ...STORAGE_OPTIONS, name: { type: 'string' } } as const;
const LIST_OPTIONS = { ...STORAGE_OPTIONS, json: { type: 'boolean' } } as const;

function parseRequesters(argv: readonly string[], env: Environment): CliCommand {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') {
    if (action === undefined) throw new CliUsageError('requesters needs an action: create, list, rotate or delete');
    return { command: 'help', text: REQUESTERS_HELP };
  }
  if (action === 'create') {
    const { values, positionals } = parse(rest, CREATE_OPTIONS);
    if (values.help === true) return { command: 'help', text: REQUESTERS_HELP };
    noPositionals(positionals, 'usage: requesters create --name <name>');
    const name = values.name?.trim();
    if (name === undefined || name === '') throw new CliUsageError('requesters create needs --name <name>');
    if (name.length > 100 || /[\p{Cc}]/u.test(name)) throw new CliUsageError('--name must be at most 100 printable characters');
    return { command: 'requesters create', storage: storageOf(values, env), name };
  }
  if (action === 'list') {
    const { values, positionals } = parse(rest, LIST_OPTIONS);
    if (values.help === true) return { command: 'help', text: REQUESTERS_HELP };
    noPositionals(positionals, 'usage: requesters list [--json]');
    return { command: 'requesters list', storage: storageOf(values, env), json: values.json === true };
  }
  if (action === 'rotate' || action === 'delete') {
    const { values, positionals } = parse(rest, STORAGE_OPTIONS);
    if (values.help === true) return { command: 'help', text: REQUESTERS_HELP };
    const [key, extra] = positionals;
    if (key === undefined || key === '' || extra !== undefined) throw new CliUsageError(`usage: requesters ${action} <consumer key>`);
    return { command: `requesters ${action}`, storage: storageOf(values, env), key };
  }
  throw new CliUsageError(`unknown requesters action ${JSON.stringify(action)} (create, list, rotate or delete)`);
}

/**
 * Reads `toopher-server`'s command line (without `node` and the script) and its `TOOPHER_SERVER_*`
 * environment variables into one command. Throws `CliUsageError` for anything it cannot use.
 */
export function parseCli(argv: readonly string[], env: Environment = {}): CliCommand {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') return { command: 'help', text: MAIN_HELP };
  if (command === 'start') return parseStart(rest, env);
  if (command === 'requesters') return parseRequesters(rest, env);
  if (command === undefined) throw new CliUsageError('a command is needed: start or requesters');
  throw new CliUsageError(`unknown command ${JSON.stringify(command)} (start or requesters)`);
}
