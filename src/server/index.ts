import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import express, { type NextFunction, type Request, type Response } from 'express';
import { apiErrorHandler, createApiRouter, type ApiCommitEvent } from '../sandbox/api-routes.js';
import { acceptChunkedWithContentLength } from '../sandbox/http-framing.js';
import { listenOn } from '../sandbox/listen.js';
import { SandboxError } from '../sandbox/sandbox-error.js';
import type { StateBackend } from '../sandbox/store/state-backend.js';
import { serveApp } from './device/app-routes.js';
import { createDeviceRouter } from './device/device-routes.js';
import { stateDeviceService } from './device/state-device-service.js';
import { parsePushSubscription } from './push/subscription.js';
import { RequestNotifications } from './notifications.js';
import { type LogEntry, type ToopherServerOptions, resolveServerOptions } from './options.js';
import { type AuditRecorder, auditRecorder } from './posture/audit.js';
import { healthHandler } from './posture/health.js';
import { checkListenPolicy } from './posture/listen-policy.js';
import { accessLog, createLogger, type Logger } from './posture/logger.js';
import { clientBucket, rateLimit, requesterBucket } from './posture/rate-limit.js';
import { gracefulClose } from './posture/shutdown.js';
import { type RequesterCredentials, requesterAdmin } from './requesters.js';
import { openState } from './state.js';

export type { LogEntry, ServerStorage, ToopherServerOptions } from './options.js';
export type { RequesterCredentials } from './requesters.js';

export interface ToopherServer {
  /** Where the server listens, e.g. `http://127.0.0.1:4100`. */
  readonly url: string;
  /** The Toopher v1 API for `ToopherApi`'s `baseUrl`: `<publicUrl>/v1`. */
  readonly apiUrl: string;
  /** The phone app: `<publicUrl>/app/`. */
  readonly appUrl: string;
  /** Requesters (consumer key and secret) of this server; a secret is shown only by `create` and `rotate`. */
  readonly requesters: {
    create(name: string): Promise<RequesterCredentials>;
    list(): Promise<{ key: string; id: string; name: string }[]>;
    rotate(key: string): Promise<RequesterCredentials>;
    delete(key: string): Promise<void>;
  };
  /** The link a QR pairing's code encodes (it carries the pairing's secret): for operators and tests. */
  qrLink(pairingId: string): Promise<string>;
  /** Graceful: stops accepting, lets requests in flight finish, then closes the storage. */
  close(): Promise<void>;
}

const POLL_INTERVAL_MS = 2_000;

/**
 * Starts toopher-server: the Toopher v1 API (the sandbox's implementation) over persistent storage, the
 * phone app at `/app/` with its signed device API at `/device/v1`, Web Push, `GET /health`.
 * See docs/toopher-server.md.
 */
