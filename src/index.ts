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
export { ToopherIframe, ToopherIframeError } from './api/iframe.js';
export type {
  AuthenticationUrlOptions,
  IframeAuthenticationRequest,
  IframePairing,
  IframePostback,
  IframeUser,
  ToopherIframeErrorReason,
  ToopherIframeOptions,
  UserManagementUrlOptions,
  ValidatePostbackOptions,
} from './api/iframe.js';
export type { ToopherApiOptions } from './api/options.js';
export { ToopherStrategy } from './strategy/strategy.js';
export type { ToopherAuthenticateOptions, ToopherFailure, ToopherSuccessInfo } from './strategy/strategy.js';
export type { ToopherStrategyOptions } from './engine/options.js';
export { ToopherUnavailableError } from './engine/unavailable-error.js';
export type { ToopherEvent, ToopherEventType, ToopherEventListener } from './engine/events.js';
export type { PassportLike } from './engine/request-like.js';
export { MemorySharedStore } from './engine/shared-store.js';
export type { ToopherSharedStore, MemorySharedStoreOptions } from './engine/shared-store.js';
export { createToopher } from './middleware/create-toopher.js';
export type { Toopher } from './middleware/create-toopher.js';
export type { ToopherOptions, ToopherViews, ToopherView, ToopherStrings } from './middleware/options.js';
export type { ToopherRequireOptions } from './middleware/guard.js';
export type { ToopherRequestContext } from './middleware/request-context.js';
