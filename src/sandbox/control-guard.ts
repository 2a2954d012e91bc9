import type { NextFunction, Request, Response } from 'express';
import { constantTimeEqual } from '../internal/constant-time.js';
import { SandboxError } from './sandbox-error.js';

/** Header a script (the CLI user's curl, a test) may send instead of a JSON body. */
export const CONTROL_TOKEN_HEADER = 'x-sandbox-token';
/** Hidden form field of the phone page's forms. */
export const CONTROL_TOKEN_FIELD = 'sandbox_token';

/**
 * Who may drive the control API and the phone page. The token is printed by
 * the CLI and returned by `createSandbox()`; the host names are filled in
 * once the server listens (the port may be chosen by the OS).
 */
export class ControlAccess {
  readonly token: string;
  private readonly _extraHosts: readonly string[];
  private _hosts = new Set<string>();

  constructor(token: string, extraHosts: readonly string[]) {
    this.token = token;
    this._extraHosts = extraHosts.map((h) => h.toLowerCase());
  }

  /** Called once listening: loopback names and the bound address with the real port, plus the allow-list. */
  listening(boundHost: string, port: number): void {
    const names = ['127.0.0.1', 'localhost', '[::1]', boundHost.toLowerCase(), ...this._extraHosts];
    const hosts = new Set<string>();
    for (const name of names) {
      // An allow-list entry with its own port is taken as is; a bare name gets the sandbox's port.
      if (/:\d+$/.test(name) && !/^\[[^\]]*\]$/.test(name)) hosts.add(name);
      else hosts.add(`${name}:${port}`);
    }
    this._hosts = hosts;
  }

  allowsHost(host: string | undefined): boolean {
    return host !== undefined && this._hosts.has(host.toLowerCase());
  }

  tokenMatches(value: unknown): boolean {
    return typeof value === 'string' && value !== '' && constantTimeEqual(value, this.token);
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function refuse(status: number, message: string): SandboxError {
  return new SandboxError(status, status, message);
}

/**
 * Guards the control routes and the phone page against other web pages:
 * - the Host header must name the sandbox itself (DNS rebinding: a page on
 *   `evil.example` resolved to 127.0.0.1 sends `Host: evil.example`);
 * - unsafe methods from a browser must come from the sandbox's own origin
 *   (`Origin`, `Sec-Fetch-Site`);
 * - a POST must be JSON (a cross-site form cannot send that without a CORS
 *   preflight, which is never granted) or carry the control token.
 * Runs before any body is parsed; the token of form posts is checked by
 * {@link requireFormToken} once the body is read.
 */
export function controlGuard(access: ControlAccess) {
  return (req: Request, response: Response, next: NextFunction): void => {
    if (!access.allowsHost(req.get('host'))) {
      next(refuse(421, 'This sandbox answers only to its own address (see the allowedHosts option).'));
      return;
    }
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const origin = req.get('origin');
    if (origin !== undefined && origin !== `${req.protocol}://${req.get('host') ?? ''}`) {
      next(refuse(403, 'Cross-origin requests to the sandbox control API are refused.'));
      return;
    }
    const site = req.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      next(refuse(403, 'Cross-site requests to the sandbox control API are refused.'));
      return;
    }
    if (req.method === 'POST' && !access.tokenMatches(req.get(CONTROL_TOKEN_HEADER))) {
      const json = typeof req.is(['application/json', 'application/*+json']) === 'string';
      const form = req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
      if (!json && !form) {
        next(refuse(415, `Control requests need Content-Type: application/json (or the ${CONTROL_TOKEN_HEADER} header).`));
        return;
      }
      response.locals['sandboxFormNeedsToken'] = form;
    }
    next();
  };
}

/** After body parsing: a form post must carry the phone page's token. */
export function requireFormToken(access: ControlAccess) {
  return (req: Request, response: Response, next: NextFunction): void => {
    if (response.locals['sandboxFormNeedsToken'] !== true) {
      next();
      return;
    }
    const body = req.body as Record<string, unknown> | undefined;
    if (!access.tokenMatches(body?.[CONTROL_TOKEN_FIELD])) {
      next(refuse(403, 'This form has no valid sandbox token; reload the phone page.'));
      return;
    }
    next();
  };
}
