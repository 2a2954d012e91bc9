import { z } from 'zod';
import { constantTimeEqual } from '../internal/constant-time.js';
import { randomToken } from '../internal/random.js';

/**
 * Everything this package keeps between requests lives in
 * `req.session[sessionKey]` (default `'toopher'`) and nowhere else, so any
 * express-session store shared by several app instances works.
 *
 * `pending` holds at most `maxPending` flow records keyed by a random local
 * id (never Toopher's id). A record follows one sign-in or one guarded action
 * through pairing, terminal naming and approval; it is deleted as soon as it
 * is decided, so it can be used once.
 */

/** What a flow is for: finishing a sign-in, or running one held request. */
export type FlowKind = 'login' | 'action';
/** Where a flow is: waiting for approval, on the pair page, waiting for a pairing, naming the terminal. */
export type FlowStage = 'auth' | 'pair' | 'pairing' | 'name';
/** The last known outcome of the current wait. */
export type FlowState = 'pending' | 'granted' | 'denied' | 'expired';

const MAX_FIELDS = 200;
const MAX_TEXT = 4096;

const textSchema = z.string().max(MAX_TEXT);
const heldSchema = z.object({
  method: z.string().max(16),
  url: z.string().max(MAX_TEXT),
  fields: z.array(z.tuple([textSchema, textSchema])).max(MAX_FIELDS),
  digest: z.string().max(128),
  json: z.boolean(),
});

const flowSchema = z.object({
  id: z.string().max(64),
  kind: z.enum(['login', 'action']),
  stage: z.enum(['auth', 'pair', 'pairing', 'name']),
  userName: z.string().max(MAX_TEXT),
  user: z.unknown().optional(),
  actionName: z.string().max(MAX_TEXT),
  automationAllowed: z.boolean(),
  terminalId: z.string().max(64),
  terminalName: z.string().max(MAX_TEXT).optional(),
  requestId: z.string().max(256).optional(),
  pairingId: z.string().max(256).optional(),
  pairingByQr: z.boolean().optional(),
  /** Toopher answered reason_code 708: no push went out, the user must type a one-time password. */
  otpRequired: z.boolean().optional(),
  pairingRemoved: z.boolean().optional(),
  createdAt: z.number(),
  expiresAt: z.number(),
  lastCheckedAt: z.number(),
  lastState: z.enum(['pending', 'granted', 'denied', 'expired']),
  /** One-time passwords tried (counted before each is checked, so a correct one counts too). */
  otpFailures: z.number().int().min(0),
  successRedirect: z.string().max(MAX_TEXT).optional(),
  failureRedirect: z.string().max(MAX_TEXT).optional(),
  held: heldSchema.optional(),
  maxAgeMs: z.number().optional(),
});

/** A request held by the action guard until it is approved. */
export type HeldRequest = z.infer<typeof heldSchema>;

/** One sign-in or guarded action on its way to a decision. Plain JSON, so every session store can keep it. */
export type FlowRecord = z.infer<typeof flowSchema>;

const grantSchema = z.object({
  id: z.string().max(64),
  actionName: z.string().max(MAX_TEXT),
  userName: z.string().max(MAX_TEXT),
  digest: z.string().max(128),
  expiresAt: z.number(),
});

/** A single-use permission to run one approved request. */
export type GrantRecord = z.infer<typeof grantSchema>;

const approvalSchema = z.object({
  userName: z.string().max(MAX_TEXT),
  expiresAt: z.number(),
});

/** An approval that covers further requests to one action until `expiresAt` (`maxAgeMs`). */
export type ApprovalRecord = z.infer<typeof approvalSchema>;

/** The object stored at `req.session[sessionKey]`. */
export interface ToopherSessionState {
  csrf?: string;
  pending?: Record<string, FlowRecord>;
  grants?: Record<string, GrantRecord>;
  approvals?: Record<string, ApprovalRecord>;
}

/** A session as far as this module needs it: any object with string keys. */
export type SessionBag = Record<string, unknown>;

/** Records that ended longer ago than this are dropped, so "expired" can still be reported for a while. */
export const EXPIRED_GRACE_MS = 10 * 60_000;
/** At most this many live grants per session. */
const MAX_GRANTS = 5;
/** At most this many remembered approvals per session. */
const MAX_APPROVALS = 20;

const idPattern = /^[A-Za-z0-9_-]{16,64}$/;

/** True for a well-formed local id (what `createFlowId` makes); checked before any lookup. */
export function isFlowId(value: unknown): value is string {
  return typeof value === 'string' && idPattern.test(value);
}

