import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { qrcode } from './optional-deps.js';
import { debug } from '../internal/debug.js';
import { escapeHtml as e } from './html.js';
import { OAuthVerifier, type OAuthParam } from './oauth-verify.js';
import { Params } from './params.js';
import { SandboxError, badRequest, notFound } from './sandbox-error.js';
import type { SandboxStore } from './store/sandbox-store.js';
import type { StateAccess } from './store/state-access.js';

export interface ApiRouterOptions {
  readonly state: StateAccess;
  readonly timestampWindowSeconds: number;
  readonly maxBodyBytes: number;
  readonly maxParameterLength: number;
  /** The text of a QR pairing's code (default: the sandbox's `/r/pairings/:id` link on this origin). */
  readonly qrCodeText?: (code: { readonly pairingId: string; readonly secret?: string | undefined }, origin: string) => string;
  /**
   * Runs once a call's signature and nonce checked out, before its handler (toopher-server: the per-requester
   * rate limit, counted only for calls the requester really signed). Rejects with a `SandboxError` to refuse.
   */
  readonly admit?: (consumerKey: string, res: Response) => Promise<void>;
  /** Told of every successful signed call once its transaction committed (toopher-server: pushes, audit). Must not throw. */
  readonly afterCommit?: (event: ApiCommitEvent) => void;
}

/** A signed call that succeeded: the route's path pattern (e.g. `/authentication_requests/initiate`) and its answer. */
export interface ApiCommitEvent {
  readonly route: string;
  readonly consumerKey: string;
  readonly result: unknown;
}

/** A PNG made after the transaction (the QR image): encoding it needs no state and may take a while. */
class QrImage {
  constructor(readonly text: string) {}
}

const MAX_PARAMETERS = 200;
const NOT_SIGNED = { error_code: 401, error_message: 'Not a valid OAuth signed request' } as const;

interface SignedContext {
  readonly consumerKey: string;
  readonly params: Params;
  readonly req: Request;
  readonly store: SandboxStore;
}

/** Decoded `application/x-www-form-urlencoded` pairs, in order, duplicates kept. */
function formPairs(text: string): OAuthParam[] {
  return [...new URLSearchParams(text)];
}

function queryString(req: Request): string {
  const index = req.originalUrl.indexOf('?');
  return index === -1 ? '' : req.originalUrl.slice(index + 1);
}

