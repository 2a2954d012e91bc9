import { BlockList, isIP } from 'node:net';
import { ToopherConfigError } from '../../errors.js';
import type { Logger } from './logger.js';

export interface ListenSettings {
  /** The interface to listen on (default 127.0.0.1). */
  readonly host?: string | undefined;
  readonly tls?: unknown;
  /** Express's `trust proxy` setting. */
  readonly trustProxy?: boolean | number | string | undefined;
  /** The URL users and phones reach the server at. */
  readonly publicUrl?: string | undefined;
}

export interface ListenDecision {
  readonly loopback: boolean;
  /** Risky but legal settings, already logged. */
  readonly warnings: readonly string[];
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped 127.x; false for wildcards (`0.0.0.0`, `::`) and the rest. */
export function isLoopbackHost(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost') return true;
  const family = isIP(name);
  if (family === 0) return false;
  return LOOPBACK.check(name, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether a `trust proxy` value trusts anything at all (`false`, `0` and `''` do not). */
export function isTrustProxySet(value: ListenSettings['trustProxy']): boolean {
  if (value === undefined || value === false) return false;
  if (typeof value === 'number') return value > 0;
  return typeof value === 'boolean' || value.trim() !== '';
}

function parsePublicUrl(publicUrl: string): URL {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch (err) {
    throw new ToopherConfigError('`publicUrl` is not a valid URL (expected e.g. https://mfa.example.com).', { cause: err });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ToopherConfigError('`publicUrl` must be an http or https URL.');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ToopherConfigError('`publicUrl` must not carry credentials, a query string or a fragment.');
  }
  return url;
}

/**
 * The server's refusal to run exposed without transport security. On a non-loopback host it starts only
 * with `tls` or `trustProxy` (a TLS-terminating proxy in front); behind a proxy, `publicUrl` must be the
 * https URL the proxy serves (the QR links and the phone app use it). Throws `ToopherConfigError`;
 * logs a warning for an http `publicUrl` on a non-loopback host and returns the warnings.
 */
export function checkListenPolicy(settings: ListenSettings, log: Pick<Logger, 'warn'>): ListenDecision {
  const host = settings.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  const tls = settings.tls !== undefined && settings.tls !== null && settings.tls !== false;
  const proxied = isTrustProxySet(settings.trustProxy);
  const url = settings.publicUrl === undefined ? undefined : parsePublicUrl(settings.publicUrl);

  if (!loopback && !tls && !proxied) {
    throw new ToopherConfigError(
      `Refusing to listen on ${JSON.stringify(host)} without transport security: set \`tls\` (--tls-cert/--tls-key) to serve https, or \`trustProxy\` (--trust-proxy) when a TLS-terminating proxy is in front, or listen on 127.0.0.1.`,
    );
  }
  if (proxied && url?.protocol !== 'https:') {
    throw new ToopherConfigError(
      '`trustProxy` is set, so `publicUrl` (--public-url) must be the https URL the proxy serves, e.g. https://mfa.example.com.',
    );
  }

  const warnings: string[] = [];
  if (!loopback && url?.protocol === 'http:') {
    warnings.push(
      '`publicUrl` is http on a non-loopback host: phones will send their signed decisions in clear text and browsers will not allow the service worker or Web Push. Use the https URL.',
    );
  }
  if (tls && proxied) {
    warnings.push('Both `tls` and `trustProxy` are set: check that the proxy really forwards to https.');
  }
  for (const message of warnings) log.warn('listen policy', { warning: message, host });
  return { loopback, warnings };
}
