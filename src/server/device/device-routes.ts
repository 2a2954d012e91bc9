import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { systemClock, type Clock } from '../../internal/clock.js';
import {
  checked,
  idSchema,
  pairingDecisionBody,
  parseBody,
  pushSubscriptionBody,
  qrClaimBody,
  registerBody,
  requestDecisionBody,
} from './device-bodies.js';
import { parseDevicePublicKey, verifyDeviceRequest, type DeviceAuthOptions } from './device-auth.js';
import { deviceErrorHandler, rawBody, sendError, sendJson } from './device-http.js';
import type { DeviceAuditEvent, DevicePairingView, DeviceService } from './device-service.js';

/** Bodies are tiny (the largest is a push subscription, about 500 bytes). */
const MAX_BODY_BYTES = 16 * 1024;

export interface DeviceRouterOptions {
  readonly service: DeviceService;
  /** Checks a browser's PushSubscription (`parsePushSubscription`); throws a 400 error when it is not acceptable. */
  readonly parsePushSubscription: (value: unknown) => unknown;
  /** The server's VAPID public key (base64url), or null when Web Push is off. */
  readonly vapidPublicKey: () => string | null | Promise<string | null>;
  /** How often the app polls `GET /state` while visible. */
  readonly pollIntervalMs: number;
  /** Nonce claims (`StateBackend.claim`). */
  readonly claim: (key: string, ttlMs: number) => Promise<boolean>;
  readonly clock?: Clock;
  /** Awaited after a request decision or automation change, before the answer (audit log). */
  readonly onDecision?: (event: DeviceAuditEvent) => void | Promise<void>;
  /** Awaited after a pairing was accepted, refused, claimed by QR or removed, before the answer. */
  readonly onPairingChange?: (event: DeviceAuditEvent) => void | Promise<void>;
  /** Told about every 500 (backend fault or bug); the client only sees "Internal error.". */
  readonly onError?: (err: unknown) => void;
}

interface Signed<T> {
  readonly deviceId: string;
  readonly body: T;
  readonly req: Request;
}

/** Handlers resolve to the JSON to send, or undefined for 204. */
type Handler<T> = (ctx: Signed<T>) => Promise<unknown>;

/**
 * The device API (SERVER-SPEC.md, "Device API"), to mount at `/device/v1`. Every route but `GET /info`
 * is signed by the device key; bodies are read raw, the signature is checked over those bytes, and only
 * then is the JSON parsed and validated. Answers are JSON with `Cache-Control: no-store`.
 */
