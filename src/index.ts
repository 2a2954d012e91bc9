export {
  ToopherError,
  ToopherConfigError,
  ToopherApiError,
  UserDisabledError,
  UserUnknownError,
  TerminalUnknownError,
  PairingDeactivatedError,
  ToopherNetworkError,
  ToopherTimeoutError,
  ToopherResponseError,
  isToopherApiError,
} from './errors.js';
export type { ToopherErrorCode, ToopherApiErrorOptions } from './errors.js';
export type {
  ToopherUser,
  Pairing,
  UserTerminal,
  Action,
  AuthenticationRequest,
  ResetLink,
  CallOptions,
  AuthenticateExtras,
  PairExtras,
  RawJson,
} from './api/types.js';
export { ToopherApi } from './api/client.js';
export type { ToopherApiOptions } from './api/options.js';
