import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { constantTimeEqual } from '../../internal/constant-time.js';
import { debug } from '../../internal/debug.js';
import { randomToken } from '../../internal/random.js';
import { OAuthVerifier } from '../oauth-verify.js';
import { qrPng } from '../qr.js';
import { parseLenientBoolean } from '../params.js';
import { SandboxError } from '../sandbox-error.js';
import type { SandboxStore } from '../store/sandbox-store.js';
import { IframeFlow } from './flow.js';
import { IFRAME_CSP, IFRAME_CSS, IFRAME_SCRIPT, renderErrorPage, renderSessionPage } from './pages.js';
import { type IframeKind, type IframeRequest, type IframeSession, IframeSessions } from './sessions.js';

export interface IframeRouterOptions {
  readonly store: SandboxStore;
  /** The sandbox clock (ms): result timestamps and session expiry. */
  readonly clock: () => number;
  readonly timestampWindowSeconds: number;
  readonly maxBodyBytes: number;
  readonly maxParameterLength: number;
}

/** Path under `/v1/web/` -> what it opens. `pair`, `auth` and their `-v2` names are the 1.x pages. */
const PAGES: Readonly<Record<string, { kind: IframeKind; legacy: boolean }>> = {
  authenticate: { kind: 'authenticate', legacy: false },
  manage_user: { kind: 'manage_user', legacy: false },
  auth: { kind: 'authenticate', legacy: true },
  'auth-v2': { kind: 'authenticate', legacy: true },
  pair: { kind: 'manage_user', legacy: true },
  'pair-v2': { kind: 'manage_user', legacy: true },
};

const TERMINAL_COOKIE = 'toopher_sandbox_terminal';

class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendPage(res: Response, status: number, html: string): void {
  res
    .status(status)
    .set({
      'Cache-Control': 'no-store',
      'Content-Security-Policy': IFRAME_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    })
    .type('html')
    .send(html);
}

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** The embedding page's origin, from the Referer of the iframe's first request. */
function parentOrigin(req: Request): string {
  try {
    const referer = new URL(req.get('referer') ?? '');
    return referer.protocol === 'http:' || referer.protocol === 'https:' ? referer.origin : '*';
  } catch {
    return '*';
  }
}

/**
 * The iframe pages (toopher-api.md §6): `GET /v1/web/{authenticate,manage_user,pair,auth,...}`
 * with an OAuth-signed query string opens a session (a replayed, expired or
 * badly signed URL gets an HTML error page), then redirects to the session's
 * page, which walks pairing, terminal naming and the phone's answer and
 * finally posts the signed result to the parent page.
 */
