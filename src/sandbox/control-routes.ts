import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { CONTROL_TOKEN_FIELD, type ControlAccess, controlGuard, requireFormToken } from './control-guard.js';
import type { FaultState } from './faults.js';
import { parseLenientBoolean } from './params.js';
import { PHONE_CSS, renderPhonePage } from './phone-page.js';
import { SandboxError, badRequest } from './sandbox-error.js';
import type { SandboxStore } from './store/sandbox-store.js';
import type { SandboxAutoRespond, SandboxFaults } from './types.js';

const lenientBoolean = z.preprocess((v) => parseLenientBoolean(v) ?? v, z.boolean());
const lenientNumber = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number());

export const faultsSchema = z.strictObject({
  mode: z.enum(['error', 'garbage', 'reset', 'hang']).optional(),
  status: lenientNumber.pipe(z.number().int().min(400).max(599)).optional(),
  rate: lenientNumber.pipe(z.number().min(0).max(1)).optional(),
  latencyMs: lenientNumber.pipe(z.number().int().min(0).max(600_000)).optional(),
  paths: z.array(z.string().max(200)).max(50).optional(),
});

export const autoRespondSchema = z.strictObject({
  granted: lenientBoolean,
  delayMs: lenientNumber.pipe(z.number().int().min(0).max(600_000)).optional(),
  automate: lenientBoolean.optional(),
});

const requireOtpSchema = z.object({ required: lenientBoolean });
const respondSchema = z.object({ granted: lenientBoolean, automate: lenientBoolean.optional() });

