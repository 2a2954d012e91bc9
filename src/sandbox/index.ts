import { createServer } from 'node:http';
import { z } from 'zod';
import { ToopherConfigError } from '../errors.js';
import { randomToken } from '../internal/random.js';
import { ControlAccess } from './control-guard.js';
import { faultsSchema, autoRespondSchema, parseControl } from './control-routes.js';
import { FaultState } from './faults.js';
import { loadSandboxDependencies } from './optional-deps.js';
import { acceptChunkedWithContentLength } from './http-framing.js';
import { createSandboxApp } from './server.js';
import { SandboxStore } from './store/sandbox-store.js';
import { StateAccess } from './store/state-access.js';
import { listenOn } from './listen.js';
import type {
  Sandbox,
  SandboxAutoRespond,
  SandboxConsumer,
  SandboxFaults,
  SandboxOptions,
  SandboxPhone,
} from './types.js';

export { SandboxError } from './sandbox-error.js';
export type {
  Sandbox,
  SandboxAction,
  SandboxAuthenticationRequest,
  SandboxAutoRespond,
  SandboxConsumer,
  SandboxFaults,
  SandboxOptions,
  SandboxPairing,
  SandboxPhone,
  SandboxUser,
  SandboxUserTerminal,
} from './types.js';

const positiveMs = z.number().int().positive().max(2 ** 31 - 1);

const optionsSchema = z.strictObject({
  consumers: z
    .array(
      z.strictObject({
        key: z.string().min(1).max(200),
        secret: z.string().min(1).max(200),
        name: z.string().min(1).max(200).optional(),
      }),
    )
    .min(1)
    .refine((list) => new Set(list.map((c) => c.key)).size === list.length, 'consumer keys must be unique')
    .optional(),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(0),
  clock: z.custom<() => number>((v) => typeof v === 'function', 'must be a function').optional(),
  pendingTimeoutMs: positiveMs.default(120_000),
  pairingTimeoutMs: positiveMs.default(300_000),
  phraseTimeoutMs: positiveMs.default(600_000),
  otpRateLimit: z
    .union([z.literal(false), z.strictObject({ maxAttempts: z.number().int().positive(), windowMs: positiveMs })])
    .default({ maxAttempts: 10, windowMs: 300_000 }),
  timestampWindowSeconds: z.number().int().positive().default(300),
  maxBodyBytes: z.number().int().min(1024).default(16_384),
  maxParameterLength: z.number().int().min(16).default(1000),
  allowedHosts: z.array(z.string().min(1).max(255).regex(/^[\w.[\]:-]+$/, 'must be a host name, optionally with :port')).max(50).default([]),
  maxPairingPhrases: z.number().int().positive().max(100_000).default(100),
});

/** A random consumer key/secret pair, as the CLI and `createSandbox()` use when none is given. */
export function createRandomConsumer(): SandboxConsumer {
  return { key: `sandbox-${randomToken(9)}`, secret: randomToken(24) };
}

function resolveOptions(options: SandboxOptions): z.output<typeof optionsSchema> {
  const result = optionsSchema.safeParse(options);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue === undefined || issue.path.length === 0 ? 'options' : issue.path.join('.');
    throw new ToopherConfigError(`Invalid sandbox option \`${path}\`: ${issue?.message ?? 'invalid'}`, {
      cause: result.error,
    });
  }
  return result.data;
}

/**
 * Starts a local emulator of the Toopher v1 API with a simulated phone.
 * The API is at `apiUrl`, the phone page at `url + '/phone'`, the control
 * API at `url + '/sandbox/...'`. State lives in this instance only.
 */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const resolved = resolveOptions(options);
  await loadSandboxDependencies();
  const consumers = resolved.consumers ?? [createRandomConsumer()];
  const first = consumers[0] ?? createRandomConsumer();
  const clock = resolved.clock ?? (() => Date.now());
  const store = new SandboxStore({
    consumers,
    clock,
    pendingTimeoutMs: resolved.pendingTimeoutMs,
    pairingTimeoutMs: resolved.pairingTimeoutMs,
    phraseTimeoutMs: resolved.phraseTimeoutMs,
    otpRateLimit: resolved.otpRateLimit,
    maxPhrases: resolved.maxPairingPhrases,
  });
  const access = new ControlAccess(randomToken(18), resolved.allowedHosts);
  const faults = new FaultState();
  const app = createSandboxApp({
    store,
    state: new StateAccess(store),
    faults,
    timestampWindowSeconds: resolved.timestampWindowSeconds,
    maxBodyBytes: resolved.maxBodyBytes,
    maxParameterLength: resolved.maxParameterLength,
    showRequester: consumers.length > 1,
    access,
    clock,
  });
  const server = createServer(app);
  server.keepAliveTimeout = 5_000;
  acceptChunkedWithContentLength(server);
  const { host, port, address } = await listenOn(server, resolved.port, resolved.host);
  const url = `http://${host}:${port}`;
  access.listening(host, port);
  if (!isLoopback(address)) {
    process.emitWarning(
      `The Toopher sandbox listens on ${url}, not on a loopback address: anyone who can reach it can pair, approve and read one-time passwords through its control API and phone page. Use it only on a trusted network.`,
      { code: 'TOOPHER_SANDBOX_PUBLIC' },
    );
  }

  const phone: SandboxPhone = {
    createPairingPhrase: () => Promise.resolve(store.phoneCreatePhrase()),
    listPairings: (userName) => attempt(() => store.phoneListPairings(userName)),
    respondToPairing: (id, granted) => attempt(() => store.phoneRespondToPairing(id, granted)),
    deactivatePairing: (id) => attempt(() => store.phoneDeactivatePairing(id)),
    setOtpRequired: (id, required) => attempt(() => store.phoneSetOtpRequired(id, required)),
    getOtp: (id) => attempt(() => store.phoneOtp(id)),
    listAuthenticationRequests: (userName) => attempt(() => store.phoneListRequests(userName)),
    respondToAuthenticationRequest: (id, granted, automate) =>
      attempt(() => store.phoneRespondToRequest(id, granted, automate ?? false)),
    setFaults: (value) =>
      attempt(() => {
        faults.faults = parseControl(faultsSchema, value) as SandboxFaults;
      }),
    clearFaults: () =>
      attempt(() => {
        faults.faults = undefined;
      }),
    setAutoRespond: (value) => attempt(() => store.setAutoRespond(parseControl(autoRespondSchema, value) as SandboxAutoRespond)),
    clearAutoRespond: () => attempt(() => store.setAutoRespond(undefined)),
  };

  let closing: Promise<void> | undefined;
  return {
    url,
    apiUrl: `${url}/v1`,
    consumerKey: first.key,
    consumerSecret: first.secret,
    controlToken: access.token,
    phone,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        store.dispose();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Runs `fn` and turns a throw into a rejected promise. */
function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
