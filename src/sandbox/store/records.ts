/** The rows of the sandbox's tables, as the store keeps them (camelCase; `json.ts` makes the wire shapes). */

export interface ConsumerRecord {
  readonly key: string;
  readonly secret: string;
  readonly id: string;
  readonly name: string;
}

export interface UserRecord {
  readonly id: string;
  readonly consumerKey: string;
  name: string;
  enabled: boolean;
}

export type PairingStatus = 'pending' | 'enabled' | 'denied';

export interface PairingRecord {
  readonly id: string;
  readonly consumerKey: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly otpSecret: string;
  readonly kind: 'phrase' | 'sms' | 'qr';
  status: PairingStatus;
  deactivated: boolean;
  /** The user must answer with an OTP: `initiate` sends no push and answers reason_code 708. */
  otpRequired: boolean;
  reason: string;
  readonly resetTokens: Set<string>;
  /** Clock times of recent wrong OTPs, for the rate limit. */
  otpFailures: number[];
  /** The TOTP time step of the last code that approved a request: that code and older ones are used up. */
  otpLastStep?: number;
  /** toopher-server: the phone app (device) this pairing belongs to, once bound. */
  deviceId?: string;
  /** toopher-server: the secret in a QR pairing's link; a device proves it scanned the code with it. */
  readonly qrSecret?: string;
}

/** An unused pairing phrase; on a server it belongs to the device that showed it. */
export interface PhraseRecord {
  readonly createdAt: number;
  readonly deviceId?: string;
}

/** toopher-server: one installed phone app, known by its public key. */
export interface DeviceRecord {
  /** base64url(SHA-256(SPKI DER of the public key)). */
  readonly id: string;
  /** base64url SPKI DER of its ECDSA P-256 public key. */
  readonly publicKey: string;
  readonly name: string;
  readonly createdAt: number;
  /** JSON text of its Web Push subscription, if it gave one. */
  pushSubscription?: string | undefined;
}

export interface TerminalRecord {
  readonly id: string;
  readonly consumerKey: string;
  readonly userId: string;
  name: string;
  readonly requesterSpecifiedId: string;
}

export interface ActionRecord {
  readonly id: string;
  readonly name: string;
}

export type RequestStatus = 'pending' | 'granted' | 'denied' | 'timed_out' | 'cancelled';

export interface RequestRecord {
  readonly id: string;
  readonly consumerKey: string;
  readonly userId: string;
  readonly pairingId: string;
  readonly terminalId: string;
  readonly actionId: string;
  readonly createdAt: number;
  readonly automationAllowed: boolean;
  readonly challengeRequired: boolean;
  status: RequestStatus;
  automated: boolean;
  reason: string;
  reasonCode: number;
}

/** A reset e-mail the sandbox pretended to send. */
export interface SentResetEmail {
  readonly pairingId: string;
  readonly email: string;
  readonly url: string;
}