/** Parses a control body with `schema`, answering 400 with the first problem. */
export function parseControl<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
    throw badRequest(`Invalid control request: ${where}${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** Drops the phone page's own form fields before validation. */
function controlBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const rest: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  delete rest['return_to'];
  delete rest[CONTROL_TOKEN_FIELD];
  return rest;
}

function isFormPost(req: Request): boolean {
  return req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
}

function returnTo(req: Request): string {
  const body = req.body as Record<string, unknown> | undefined;
  const target = body?.['return_to'];
  // Only our own page: never an open redirect.
  return typeof target === 'string' && /^\/phone(?:\?[^\s\\]*)?$/.test(target) ? target : '/phone';
}

function withNotice(target: string, notice: string): string {
  return `${target}${target.includes('?') ? '&' : '?'}notice=${encodeURIComponent(notice)}`;
}

function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export interface ControlRouterOptions {
  readonly store: SandboxStore;
  readonly faults: FaultState;
  readonly maxBodyBytes: number;
  readonly showRequester: boolean;
  readonly access: ControlAccess;
}

/**
 * The unauthenticated control API (`/sandbox/...`, JSON in and out) and the
 * phone page (`/phone`). Form posts from the page are answered with a 303
 * back to the page instead of JSON.
 */
export function createControlRouter(options: ControlRouterOptions): Router {
  const { store, faults } = options;
  const router = express.Router();
  const parsers = [
    express.json({ limit: options.maxBodyBytes, type: ['application/json', 'application/*+json'] }),
    express.urlencoded({ extended: false, limit: options.maxBodyBytes }),
  ];

  const control =
    (handler: (req: Request) => unknown, notice?: (result: unknown) => string) =>
    (req: Request, res: Response, next: NextFunction): void => {
      res.set('Cache-Control', 'no-store');
      try {
        const result = handler(req);
        if (isFormPost(req)) {
          const target = returnTo(req);
          res.redirect(303, notice === undefined ? target : withNotice(target, notice(result)));
          return;
        }
        res.status(200).json(result ?? {});
      } catch (err) {
        if (err instanceof SandboxError && isFormPost(req)) {
          res.redirect(303, withNotice(returnTo(req), err.message));
          return;
        }
        next(err);
      }
    };

  const id = (req: Request): string => {
    const value = req.params['id'];
    return typeof value === 'string' ? value : '';
  };

  router.use(controlGuard(options.access));
  router.use('/sandbox', ...parsers, requireFormToken(options.access));
  router.post(
    '/sandbox/pairing_phrases',
    control(
      () => ({ pairing_phrase: store.phoneCreatePhrase() }),
      (r) => `New pairing phrase: ${(r as { pairing_phrase: string }).pairing_phrase}`,
    ),
  );
  router.get('/sandbox/pairing_phrases', control(() => store.phonePhrases()));
  router.get('/sandbox/pairings', control((req) => store.phoneListPairings(queryString(req, 'user_name'))));
  router.post(
    '/sandbox/pairings/:id/respond',
    control((req) => {
      const { granted } = parseControl(respondSchema, controlBody(req));
      store.phoneRespondToPairing(id(req), granted);
      return {};
    }),
  );
  router.post(
    '/sandbox/pairings/:id/deactivate',
    control((req) => {
      store.phoneDeactivatePairing(id(req));
      return {};
    }),
  );
  router.post(
    '/sandbox/pairings/:id/require_otp',
    control((req) => {
      store.phoneSetOtpRequired(id(req), parseControl(requireOtpSchema, controlBody(req)).required);
      return {};
    }),
  );
  router.get('/sandbox/pairings/:id/otp', control((req) => ({ otp: store.phoneOtp(id(req)) })));
  router.get(
    '/sandbox/authentication_requests',
    control((req) => store.phoneListRequests(queryString(req, 'user_name'))),
  );
  router.post(
    '/sandbox/authentication_requests/:id/respond',
    control((req) => {
      const { granted, automate } = parseControl(respondSchema, controlBody(req));
      store.phoneRespondToRequest(id(req), granted, automate ?? false);
      return {};
    }),
  );
  router.post(
    '/sandbox/faults',
    control((req) => {
      faults.faults = parseControl(faultsSchema, controlBody(req)) as SandboxFaults;
      return {};
    }),
  );
  router.delete(
    '/sandbox/faults',
    control(() => {
      faults.faults = undefined;
      return {};
    }),
  );
  router.post(
    '/sandbox/auto_respond',
    control((req) => {
      store.setAutoRespond(parseControl(autoRespondSchema, controlBody(req)) as SandboxAutoRespond);
      return {};
    }),
  );
  router.delete(
    '/sandbox/auto_respond',
    control(() => {
      store.setAutoRespond(undefined);
      return {};
    }),
  );
  router.get('/sandbox/reset_emails', control(() => store.sentResetEmails()));

  router.get('/phone', (req, res) => {
    const userName = queryString(req, 'user_name');
    const refresh = queryString(req, 'refresh') !== 'off';
    const query = new URLSearchParams();
    if (userName !== undefined) query.set('user_name', userName);
    if (!refresh) query.set('refresh', 'off');
    const self = `/phone${query.size > 0 ? `?${query.toString()}` : ''}`;
    // The page shows the newest 50 of each; the JSON lists have everything.
    const pairings = store.phoneListPairings(userName).slice(0, 50).map((pairing) => ({
      pairing,
      otp: pairing.enabled ? store.phoneOtp(pairing.id) : '',
    }));
    res
      .status(200)
      .set({
        'Cache-Control': 'no-store',
        'Content-Security-Policy':
          "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        'X-Content-Type-Options': 'nosniff',
      })
      .type('html')
      .send(
        renderPhonePage({
          ...store.phoneTimes(),
          pairings,
          requests: store.phoneListRequests(userName).slice(0, 50),
          userNames: store.phoneUserNames(),
          userName,
          notice: queryString(req, 'notice'),
          refreshSeconds: refresh ? 2 : undefined,
          returnTo: self,
          showRequester: options.showRequester,
          token: options.access.token,
        }),
      );
  });
  router.get('/phone.css', (_req, res) => {
    res.status(200).type('css').set('Cache-Control', 'no-store').send(PHONE_CSS);
  });
  // What the QR code of `pairings/create/qr` encodes: "scanning" it opens the phone page.
  router.get('/r/pairings/:id', (req, res) => {
    res.redirect(303, `/phone#pairing-${encodeURIComponent(id(req))}`);
  });
  return router;
}
