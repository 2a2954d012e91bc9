/**
 * What the device routes need from the server's state: the SandboxStore's device methods
 * (SERVER-SPEC.md, "Devices"), made async because the server runs each inside `StateAccess.run`.
 * A refusal is thrown as an error carrying an HTTP `status` (the store's `SandboxError`): 404 for a
 * pairing or request not bound to this device, 409 for a conflict; the routes answer with it.
 */

// The views are the domain's own (src/sandbox/store/devices.ts): one definition for the store and the routes.
import type { DevicePairingView, DeviceRequestView, DeviceState } from '../../sandbox/store/devices.js';

export type { DevicePairingView, DeviceRequestView };
export type DeviceStateView = DeviceState;

export interface DeviceService {
  /** Idempotent: the same key always gets the same id (the hash of the key). */
  registerDevice(publicKey: string, name: string): Promise<{ deviceId: string }>;
  devicePublicKey(deviceId: string): Promise<string | undefined>;
  createDevicePhrase(deviceId: string): Promise<{ phrase: string; expiresAt: number }>;
  deviceState(deviceId: string): Promise<DeviceStateView>;
  deviceRespondToPairing(deviceId: string, pairingId: string, accept: boolean): Promise<{ pairing: DevicePairingView; otpSecret?: string }>;
  deviceClaimQr(deviceId: string, pairingId: string, secret: string): Promise<{ pairing: DevicePairingView; otpSecret: string }>;
  /** Base32; RFC 6238 with SHA-1, 6 digits, 30 s. */
  deviceOtpSecret(deviceId: string, pairingId: string): Promise<string>;
  deviceRemovePairing(deviceId: string, pairingId: string): Promise<void>;
  /** Throws a 409 when `automate` is asked for a request whose automation is not allowed. */
  deviceRespondToRequest(deviceId: string, requestId: string, grant: boolean, automate: boolean): Promise<DeviceRequestView>;
  /** JSON text of a PushSubscription, or null to stop pushes to this device. */
  setDevicePushSubscription(deviceId: string, subscription: string | null): Promise<void>;
}

/**
 * An audit event the routes report after a device changed something (SERVER-SPEC.md, "Posture");
 * its fields are those of the lead's `AuditEntry`.
 */
export interface DeviceAuditEvent {
  readonly at: number;
  readonly type: 'pairing.accepted' | 'pairing.refused' | 'pairing.claimed' | 'pairing.removed' | 'request.decided' | 'automation.set';
  readonly deviceId: string;
  readonly requester?: string;
  readonly user?: string;
  readonly pairingId?: string;
  readonly requestId?: string;
  /** For `request.decided`: `granted` or `denied`; for `automation.set`: `terminal: action`. */
  readonly detail?: string;
}
