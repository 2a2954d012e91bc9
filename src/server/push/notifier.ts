import { z } from 'zod';
import { ToopherConfigError } from '../../errors.js';
import { parseStoredPushSubscription, type PushSubscriptionJson } from './subscription.js';
import { parseVapidKeys, parseVapidSubject, vapidKeysToJson, type VapidKeys } from './vapid.js';
import { webPush, type WebPushModule } from './web-push-module.js';

export type PushOutcome = 'sent' | 'gone' | 'failed';
export type PushUrgency = 'very-low' | 'low' | 'normal' | 'high';

/** What the notifier reports for each message: no keys, payloads or endpoint paths (they identify a subscription). */
export interface PushEvent {
  readonly event: 'push.sent' | 'push.gone' | 'push.failed';
  /** The push service's origin, e.g. `https://fcm.googleapis.com`. */
  readonly endpointOrigin?: string;
  /** The push service's HTTP status, when it answered. */
  readonly status?: number;
  readonly reason?: 'invalid-subscription' | 'invalid-options' | 'payload-too-large' | 'encryption' | 'timeout' | 'network' | 'status';
  /** A system error code such as `ECONNREFUSED`, when the network failed. */
  readonly errorCode?: string;
}

export interface PushNotifierOptions {
  /** The server's key pair (persisted as a `config` record); checked at creation. */
  readonly vapidKeys: VapidKeys;
  /** VAPID contact: `mailto:` address or `https:` URL. */
  readonly subject: string;
  /** Deadline for one push service call, connect to response headers. Default 10 000. */
  readonly timeoutMs?: number;
  /** How long the push service keeps an undelivered message. Default 300; `notifyRequest` never exceeds the request's expiry. */
  readonly ttlSeconds?: number;
  /** Default `'high'`: someone is waiting to sign in. */
  readonly urgency?: PushUrgency;
  /** Tests only: allow http endpoints on loopback hosts (see PushSubscriptionOptions). */
  readonly allowInsecureLoopbackEndpoints?: boolean;
  /** Messages in flight at once in `notifyRequest`. Default 8. */
  readonly concurrency?: number;
  /** Receives one event per message (for the server's structured log). */
  readonly onEvent?: (event: PushEvent) => void;
  /** Clock (ms) for TTLs; a test seam. */
  readonly now?: () => number;
}

export interface PushSendOptions {
  readonly ttlSeconds?: number;
  readonly urgency?: PushUrgency;
}

/** A device's stored subscription, as `SandboxStore#pushTargets` returns it. */
export interface PushTarget {
  readonly deviceId: string;
  readonly subscription: string;
}

/** The fields of a device request view that the push message carries. */
export interface PushRequestView {
  readonly id: string;
  readonly requester: string;
  readonly actionName: string;
  readonly terminalName: string;
  readonly expiresAt?: number;
}

/** Device ids by outcome; remove the subscriptions of `gone`. */
export interface PushBatchResult {
  readonly sent: readonly string[];
  readonly gone: readonly string[];
  readonly failed: readonly string[];
}

/** RFC 8291 §4: a 4096-byte record minus header (86), padding delimiter (1) and tag (16). */
export const MAX_PAYLOAD_BYTES = 3993;
const MAX_TTL_SECONDS = 2_419_200;

const optionsSchema = z.strictObject({
  vapidKeys: z.strictObject({ publicKey: z.string(), privateKey: z.string() }),
  subject: z.string(),
  timeoutMs: z.number().int().min(1).max(120_000).default(10_000),
  ttlSeconds: z.number().int().min(0).max(MAX_TTL_SECONDS).default(300),
  urgency: z.enum(['very-low', 'low', 'normal', 'high']).default('high'),
  allowInsecureLoopbackEndpoints: z.boolean().default(false),
  concurrency: z.number().int().min(1).max(100).default(8),
  onEvent: z.custom<(event: PushEvent) => void>((v) => typeof v === 'function').optional(),
  now: z.custom<() => number>((v) => typeof v === 'function').default(() => Date.now),
});
type ResolvedOptions = z.output<typeof optionsSchema>;

function resolveOptions(options: PushNotifierOptions): ResolvedOptions {
  const result = optionsSchema.safeParse(options);
  if (!result.success) {
    const path = result.error.issues[0]?.path.join('.') ?? '';
    throw new ToopherConfigError(`PushNotifier: the option \`${path}\` is invalid (${result.error.issues[0]?.message ?? 'bad value'}).`, { cause: result.error });
  }
  parseVapidKeys(vapidKeysToJson(result.data.vapidKeys));
  parseVapidSubject(result.data.subject);
  return result.data;
}

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 3 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Sends Web Push messages (RFC 8030, encrypted per RFC 8291, VAPID per RFC
 * 8292) with web-push doing the encryption and signing. The HTTP call is our
 * own so that it has one hard deadline, follows no redirects, reads no
 * response body and never throws: every outcome is a value.
 */
export class PushNotifier {
  private readonly _webPush: WebPushModule;
  private readonly _options: ResolvedOptions;

