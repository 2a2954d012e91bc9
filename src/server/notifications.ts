import type { StateAccess } from '../sandbox/store/state-access.js';
import type { LogEntry } from './options.js';
import { PushNotifier } from './push/notifier.js';
import { createVapidKeys, parseVapidKeys, vapidKeysToJson } from './push/vapid.js';

export interface PushSettings {
  readonly subject: string;
  readonly allowInsecureLoopbackEndpoints: boolean;
  readonly timeoutMs: number;
}

/**
 * Web Push for new pending requests. The VAPID key pair is made on first start and kept with the state
 * (the first instance to commit it wins), so every instance signs with the same key the phones
 * subscribed to.
 */
export class RequestNotifications {
  private constructor(
    private readonly _state: StateAccess,
    private readonly _notifier: PushNotifier,
    private readonly _log: (entry: LogEntry) => void,
  ) {}

  static async create(state: StateAccess, settings: PushSettings, log: (entry: LogEntry) => void): Promise<RequestNotifications> {
    const candidate = vapidKeysToJson(await createVapidKeys());
    const stored = await state.run((store) => store.setting('vapid', () => candidate));
    const notifier = await PushNotifier.create({
      vapidKeys: parseVapidKeys(stored),
      subject: settings.subject,
      timeoutMs: settings.timeoutMs,
      allowInsecureLoopbackEndpoints: settings.allowInsecureLoopbackEndpoints,
      onEvent: (event) => {
        log({ level: event.event === 'push.failed' ? 'warn' : 'info', msg: event.event, ...event });
      },
    });
    return new RequestNotifications(state, notifier, log);
  }

  get vapidPublicKey(): string {
    return this._notifier.vapidPublicKey;
  }

  /** Pushes a new pending request to its device; forgets subscriptions the push service says are gone. Never rejects. */
  async requestPending(requestId: string): Promise<void> {
    try {
      const found = await this._state.run((store) => ({
        targets: store.devices.pushTargets(requestId),
        view: store.devices.requestView(requestId),
      }));
      if (found.targets.length === 0) return;
      const result = await this._notifier.notifyRequest(found.targets, found.view);
      if (result.gone.length > 0) {
        await this._state.run((store) => {
          for (const deviceId of result.gone) store.devices.setPushSubscription(deviceId, null);
        });
      }
    } catch (err) {
      this._log({ level: 'error', msg: 'push.error', requestId, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
