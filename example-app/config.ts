import { createHmac } from 'node:crypto';

/** Settings of the example app, read from the environment by main.ts only. */
export interface ExampleConfig {
  readonly port: number;
  readonly sandboxPort: number;
  readonly host: string;
  /** When set, use this Toopher API instead of starting the embedded sandbox. */
  readonly toopherApi: { readonly baseUrl: string; readonly consumerKey: string; readonly consumerSecret: string } | undefined;
  readonly sessionSecret: string;
  readonly redisUrl: string | undefined;
  readonly authTimeoutMs: number;
  readonly pairingTimeoutMs: number;
  readonly enrollment: 'optional' | 'required';
  readonly trustProxy: boolean;
}

/**
 * A key of its own for each `purpose`, derived from SESSION_SECRET, so the
 * session cookie and passport-toopher's signatures never share a key.
 */
export function deriveKey(sessionSecret: string, purpose: 'session-cookie' | 'passport-toopher'): string {
  return createHmac('sha256', sessionSecret).update(`toopher-example:${purpose}:v1`).digest('base64url');
}

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function readPort(env: Env, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${name} must be a port number between 0 and 65535.`);
  }
  return port;
}

function readSeconds(env: Env, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600) {
    throw new ConfigError(`${name} must be a number of seconds between 1 and 3600.`);
  }
  return seconds;
}

function readUrl(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL.`);
  }
  const schemes = name === 'REDIS_URL' ? ['redis:', 'rediss:'] : ['http:', 'https:'];
  if (!schemes.includes(url.protocol)) {
    throw new ConfigError(`${name} must start with ${schemes.map((s) => `${s}//`).join(' or ')}.`);
  }
  return value;
}

/**
 * Validates the environment. Every problem names the variable (never its value,
 * which may be a secret). `isProduction` makes SESSION_SECRET mandatory.
 */
export function loadConfig(env: Env, generatedSecret: () => string): ExampleConfig {
  const baseUrl = readUrl(env, 'TOOPHER_API_URL');
  const consumerKey = env['TOOPHER_CONSUMER_KEY'] ?? '';
  const consumerSecret = env['TOOPHER_CONSUMER_SECRET'] ?? '';
  if (baseUrl !== undefined && (consumerKey === '' || consumerSecret === '')) {
    throw new ConfigError(
      'TOOPHER_API_URL is set, so TOOPHER_CONSUMER_KEY and TOOPHER_CONSUMER_SECRET must be set too.',
    );
  }
  if (baseUrl === undefined && (consumerKey !== '' || consumerSecret !== '')) {
    throw new ConfigError('TOOPHER_CONSUMER_KEY/TOOPHER_CONSUMER_SECRET need TOOPHER_API_URL.');
  }

  let sessionSecret = env['SESSION_SECRET'] ?? '';
  if (sessionSecret === '') {
    if (env['NODE_ENV'] === 'production') throw new ConfigError('SESSION_SECRET must be set in production.');
    sessionSecret = generatedSecret();
  } else if (sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET must be at least 32 characters long.');
  }

  // The demo lets users opt out on the settings page; production sites usually want 'required'.
  const enrollment = env['TOOPHER_ENROLLMENT'] ?? 'optional';
  if (enrollment !== 'optional' && enrollment !== 'required') {
    throw new ConfigError('TOOPHER_ENROLLMENT must be "optional" or "required".');
  }
  const trustProxy = env['TRUST_PROXY'] ?? '';
  if (!['', '0', '1', 'true', 'false'].includes(trustProxy)) {
    throw new ConfigError('TRUST_PROXY must be "true" or "false".');
  }

  return Object.freeze({
    port: readPort(env, 'PORT', 3000),
    sandboxPort: readPort(env, 'SANDBOX_PORT', 3001),
    host: env['HOST'] ?? '127.0.0.1',
    toopherApi: baseUrl === undefined ? undefined : { baseUrl, consumerKey, consumerSecret },
    sessionSecret,
    redisUrl: readUrl(env, 'REDIS_URL'),
    authTimeoutMs: readSeconds(env, 'TOOPHER_AUTH_TIMEOUT_SECONDS', 90) * 1000,
    pairingTimeoutMs: readSeconds(env, 'TOOPHER_PAIRING_TIMEOUT_SECONDS', 120) * 1000,
    enrollment,
    trustProxy: trustProxy === '1' || trustProxy === 'true',
  });
}
