/**
 * The life of one flow record: how it is made, which page shows it, and how
 * long it (or any copy of it) may still complete.
 */
import type { ResolvedToopherConfig } from './options.js';
import { createFlowId, type FlowRecord, type HeldRequest } from './session-state.js';

/** How long a user may take on the pair or terminal-naming page. */
export const FLOW_STEP_MS = 10 * 60_000;
/** Upper bound of the completion grace. */
export const MAX_COMPLETION_GRACE_MS = 30_000;

/** Fields of a new flow. */
export interface NewFlow {
  readonly kind: 'login' | 'action';
  readonly userName: string;
  readonly user?: unknown;
  readonly actionName: string;
  readonly automationAllowed: boolean;
  readonly terminalId: string;
  readonly successRedirect?: string | undefined;
  readonly failureRedirect?: string | undefined;
  readonly held?: HeldRequest | undefined;
  readonly maxAgeMs?: number | undefined;
}

/** A new flow, waiting for approval until `authTimeoutMs` from `now`. */
export function createFlow(init: NewFlow, authTimeoutMs: number, now: number): FlowRecord {
  const flow: FlowRecord = {
    id: createFlowId(),
    kind: init.kind,
    stage: 'auth',
    userName: init.userName,
    actionName: init.actionName,
    automationAllowed: init.automationAllowed,
    terminalId: init.terminalId,
    createdAt: now,
    expiresAt: now + authTimeoutMs,
    lastCheckedAt: 0,
    lastState: 'pending',
    otpFailures: 0,
  };
  if (init.user !== undefined) flow.user = init.user;
  if (init.successRedirect !== undefined) flow.successRedirect = init.successRedirect;
  if (init.failureRedirect !== undefined) flow.failureRedirect = init.failureRedirect;
  if (init.held !== undefined) flow.held = init.held;
  if (init.maxAgeMs !== undefined && init.maxAgeMs > 0) flow.maxAgeMs = init.maxAgeMs;
  return flow;
}

/** The page a flow is on: pending, pair or terminal naming. */
export function flowUrl(basePath: string, flow: FlowRecord): string {
  const page = flow.stage === 'pair' ? 'pair' : flow.stage === 'name' ? 'terminal' : 'pending';
  return `${basePath}/${page}/${flow.id}`;
}

/**
 * How long after its deadline a decided flow may still complete: the last
 * poll saw the approval just before `expiresAt` and the browser is on its
 * way. At most 30 s (a third of `authTimeoutMs` when that is shorter).
 */
export function completionGraceMs(authTimeoutMs: number): number {
  return Math.min(MAX_COMPLETION_GRACE_MS, Math.ceil(authTimeoutMs / 3));
}

/** True when the flow may no longer complete, whatever its last known state. */
export function isPastDeadline(flow: FlowRecord, authTimeoutMs: number, now: number): boolean {
  return now > flow.expiresAt + completionGraceMs(authTimeoutMs);
}

/**
 * How long any copy of a flow record, in any session write, can still lead
 * to a completion: the longest a step can wait, plus a full approval wait
 * started from it, plus the completion grace and a margin.
 */
export function flowLifeMs(config: Pick<ResolvedToopherConfig, 'pairingTimeoutMs' | 'authTimeoutMs'>): number {
  return Math.max(config.pairingTimeoutMs, FLOW_STEP_MS) + config.authTimeoutMs + completionGraceMs(config.authTimeoutMs) + 60_000;
}