export function createDeviceRouter(options: DeviceRouterOptions): Router {
  const { service } = options;
  const clock = options.clock ?? systemClock;
  const auth: DeviceAuthOptions = { clock, claim: options.claim, publicKeyOf: (id) => service.devicePublicKey(id) };
  const router = express.Router();

  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  // inflate: false, so the bytes verified are the bytes sent (a compressed body is a 415).
  router.use(express.raw({ type: () => true, limit: MAX_BODY_BYTES, inflate: false }));

  const verify = async (req: Request, res: Response, registering?: string): Promise<string | undefined> => {
    const request = { method: req.method, url: req.originalUrl, headers: req.headers, body: rawBody(req) };
    const result = await verifyDeviceRequest(request, auth, registering);
    if (result.ok) return result.deviceId;
    sendError(res, 401, result.error);
    return undefined;
  };

  function signed<T>(schema: z.ZodType<T> | undefined, handler: Handler<T>) {
    return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      try {
        const deviceId = await verify(req, res);
        if (deviceId === undefined) return;
        let body = undefined as T;
        if (schema !== undefined) {
          const parsed = parseBody(rawBody(req), schema);
          if (!parsed.ok) return sendError(res, 400, parsed.error);
          body = parsed.value;
        }
        const out = await handler({ deviceId, body, req });
        if (out === undefined) res.status(204).end();
        else sendJson(res, 200, out);
      } catch (err) {
        next(err);
      }
    };
  }

  /** The validated `:id` path parameter; throws a 400 otherwise. */
  const pathId = (req: Request): string => {
    const result = checked(req.params['id'], idSchema, 'id');
    if (!result.ok) throw Object.assign(new Error(result.error), { status: 400, expose: true });
    return result.value;
  };

  const audit = async (
    hook: DeviceRouterOptions['onDecision'],
    event: Omit<DeviceAuditEvent, 'at'>,
  ): Promise<void> => {
    await hook?.({ at: clock(), ...event });
  };
  const pairingEvent = (type: DeviceAuditEvent['type'], deviceId: string, pairing: DevicePairingView) =>
    audit(options.onPairingChange, { type, deviceId, pairingId: pairing.id, requester: pairing.requester, user: pairing.userName });

  router.get('/info', async (_req, res, next) => {
    try {
      sendJson(res, 200, { vapidPublicKey: await options.vapidPublicKey(), pollIntervalMs: options.pollIntervalMs });
    } catch (err) {
      next(err);
    }
  });

  // Registration: the device is not known yet, so the body's key (hashing to the header's id) verifies it.
  router.post('/devices', async (req, res, next) => {
    try {
      const parsed = parseBody(rawBody(req), registerBody);
      if (!parsed.ok) return sendError(res, 400, parsed.error);
      const { publicKey, name } = parsed.value;
      if (parseDevicePublicKey(publicKey) === undefined) {
        return sendError(res, 400, 'Invalid body.publicKey: not a P-256 public key (base64url SPKI DER).');
      }
      const deviceId = await verify(req, res, publicKey);
      if (deviceId === undefined) return;
      const registered = await service.registerDevice(publicKey, name);
      if (registered.deviceId !== deviceId) throw new Error('registerDevice returned another id than the key hash');
      sendJson(res, 200, { deviceId });
    } catch (err) {
      next(err);
    }
  });

  router.post('/phrases', signed(undefined, ({ deviceId }) => service.createDevicePhrase(deviceId)));

  router.get('/state', signed(undefined, ({ deviceId }) => service.deviceState(deviceId)));

  router.post(
    '/pairings/:id/decision',
    signed(pairingDecisionBody, async ({ deviceId, body, req }) => {
      const result = await service.deviceRespondToPairing(deviceId, pathId(req), body.accept);
      await pairingEvent(body.accept ? 'pairing.accepted' : 'pairing.refused', deviceId, result.pairing);
      return result;
    }),
  );

  router.post(
    '/qr',
    signed(qrClaimBody, async ({ deviceId, body }) => {
      const result = await service.deviceClaimQr(deviceId, body.pairingId, body.secret);
      await pairingEvent('pairing.claimed', deviceId, result.pairing);
      return result;
    }),
  );

  router.get(
    '/pairings/:id/otp-secret',
    signed(undefined, async ({ deviceId, req }) => ({
      otpSecret: await service.deviceOtpSecret(deviceId, pathId(req)),
      digits: 6,
      period: 30,
      algorithm: 'SHA1',
    })),
  );

  router.delete(
    '/pairings/:id',
    signed(undefined, async ({ deviceId, req }) => {
      const pairingId = pathId(req);
      await service.deviceRemovePairing(deviceId, pairingId);
      await audit(options.onPairingChange, { type: 'pairing.removed', deviceId, pairingId });
      return undefined;
    }),
  );

  router.post(
    '/requests/:id/decision',
    signed(requestDecisionBody, async ({ deviceId, body, req }) => {
      const request = await service.deviceRespondToRequest(deviceId, pathId(req), body.grant, body.automate);
      const who = { deviceId, requestId: request.id, requester: request.requester, user: request.userName };
      await audit(options.onDecision, { type: 'request.decided', ...who, detail: body.grant ? 'granted' : 'denied' });
      if (body.automate) {
        await audit(options.onDecision, { type: 'automation.set', ...who, detail: `${request.terminalName}: ${request.actionName}` });
      }
      return request;
    }),
  );

  router.put(
    '/push-subscription',
    signed(pushSubscriptionBody, async ({ deviceId, body }) => {
      await service.setDevicePushSubscription(deviceId, JSON.stringify(options.parsePushSubscription(body.subscription)));
      return undefined;
    }),
  );

  router.delete(
    '/push-subscription',
    signed(undefined, async ({ deviceId }) => {
      await service.setDevicePushSubscription(deviceId, null);
      return undefined;
    }),
  );

  router.use((_req, res) => sendError(res, 404, 'No such device API endpoint.'));
  router.use(deviceErrorHandler(options.onError));
  return router;
}
