// Web Push for the phone app: registers the service worker, and when the server has a VAPID key
// offers to turn notifications on or off; the subscription goes to the server in a signed call.
import { fromB64url } from './device.js';

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * @typedef {{
 *   call: (method: string, path: string, body?: unknown) => Promise<any>,
 *   report: (err: unknown) => void,
 *   onPush: () => void,
 * }} PushHooks
 */

/** @param {PushSubscription | null} subscription */
function showPush(subscription) {
  const state = byId('push-state');
  const toggle = byId('push-toggle');
  const blocked = Notification.permission === 'denied';
  state.textContent = blocked ? 'Notifications are blocked in this browser’s settings.' : subscription ? 'Notifications are on.' : 'Notifications are off.';
  toggle.textContent = subscription ? 'Turn off notifications' : 'Turn on notifications';
  toggle.hidden = blocked && !subscription;
}

/**
 * Registers the service worker (it tells the page about pushes: `onPush`), then offers Web Push
 * when the server has a VAPID key and the browser supports it.
 * @param {string | null} vapidKey @param {PushHooks} hooks
 */
export async function setUpPush(vapidKey, hooks) {
  if (!('serviceWorker' in navigator)) return;
  const registration = await navigator.serviceWorker.register('sw.js');
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'request') hooks.onPush();
  });
  if (!vapidKey || !('PushManager' in window) || !('Notification' in window)) return;
  const toggle = /** @type {HTMLButtonElement} */ (byId('push-toggle'));
  byId('notifications').hidden = false;
  let subscription = await registration.pushManager.getSubscription();
  // Sent again on every start: the server may have lost it (or the device registered anew).
  if (subscription && Notification.permission === 'granted') await hooks.call('PUT', '/push-subscription', { subscription: subscription.toJSON() });
  showPush(subscription);
  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    try {
      if (subscription) {
        await subscription.unsubscribe();
        subscription = null;
        await hooks.call('DELETE', '/push-subscription');
      } else if ((await Notification.requestPermission()) === 'granted') {
        const ready = await navigator.serviceWorker.ready;
        subscription = await ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromB64url(vapidKey) });
        await hooks.call('PUT', '/push-subscription', { subscription: subscription.toJSON() });
      }
    } catch (err) {
      hooks.report(err);
    } finally {
      toggle.disabled = false;
      showPush(subscription);
    }
  });
}
