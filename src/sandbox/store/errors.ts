import { type SandboxError, conflict } from '../sandbox-error.js';

/** The Toopher conflict answers of the store (toopher-api.md §4). */
export const USER_UNKNOWN = (): SandboxError => conflict(705, 'No matching user exists.');
export const USER_DISABLED = (): SandboxError => conflict(704, 'The specified user has disabled Toopher authentication.');
export const PAIRING_DEACTIVATED = (): SandboxError => conflict(707, 'Not allowed: This pairing has been deactivated.');
/** The legacy code and wording the SDKs and the WordPress plugin match (toopher-api.md §4.3). */
export const PAIRING_NOT_AUTHORIZED = (): SandboxError => conflict(601, 'Pairing has not been authorized to authenticate');
export const TERMINAL_UNKNOWN = (): SandboxError => conflict(706, 'No matching terminal exists.');
