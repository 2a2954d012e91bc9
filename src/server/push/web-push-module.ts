import { ToopherError } from '../../errors.js';
import { isModuleMissing } from '../../internal/module-missing.js';

/** The part of the `web-push` package the server uses. */
export interface WebPushModule {
  generateVAPIDKeys(): { publicKey: string; privateKey: string };
  generateRequestDetails(
    subscription: { endpoint: string; keys: { p256dh: string; auth: string } },
    payload: Buffer,
    options: {
      vapidDetails: { subject: string; publicKey: string; privateKey: string };
      TTL: number;
      urgency: 'very-low' | 'low' | 'normal' | 'high';
      contentEncoding: 'aes128gcm';
    },
  ): { headers: Readonly<Record<string, string | number>>; body: Buffer | null };
}

export const SERVER_INSTALL_HINT = 'npm install better-sqlite3 web-push';

let loaded: Promise<WebPushModule> | undefined;

/**
 * Loads web-push, an optional peer dependency (apps that only use the
 * middleware leave it out), or rejects with the install step. `importer` is a
 * test seam.
 */
export async function loadWebPush(
  importer: () => Promise<{ default: WebPushModule }> = () => import('web-push'),
): Promise<WebPushModule> {
  try {
    return (await importer()).default;
  } catch (err) {
    if (!isModuleMissing(err, 'web-push')) throw err;
    throw new ToopherError(
      `toopher-server needs the package "web-push" for push notifications (it is an optional peer dependency, so apps that only use the middleware leave it out). Install it where you run the server: ${SERVER_INSTALL_HINT}`,
      { cause: err },
    );
  }
}

/** The real web-push module, loaded once. */
export function webPush(): Promise<WebPushModule> {
  loaded ??= loadWebPush().catch((err: unknown) => {
    loaded = undefined;
    throw err;
  });
  return loaded;
}