  private constructor(webPushModule: WebPushModule, options: ResolvedOptions) {
    this._webPush = webPushModule;
    this._options = options;
  }

  /** Checks the options (ToopherConfigError) and loads web-push (rejects naming the install step). */
  static async create(options: PushNotifierOptions): Promise<PushNotifier> {
    const resolved = resolveOptions(options);
    return new PushNotifier(await webPush(), resolved);
  }

  /** The key browsers subscribe with (`applicationServerKey`). */
  get vapidPublicKey(): string {
    return this._options.vapidKeys.publicKey;
  }

  /** Sends `payload` (text) to one stored subscription (JSON text). Never rejects. */
  async send(subscriptionJson: string, payload: string, options: PushSendOptions = {}): Promise<PushOutcome> {
    let subscription: PushSubscriptionJson;
    try {
      subscription = parseStoredPushSubscription(subscriptionJson, { allowInsecureLoopbackEndpoints: this._options.allowInsecureLoopbackEndpoints });
    } catch {
      // It can never be delivered: the caller drops it and the device subscribes again.
      return this._report({ event: 'push.gone', reason: 'invalid-subscription' }, 'gone');
    }
    const endpointOrigin = new URL(subscription.endpoint).origin;
    const body = Buffer.from(payload, 'utf8');
    if (body.length > MAX_PAYLOAD_BYTES) return this._report({ event: 'push.failed', endpointOrigin, reason: 'payload-too-large' }, 'failed');
    const ttlSeconds = options.ttlSeconds ?? this._options.ttlSeconds;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > MAX_TTL_SECONDS) {
      return this._report({ event: 'push.failed', endpointOrigin, reason: 'invalid-options' }, 'failed');
    }
    let request: { headers: Headers; body: Buffer };
    try {
      request = this._encrypt(subscription, body, ttlSeconds, options.urgency ?? this._options.urgency);
    } catch {
      return this._report({ event: 'push.failed', endpointOrigin, reason: 'encryption' }, 'failed');
    }
    let status: number;
    try {
      const response = await fetch(subscription.endpoint, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this._options.timeoutMs),
      });
      status = response.status;
      void response.body?.cancel().catch(() => undefined);
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const code = errorCode(err);
      return this._report({ event: 'push.failed', endpointOrigin, reason: timedOut ? 'timeout' : 'network', ...(code === undefined ? {} : { errorCode: code }) }, 'failed');
    }
    if (status >= 200 && status < 300) return this._report({ event: 'push.sent', endpointOrigin, status }, 'sent');
    if (status === 404 || status === 410) return this._report({ event: 'push.gone', endpointOrigin, status }, 'gone');
    return this._report({ event: 'push.failed', endpointOrigin, status, reason: 'status' }, 'failed');
  }

  /**
   * Tells each target's device about a new request, `concurrency` at a time,
   * with the payload `{"type":"request","requestId","requester","actionName","terminalName"}`
   * and a TTL that ends with the request. Never rejects.
   */
  async notifyRequest(targets: readonly PushTarget[], view: PushRequestView): Promise<PushBatchResult> {
    const payload = JSON.stringify({
      type: 'request',
      requestId: view.id,
      requester: view.requester,
      actionName: view.actionName,
      terminalName: view.terminalName,
    });
    let ttlSeconds = this._options.ttlSeconds;
    if (view.expiresAt !== undefined) {
      ttlSeconds = Math.max(0, Math.min(ttlSeconds, Math.ceil((view.expiresAt - this._options.now()) / 1000)));
    }
    const outcomes = new Array<PushOutcome>(targets.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < targets.length) {
        const index = next++;
        outcomes[index] = await this.send(targets[index]?.subscription ?? '', payload, { ttlSeconds });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this._options.concurrency, targets.length) }, worker));
    const pick = (outcome: PushOutcome): string[] => targets.filter((_, i) => outcomes[i] === outcome).map((t) => t.deviceId);
    return { sent: pick('sent'), gone: pick('gone'), failed: pick('failed') };
  }

  private _encrypt(subscription: PushSubscriptionJson, body: Buffer, ttlSeconds: number, urgency: PushUrgency): { headers: Headers; body: Buffer } {
    const { vapidKeys, subject } = this._options;
    const details = this._webPush.generateRequestDetails({ endpoint: subscription.endpoint, keys: subscription.keys }, body, {
      vapidDetails: { subject, publicKey: vapidKeys.publicKey, privateKey: vapidKeys.privateKey },
      TTL: ttlSeconds,
      urgency,
      contentEncoding: 'aes128gcm',
    });
    if (details.body === null) throw new Error('web-push produced no body');
    const headers = new Headers();
    for (const [name, value] of Object.entries(details.headers)) {
      // fetch sets the length of the body itself.
      if (name.toLowerCase() !== 'content-length') headers.set(name, String(value));
    }
    return { headers, body: details.body };
  }

  private _report(event: PushEvent, outcome: PushOutcome): PushOutcome {
    try {
      this._options.onEvent?.(event);
    } catch {
      // A failing log sink must not turn a delivered message into an error.
    }
    return outcome;
  }
}