/** A fresh random local id with 144 bits of entropy. */
export function createFlowId(): string {
  return randomToken(18);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseMap<T>(value: unknown, schema: z.ZodType<T>, limit: number): Record<string, T> | undefined {
  if (!isObject(value)) return undefined;
  const out: Record<string, T> = {};
  let count = 0;
  for (const [key, item] of Object.entries(value)) {
    if (count >= limit) break;
    const parsed = schema.safeParse(item);
    if (parsed.success) {
      out[key] = parsed.data;
      count += 1;
    }
  }
  return out;
}

/** States already validated in this process: reading twice in one request returns the same object. */
const validated = new WeakSet<object>();

/**
 * Reads the state from the session, or creates it when `create` is true.
 * Whatever the store returns is validated: malformed parts are dropped, never
 * trusted, so a damaged or old-format session cannot cause an error.
 */
export function getSessionState(session: SessionBag, key: string, create: true): ToopherSessionState;
export function getSessionState(session: SessionBag, key: string, create?: boolean): ToopherSessionState | undefined;
export function getSessionState(session: SessionBag, key: string, create = false): ToopherSessionState | undefined {
  const raw = session[key];
  if (isObject(raw) && validated.has(raw)) return raw;
  if (!isObject(raw)) {
    if (!create) return undefined;
    const fresh: ToopherSessionState = {};
    validated.add(fresh);
    session[key] = fresh;
    return fresh;
  }
  const state: ToopherSessionState = {};
  if (typeof raw['csrf'] === 'string' && raw['csrf'].length <= 128) state.csrf = raw['csrf'];
  const pending = parseMap(raw['pending'], flowSchema, 50);
  if (pending) state.pending = pending;
  const grants = parseMap(raw['grants'], grantSchema, 50);
  if (grants) state.grants = grants;
  const approvals = parseMap(raw['approvals'], approvalSchema, 50);
  if (approvals) state.approvals = approvals;
  validated.add(state);
  session[key] = state;
  return state;
}

/** Finds a key of `map` equal to `id`, comparing every key in constant time. */
function findKey(map: Record<string, unknown> | undefined, id: string): string | undefined {
  if (!map) return undefined;
  let found: string | undefined;
  for (const key of Object.keys(map)) {
    if (constantTimeEqual(key, id) && found === undefined) found = key;
  }
  return found;
}

/** Drops records that ended more than `EXPIRED_GRACE_MS` ago, and expired grants and approvals. */
export function pruneState(state: ToopherSessionState, now: number): void {
  for (const [id, record] of Object.entries(state.pending ?? {})) {
    if (record.expiresAt + EXPIRED_GRACE_MS < now) delete state.pending?.[id];
  }
  for (const [id, grant] of Object.entries(state.grants ?? {})) {
    if (grant.expiresAt < now) delete state.grants?.[id];
  }
  for (const [key, approval] of Object.entries(state.approvals ?? {})) {
    if (approval.expiresAt < now) delete state.approvals?.[key];
  }
}

/** Keeps at most `max` entries, dropping those with the smallest `order` first. */
function bound<T>(map: Record<string, T>, max: number, order: (item: T) => number): void {
  const entries = Object.entries(map).sort((a, b) => order(a[1]) - order(b[1]));
  while (entries.length > max) {
    const oldest = entries.shift();
    if (oldest) delete map[oldest[0]];
  }
}

/** Stores `record`; when more than `maxPending` are held, the oldest are dropped. */
export function putPending(state: ToopherSessionState, record: FlowRecord, maxPending: number, now: number): void {
  pruneState(state, now);
  state.pending ??= {};
  state.pending[record.id] = record;
  bound(state.pending, maxPending, (r) => r.createdAt);
}

/** The record with this id, or undefined for a malformed or unknown id. */
export function findPending(state: ToopherSessionState | undefined, id: unknown): FlowRecord | undefined {
  if (!state || !isFlowId(id)) return undefined;
  const key = findKey(state.pending, id);
  return key === undefined ? undefined : state.pending?.[key];
}

/** Deletes the record with this id (single use). */
export function removePending(state: ToopherSessionState, id: string): void {
  const key = findKey(state.pending, id);
  if (key !== undefined) delete state.pending?.[key];
}

/** Stores a grant; at most a few live grants per session. */
export function putGrant(state: ToopherSessionState, grant: GrantRecord, now: number): void {
  pruneState(state, now);
  state.grants ??= {};
  state.grants[grant.id] = grant;
  bound(state.grants, MAX_GRANTS, (g) => g.expiresAt);
}

/** Removes and returns the grant with this id; undefined when it is unknown (already used or never issued). */
export function takeGrant(state: ToopherSessionState | undefined, id: string): GrantRecord | undefined {
  if (!state) return undefined;
  const key = findKey(state.grants, id);
  if (key === undefined) return undefined;
  const grant = state.grants?.[key];
  delete state.grants?.[key];
  return grant;
}

function approvalKey(actionName: string): string {
  return `a:${actionName}`;
}

/** Remembers that `userName` approved `actionName` until `expiresAt`. */
export function putApproval(state: ToopherSessionState, actionName: string, approval: ApprovalRecord, now: number): void {
  pruneState(state, now);
  state.approvals ??= {};
  state.approvals[approvalKey(actionName)] = approval;
  bound(state.approvals, MAX_APPROVALS, (a) => a.expiresAt);
}

/** True when a remembered approval of `actionName` by `userName` is still valid. */
export function hasApproval(state: ToopherSessionState | undefined, actionName: string, userName: string, now: number): boolean {
  const approval = state?.approvals?.[approvalKey(actionName)];
  // A user name is not a secret (the approval record is the session's own), so a plain comparison is enough here;
  // constant-time compares are kept for ids and tokens a browser could guess at.
  return approval !== undefined && approval.expiresAt > now && approval.userName === userName;
}
