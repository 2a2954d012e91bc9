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