export function createIframeRouter(options: IframeRouterOptions): Router {
  const { store } = options;
  const verifier = new OAuthVerifier({
    lookupSecret: (key) => store.consumerSecret(key),
    now: () => Date.now(),
    windowSeconds: options.timestampWindowSeconds,
  });
  const sessions = new IframeSessions(options.clock);
  const flow = new IframeFlow(store, options.clock);
  const router = express.Router();

  router.get('/iframe.js', (_req, res) => {
    res.status(200).type('js').set('Cache-Control', 'no-store').send(IFRAME_SCRIPT);
  });
  router.get('/iframe.css', (_req, res) => {
    res.status(200).type('css').set('Cache-Control', 'no-store').send(IFRAME_CSS);
  });
  // Where the Java SDK sends the browser when it could not sign a URL.
  router.get('/error.html', (req, res) => {
    const message = typeof req.query['message'] === 'string' ? req.query['message'].slice(0, 500) : 'Unknown error';
    sendPage(res, 400, renderErrorPage(message));
  });

  router.get('/:page', (req, res, next) => {
    const page = PAGES[String(req.params['page'])];
    if (page === undefined) {
      next();
      return;
    }
    try {
      const request = verifySignedUrl(req, page);
      let terminalKey = cookie(req, TERMINAL_COOKIE);
      if (terminalKey === undefined || !/^[\w-]{16,64}$/.test(terminalKey)) {
        terminalKey = randomToken(16);
        res.cookie(TERMINAL_COOKIE, terminalKey, { httpOnly: true, sameSite: 'lax', path: '/v1/web', maxAge: 365 * 86_400_000 });
      }
      const session = sessions.create(request, terminalKey, parentOrigin(req), 'pair');
      flow.begin(session);
      res.redirect(303, `/v1/web/s/${session.id}`);
    } catch (err) {
      pageError(res, err);
    }
  });

  const withSession = (handler: (session: IframeSession, req: Request, res: Response) => void) =>
    (req: Request, res: Response, _next: NextFunction): void => {
      const session = sessions.get(String(req.params['id']));
      if (session === undefined) {
        sendPage(res, 404, renderErrorPage('This Toopher page has expired. Reload the site and try again.'));
        return;
      }
      try {
        handler(session, req, res);
      } catch (err) {
        pageError(res, err);
      }
    };

  router.get('/s/:id', withSession((session, _req, res) => {
    flow.refresh(session);
    sendPage(res, 200, renderSessionPage(session, session.stage === 'manage' ? flow.activePairing(session) : undefined));
  }));
  // What the QR code encodes: the same `<origin>/r/pairings/<id>` link as `qr/pairings/{id}`.
  router.get('/s/:id/qr.png', (req, res, next) => {
    const session = sessions.get(String(req.params['id']));
    if (session?.pairingId === undefined || session.pairingByQr !== true) {
      sendPage(res, 404, renderErrorPage('No QR code here.'));
      return;
    }
    qrPng(`${req.protocol}://${req.get('host') ?? 'localhost'}/r/pairings/${session.pairingId}`)
      .then((png) => res.status(200).type('png').set('Cache-Control', 'no-store').send(png))
      .catch(next);
  });
  router.get('/s/:id/status', withSession((session, _req, res) => {
    flow.refresh(session);
    res.status(200).set('Cache-Control', 'no-store').json({ stage: session.stage });
  }));

  const form = express.urlencoded({ extended: false, limit: options.maxBodyBytes, parameterLimit: 20 });
  const post = (stage: IframeSession['stage'], act: (session: IframeSession, field: (name: string) => string) => void) =>
    withSession((session, req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const field = (name: string): string => {
        const value = body[name];
        if (typeof value !== 'string' || value.trim() === '' || value.length > options.maxParameterLength) {
          throw new PageError(400, `Missing or invalid field ${name}.`);
        }
        return value.trim();
      };
      const token = body['form_token'];
      if (typeof token !== 'string' || !constantTimeEqual(token, session.formToken)) throw new PageError(403, 'This form is not valid any more. Reload the site and try again.');
      if (session.stage === stage) {
        try {
          act(session, field);
        } catch (err) {
          if (!(err instanceof SandboxError)) throw err;
          session.notice = err.message;
        }
      }
      res.redirect(303, `/v1/web/s/${session.id}`);
    });
  router.post('/s/:id/pair', form, post('pair', (s, field) => flow.pairWithPhrase(s, field('pairing_phrase'))));
  router.post('/s/:id/pair_qr', form, post('pair', (s) => flow.pairWithQr(s)));
  router.post('/s/:id/terminal', form, post('name_terminal', (s, field) => flow.nameTerminal(s, field('terminal_name'))));
  router.post('/s/:id/otp', form, post('otp', (s, field) => flow.otp(s, field('otp'))));
  router.post('/s/:id/reset', form, post('manage', (s) => flow.removePairing(s)));

  function verifySignedUrl(req: Request, page: { kind: IframeKind; legacy: boolean }): IframeRequest {
    const index = req.originalUrl.indexOf('?');
    const query = [...new URLSearchParams(index === -1 ? '' : req.originalUrl.slice(index + 1))];
    if (query.length > 100 || query.some(([, value]) => value.length > options.maxParameterLength)) {
      throw new PageError(400, 'The Toopher link is malformed.');
    }
    const result = verifier.verify({
      method: 'GET',
      url: `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`,
      query,
      body: [],
      authorization: undefined,
    });
    if (!result.ok) {
      debug('sandbox: refused iframe URL: %s', result.reason);
      const replayed = result.reason === 'replayed oauth_nonce';
      throw new PageError(401, replayed ? 'This Toopher link was already used.' : 'This Toopher link is not validly signed.');
    }
    const params = new Map<string, string>();
    for (const [name, value] of query) if (!params.has(name)) params.set(name, value);
    // `expires` (2014 on) or the older absolute `ttl`.
    const expires = params.get('expires') ?? params.get('ttl');
    if (expires === undefined || !/^\d{1,12}$/.test(expires)) throw new PageError(400, 'The Toopher link has no expiry.');
    if (Number(expires) <= Date.now() / 1000) throw new PageError(401, 'This Toopher link has expired.');
    const userName = params.get('username') ?? '';
    if (userName === '') throw new PageError(400, 'The Toopher link names no user.');
    const flag = (name: string, fallback: boolean): boolean => {
      const raw = params.get(name);
      if (raw === undefined || raw === '' || raw === 'None') return fallback;
      const value = parseLenientBoolean(raw);
      if (value === undefined) throw new PageError(400, `The Toopher link has an invalid ${name}.`);
      return value;
    };
    return {
      kind: page.kind,
      legacy: page.legacy,
      consumerKey: result.consumerKey,
      userName,
      resetEmail: params.get('reset_email') ?? '',
      actionName: params.get('action_name') || 'Log In',
      sessionToken: params.get('session_token') ?? '',
      requesterMetadata: params.get('requester_metadata'),
      automationAllowed: flag('automation_allowed', true),
      challengeRequired: flag('challenge_required', false),
      allowInlinePairing: flag('allow_inline_pairing', true),
    };
  }

  return router;
}

function pageError(res: Response, err: unknown): void {
  if (err instanceof PageError) {
    sendPage(res, err.status, renderErrorPage(err.message));
    return;
  }
  if (err instanceof SandboxError) {
    sendPage(res, err.status ?? 400, renderErrorPage(err.message));
    return;
  }
  debug('sandbox: iframe error %o', err);
  sendPage(res, 500, renderErrorPage('Internal sandbox error'));
}