function origin(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** Express's `res.json` without its content negotiation, ETag and freshness work: the sandbox's hot path. */
function sendJson(res: Response, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** RFC 9112 §6.3: a request has a body only with Transfer-Encoding or a non-zero Content-Length. */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isForm(req: Request): boolean {
  return req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
}

/**
 * The `/v1` router: every endpoint of the reference (toopher-api.md §3.1)
 * except the iframe pages and OATH tokens. Each signed route reads the
 * merged query and form parameters, verifies OAuth 1.0a, and answers 200
 * with JSON or an error status with `{"error_code", "error_message"}`.
 */
export function createApiRouter(options: ApiRouterOptions): Router {
  const { state } = options;
  const verifier = new OAuthVerifier({
    lookupSecret: (key) => state.store.consumerSecret(key),
    now: () => Date.now(),
    windowSeconds: options.timestampWindowSeconds,
  });
  const qrCodeText = options.qrCodeText ?? ((code, base) => `${base}/r/pairings/${code.pairingId}`);
  const router = express.Router();
  const readBody = express.raw({ type: () => true, limit: options.maxBodyBytes });
  router.use((req, res, next) => {
    if (hasBody(req)) readBody(req, res, next);
    else next();
  });

  const signed =
    (handler: (ctx: SignedContext) => unknown) =>
    async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      try {
        const query = formPairs(queryString(req));
        const bodyText = Buffer.isBuffer(req.body) && isForm(req) ? req.body.toString('utf8') : '';
        const body = formPairs(bodyText);
        const all = [...query, ...body];
        if (all.length > MAX_PARAMETERS) throw badRequest(`Too many parameters (at most ${MAX_PARAMETERS})`);
        const tooLong = all.find(([, value]) => value.length > options.maxParameterLength);
        if (tooLong !== undefined) {
          throw badRequest(`Parameter ${tooLong[0].slice(0, 64)} is longer than ${options.maxParameterLength} characters`);
        }
        const signature = { method: req.method, url: `${origin(req)}${req.originalUrl}`, query, body, authorization: req.get('authorization') };
        // Inside a transaction: the requester's secret is read as the state has it now (a requester made
        // or rotated by `toopher-server requesters` in another process counts at once).
        const checked = await state.run(() => verifier.verifySignature(signature));
        const result = checked.ok
          ? (await state.claim(`oauth\u001f${checked.consumerKey}\u001f${checked.nonce}`, verifier.nonceTtlMs, Date.now()))
            ? checked
            : { ok: false as const, reason: 'replayed oauth_nonce' }
          : checked;
        if (!result.ok) {
          debug('sandbox: refused %s %s: %s', req.method, req.path, result.reason);
          sendJson(res, 401, NOT_SIGNED);
          return;
        }
        await options.admit?.(result.consumerKey, res);
        const values = new Map<string, string>();
        for (const [name, value] of query) if (!values.has(name)) values.set(name, value);
        const fromBody = new Map<string, string>();
        for (const [name, value] of body) if (!fromBody.has(name)) fromBody.set(name, value);
        for (const [name, value] of fromBody) values.set(name, value);
        const params = new Params(values);
        const out = await state.run((store) => handler({ consumerKey: result.consumerKey, params, req, store }));
        const route = (req.route as { readonly path?: unknown } | undefined)?.path;
        options.afterCommit?.({ route: typeof route === 'string' ? route : req.path, consumerKey: result.consumerKey, result: out });
        if (out instanceof QrImage) {
          const png = await qrcode().toBuffer(out.text, { type: 'png', margin: 2, width: 228 });
          res.status(200).type('image/png').send(png);
        } else sendJson(res, 200, out);
      } catch (err) {
        next(err);
      }
    };

  const id = (req: Request): string => {
    const value = req.params['id'];
    return typeof value === 'string' ? value : '';
  };

  // Pairings
  router.post(
    '/pairings/create',
    signed(({ consumerKey, params, store }) =>
      store.createPairingWithPhrase(consumerKey, params.required('pairing_phrase', 'pairing_token'), {
        name: params.optional('user_name'),
        id: params.optional('user_id'),
      }),
    ),
  );
  router.post(
    '/pairings/create/sms',
    signed(({ consumerKey, params, store }) =>
      store.createPairingBySms(consumerKey, params.required('phone_number'), params.required('user_name')),
    ),
  );
  router.post(
    '/pairings/create/qr',
    signed(({ consumerKey, params, store }) => store.createPairingForQr(consumerKey, params.required('user_name'))),
  );
  router.get(
    '/qr/pairings/:id',
    signed(({ consumerKey, req, store }) => new QrImage(qrCodeText(store.qrCodeContent(consumerKey, id(req)), origin(req)))),
  );
  router.get('/pairings/:id', signed(({ consumerKey, req, store }) => store.getPairing(consumerKey, id(req))));
  router.post(
    '/pairings/:id',
    signed(({ consumerKey, params, req, store }) =>
      store.updatePairing(consumerKey, id(req), params.boolean('deactivated')),
    ),
  );
  router.post(
    '/pairings/:id/generate_reset_link',
    signed(({ consumerKey, req, store }) => {
      const token = store.createResetToken(consumerKey, id(req));
      return { url: resetUrl(req, id(req), token), reset_authorization: token };
    }),
  );
  router.post(
    '/pairings/:id/send_reset_link',
    signed(({ consumerKey, params, req, store }) => {
      const email = params.required('reset_email');
      const token = store.createResetToken(consumerKey, id(req));
      store.recordResetEmail({ pairingId: id(req), email, url: resetUrl(req, id(req), token) });
      return {};
    }),
  );
  // The page a user opens from a reset link (a browser page: not signed).
  router.get('/pairings/:id/reset', async (req, res) => {
    const token = typeof req.query['reset_authorization'] === 'string' ? req.query['reset_authorization'] : '';
    const valid = await state.run((store) => store.hasResetToken(id(req), token));
    res
      .status(valid ? 200 : 404)
      .type('html')
      .send(
        valid
          ? resetPage(
              '<p>Resetting removes this pairing. You will pair your phone again at your next login.</p>' +
                `<form method="post"><input type="hidden" name="reset_authorization" value="${e(token)}"><button type="submit">Reset pairing</button></form>`,
            )
          : resetPage('<p>This reset link is not valid or was already used.</p>'),
      );
  });
  router.post('/pairings/:id/reset', async (req, res) => {
    const form = Buffer.isBuffer(req.body) ? new URLSearchParams(req.body.toString('utf8')) : new URLSearchParams();
    const ok = await state.run((store) => store.resetPairingWithToken(id(req), form.get('reset_authorization') ?? ''));
    res
      .status(ok ? 200 : 404)
      .type('html')
      .send(resetPage(ok ? '<p>The pairing was reset.</p>' : '<p>This reset link is not valid or was already used.</p>'));
  });

  // Authentication requests
  router.post(
    '/authentication_requests/initiate',
    signed(({ consumerKey, params, store }) =>
      store.initiate(consumerKey, {
        pairingId: params.optional('pairing_id'),
        userName: params.optional('user_name'),
        terminalName: params.optional('terminal_name'),
        terminalId: params.optional('terminal_id'),
        requesterSpecifiedTerminalId: params.optional('requester_specified_terminal_id', 'terminal_name_extra'),
        actionName: params.optional('action_name', 'action'),
        automationAllowed: params.boolean('automation_allowed'),
        challengeRequired: params.boolean('challenge_required'),
        otp: params.optional('otp'),
      }),
    ),
  );
  router.get(
    '/authentication_requests/:id',
    signed(({ consumerKey, req, store }) => store.getAuthenticationRequest(consumerKey, id(req))),
  );
  router.post(
    '/authentication_requests/:id/otp_auth',
    signed(({ consumerKey, params, req, store }) => store.authenticateWithOtp(consumerKey, id(req), params.required('otp'))),
  );
  router.post(
    '/authentication_requests/:id/cancel',
    signed(({ consumerKey, req, store }) => store.cancel(consumerKey, id(req))),
  );

  // User terminals
  router.post(
    '/user_terminals/create',
    signed(({ consumerKey, params, store }) =>
      store.createTerminal(
        consumerKey,
        params.required('user_name'),
        params.required('name', 'terminal_name'),
        params.optional('requester_specified_id', 'name_extra') ?? '',
      ),
    ),
  );
  router.get('/user_terminals/:id', signed(({ consumerKey, req, store }) => store.getTerminal(consumerKey, id(req))));

  // Users
  router.post(
    '/users/create',
    signed(({ consumerKey, params, store }) => {
      const disabled = params.boolean('disable_toopher_auth');
      const enabled = params.boolean('toopher_authentication_enabled') ?? (disabled === undefined ? true : !disabled);
      return store.createUser(consumerKey, params.required('name', 'user_name'), enabled);
    }),
  );
  router.get(
    '/users',
    signed(({ consumerKey, params, store }) => store.findUsersByName(consumerKey, params.required('name', 'user_name'))),
  );
  router.post(
    '/users/reset',
    signed(({ consumerKey, params, store }) => {
      store.resetUser(consumerKey, params.required('user_name', 'name'));
      return {};
    }),
  );
  router.get('/users/:id', signed(({ consumerKey, req, store }) => store.getUser(consumerKey, id(req))));
  router.post(
    '/users/:id',
    signed(({ consumerKey, params, req, store }) => {
      const disabled = params.boolean('disable_toopher_auth');
      const enabled = params.boolean('toopher_authentication_enabled') ?? (disabled === undefined ? undefined : !disabled);
      return store.setUserEnabled(consumerKey, id(req), enabled);
    }),
  );
  router.get(
    '/users/:id/pairings',
    signed(({ consumerKey, params, req, store }) =>
      store.userPairings(consumerKey, id(req), params.boolean('deactivated')),
    ),
  );

  router.use((req, _res, next) => {
    next(notFound(`endpoint ${req.method} /v1${req.path.replace(/[^\w/.-]/g, '')} or resource`));
  });
  router.use(apiErrorHandler);
  return router;
}

function resetUrl(req: Request, pairingId: string, token: string): string {
  return `${origin(req)}/v1/pairings/${pairingId}/reset?reset_authorization=${encodeURIComponent(token)}`;
}

function resetPage(content: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Reset Toopher pairing</title></head><body><main><h1>Reset Toopher pairing</h1>${content}</main></body></html>`;
}

interface HttpErrorLike {
  readonly status?: unknown;
  readonly type?: unknown;
}

/** Every `/v1` error as JSON: our own errors, body-parser errors (413, 400), anything else 500. */
export function apiErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(err);
    return;
  }
  if (err instanceof SandboxError) {
    res.status(err.status ?? 400).json(err.toJSON());
    return;
  }
  const { status, type } = (typeof err === 'object' && err !== null ? err : {}) as HttpErrorLike;
  if (type === 'entity.too.large') {
    res.status(413).json({ error_code: 413, error_message: 'Request body is too large' });
    return;
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    res.status(status).json({ error_code: status, error_message: 'Malformed request' });
    return;
  }
  debug('sandbox: internal error %o', err);
  res.status(500).json({ error_code: 500, error_message: 'Internal sandbox error' });
}
