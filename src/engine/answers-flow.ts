import type { AuthenticationRequest } from '../api/types.js';
import { ToopherApiError } from '../errors.js';
import type { FlowRecord } from './session-state.js';
import { toUnavailable } from './unavailable-error.js';

/**
 * True when Toopher's answer is exactly about this flow: the request id we
 * asked about (when we asked about one), and the flow's user and action by
 * name. A blank name matches nothing. User and action names are not
 * secrets, so `===` is enough (no constant-time compare).
 */
export function answersFlow(request: AuthenticationRequest, flow: FlowRecord, requestedId?: string): boolean {
  if (requestedId !== undefined && request.id !== requestedId) return false;
  const userName = request.user.name;
  const actionName = request.action.name;
  return userName.trim() !== '' && userName === flow.userName && actionName.trim() !== '' && actionName === flow.actionName;
}

/** Fails closed (`ToopherUnavailableError`) on an answer about another request, user or action. */
export function assertAnswersFlow(request: AuthenticationRequest, flow: FlowRecord, endpoint: string, requestedId?: string): void {
  if (!answersFlow(request, flow, requestedId)) {
    throw toUnavailable(new ToopherApiError('The Toopher API answered about another request, user or action.', { endpoint }));
  }
}