export async function createToopherServer(options: ToopherServerOptions): Promise<ToopherServer> {
  const resolved = resolveServerOptions(options);
  const clock = resolved.clock ?? (() => Date.now());
  const log = createLogger(resolved.log, { clock });
  checkListenPolicy(resolved, log);
  const opened = await openState(resolved.storage, {
    clock,
    pendingTimeoutMs: resolved.pendingTimeoutMs,
    pairingTimeoutMs: resolved.pairingTimeoutMs,
    phraseTimeoutMs: resolved.phraseTimeoutMs,
  });
  try {
    const { state, backend } = opened;
    const audit = auditRecorder(opened.audit, log, { clock });
    const notifications = resolved.push === false ? undefined : await RequestNotifications.create(state, resolved.push, (e) => logEntry(log, e));
    let publicUrl = resolved.publicUrl?.replace(/\/+$/, '');

    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    if (resolved.trustProxy !== undefined) app.set('trust proxy', resolved.trustProxy);
    app.use(accessLog(log));
    app.get('/health', healthHandler({ probe: async () => void (await state.run(() => undefined)), log }));
    app.use(
      '/v1',
      rateLimit({ name: 'api-ip', count: (k, w) => backend.count(k, w), key: clientBucket, limit: resolved.rateLimits.apiPerMinutePerIp, windowMs: 60_000, errorShape: 'toopher', log }),
      // Before the signature is checked the consumer key is only a claim: counted with the caller's address,
      // so nobody can use up a requester's limit by naming its key; `admit` counts the requester's signed calls.
      rateLimit({ name: 'api', count: (k, w) => backend.count(k, w), key: (req) => `${requesterBucket(req)} ${clientBucket(req)}`, limit: resolved.rateLimits.apiPerMinutePerRequester, windowMs: 60_000, errorShape: 'toopher', log }),
      createApiRouter({
        state,
        admit: signedRequesterLimit(backend, resolved.rateLimits.apiPerMinutePerRequester, log),
        timestampWindowSeconds: resolved.timestampWindowSeconds,
        maxBodyBytes: 16_384,
        maxParameterLength: 1_000,
        qrCodeText: (code) => qrLinkText(publicUrl ?? '', code.pairingId, code.secret),
        afterCommit: (event) => void afterApiCommit(event, { audit, notifications }),
      }),
    );
    app.use(
      '/device/v1/devices',
      rateLimit({ name: 'device-registration', count: (k, w) => backend.count(k, w), key: (req) => (req.method === 'POST' ? clientBucket(req) : undefined), limit: resolved.rateLimits.registrationsPerHourPerIp, windowMs: 3_600_000, errorShape: 'device', log }),
    );
    app.use(
      '/device/v1',
      rateLimit({ name: 'device', count: (k, w) => backend.count(k, w), key: clientBucket, limit: resolved.rateLimits.devicePerMinutePerIp, windowMs: 60_000, errorShape: 'device', log }),
      createDeviceRouter({
        service: stateDeviceService(state),
        parsePushSubscription: (value) => parsePushSubscription(value, { allowInsecureLoopbackEndpoints: resolved.push !== false && resolved.push.allowInsecureLoopbackEndpoints }),
        vapidPublicKey: () => notifications?.vapidPublicKey ?? null,
        pollIntervalMs: POLL_INTERVAL_MS,
        claim: (key, ttlMs) => backend.claim(key, ttlMs),
        clock,
        onDecision: (event) => audit.record(event).then(() => undefined),
        onPairingChange: (event) => audit.record(event).then(() => undefined),
        onError: (err) => log.error('device.error', { error: err instanceof Error ? err.message : String(err) }),
      }),
    );
    app.use('/app', serveApp());
    app.get('/', (_req, res) => {
      res.redirect(303, '/app/');
    });
    app.use((_req: Request, res: Response) => {
      res.status(404).json({ error: 'Not found' });
    });
    app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
      log.error('request.error', { path: req.path, error: err instanceof Error ? err.message : String(err) });
      apiErrorHandler(err, req, res, next);
    });

    const server: HttpServer =
      resolved.tls === undefined ? createHttpServer(app) : (createHttpsServer({ cert: resolved.tls.cert, key: resolved.tls.key }, app));
    server.keepAliveTimeout = 5_000;
    acceptChunkedWithContentLength(server);
    const close = gracefulClose(server, { timeoutMs: resolved.shutdownTimeoutMs, cleanup: () => opened.close(), log });
    const { host, port } = await listenOn(server, resolved.port, resolved.host);
    const url = `${resolved.tls === undefined ? 'http' : 'https'}://${host}:${port}`;
    publicUrl ??= url;
    log.info('server.listening', { url, publicUrl, storage: 'sqlite' in resolved.storage ? 'sqlite' : 'redis', push: notifications !== undefined });

    return {
      url,
      apiUrl: `${publicUrl}/v1`,
      appUrl: `${publicUrl}/app/`,
      requesters: requestersOf(requesterAdmin(state, audit)),
      qrLink: async (pairingId) => {
        const code = await state.run((store) => store.devices.qrCode(pairingId));
        return qrLinkText(publicUrl ?? url, code.pairingId, code.secret);
      },
      close,
    };
  } catch (err) {
    await opened.close();
    throw err;
  }
}

/** The per-requester limit of `/v1`, counted for calls whose signature checked out; fails closed (503). */
function signedRequesterLimit(backend: StateBackend, limit: number, log: Logger) {
  return async (consumerKey: string, res: Response): Promise<void> => {
    let count: number;
    try {
      count = await backend.count(`rate\u001fapi-signed\u001frequester:${consumerKey}`, 60_000);
    } catch (err) {
      log.error('rate limit counter failed; refusing the request', { limit: 'api-signed', err });
      throw new SandboxError(503, 503, 'Service temporarily unavailable');
    }
    if (count <= limit) return;
    if (count === limit + 1) log.warn('rate limit reached', { limit: 'api-signed', bucket: `requester:${consumerKey}`, max: limit, windowMs: 60_000 });
    res.set('Retry-After', '60');
    throw new SandboxError(429, 429, 'Too many requests; try again later');
  };
}

function qrLinkText(publicUrl: string, pairingId: string, secret: string | undefined): string {
  return `${publicUrl}/app/#qr=${pairingId}.${secret ?? ''}`;
}

function logEntry(log: Logger, entry: LogEntry): void {
  const { level, msg, ...fields } = entry;
  log[level](msg, fields);
}

interface CommitContext {
  readonly audit: AuditRecorder;
  readonly notifications: RequestNotifications | undefined;
}

/** After a signed v1 call committed: push a new pending request to its phone, audit pairing changes. */
async function afterApiCommit(event: ApiCommitEvent, context: CommitContext): Promise<void> {
  const result = (typeof event.result === 'object' && event.result !== null ? event.result : {}) as Record<string, unknown>;
  const id = typeof result['id'] === 'string' ? result['id'] : undefined;
  const user = (result['user'] as { name?: unknown } | undefined)?.name;
  const userName = typeof user === 'string' ? user : undefined;
  switch (event.route) {
    case '/authentication_requests/initiate':
      if (id !== undefined && result['pending'] === true) await context.notifications?.requestPending(id);
      return;
    case '/pairings/create':
    case '/pairings/create/qr':
      await context.audit.record({ type: 'pairing.created', requester: event.consumerKey, user: userName, pairingId: id });
      return;
    case '/pairings/:id':
      if (result['deactivated'] === true) await context.audit.record({ type: 'pairing.removed', requester: event.consumerKey, user: userName, pairingId: id, detail: 'by the requester' });
      return;
    default:
  }
}

function requestersOf(admin: ReturnType<typeof requesterAdmin>): ToopherServer['requesters'] {
  return {
    create: async (name) => (await admin.create(name)).value,
    list: () => admin.list(),
    rotate: async (key) => (await admin.rotate(key)).value,
    delete: async (key) => {
      await admin.delete(key);
    },
  };
}
