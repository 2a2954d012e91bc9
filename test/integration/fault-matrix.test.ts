import assert from 'node:assert/strict';
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox, type SandboxFaults } from '../../src/sandbox/index.js';
import { BrowserClient, findForm, type Hop } from '../helpers/browser-client.js';
import { trackProcessErrors } from '../helpers/fuzz-run.js';
import { csrfTokenOf, enroll, makeUsers, signIn, startTestApp, type TestApp, type TestUser } from '../helpers/test-app.js';

/**
 * The fault matrix: every step that calls Toopher (login start, status poll,
 * pairing, terminal naming, OTP submit, guarded action) against every fault
 * (unreachable port, hang past the timeout, 500, 429, a body that is not
 * JSON, a reset connection, a wrong consumer secret). Each cell asserts: no
 * sign-in and no action, a clear HTML page or JSON error (never a 500 or a
 * stack), the app answers the next request, and no unhandled rejection.
 * Then `failMode: 'open'` against the same faults: it opens for the
 * unreachable port only, and says so with a `fail-open` event.
 *
 * Each cell gets its own app, whose API traffic goes through a TCP
 * forwarder: pointed at the sandbox (healthy), at a second sandbox that
 * knows our key with another secret (wrong secret), or closed (unreachable).
 * The other faults are the sandbox's own scripted failures.
 */

const processErrors = trackProcessErrors();
let sandbox: Sandbox;
/** Knows our consumer key with a different secret: every signature fails there. */
let wrongSecret: Sandbox;
let setupApi: ToopherApi;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  sandbox = await createSandbox();
  wrongSecret = await createSandbox({ consumers: [{ key: sandbox.consumerKey, secret: `${sandbox.consumerSecret}-not` }] });
  setupApi = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
});

afterEach(async () => {
  await sandbox.phone.clearFaults();
  for (const cleanup of cleanups.splice(0)) await cleanup();
  processErrors.assertNone();
});

after(async () => {
  await sandbox.close();
  await wrongSecret.close();
  processErrors.dispose();
});

/** A TCP forwarder whose target can change, or which can stop listening. */
class Forwarder {
  readonly server: TcpServer;
  targetPort: number;
  private readonly _sockets = new Set<Socket>();

  private constructor(targetPort: number) {
    this.targetPort = targetPort;
    this.server = createTcpServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this._sockets.add(socket);
        socket.on('close', () => this._sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  }

  static async start(targetPort: number): Promise<Forwarder> {
    const forwarder = new Forwarder(targetPort);
    await new Promise<void>((resolve) => forwarder.server.listen(0, '127.0.0.1', resolve));
    return forwarder;
  }

  /** New connections go to `port`; open ones are dropped, so keep-alive sockets cannot bypass the change. */
  retarget(port: number): void {
    this.targetPort = port;
    for (const socket of this._sockets) socket.destroy();
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Stops listening and drops open connections: the port now refuses connections. */
  async close(): Promise<void> {
    for (const socket of this._sockets) socket.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function portOf(sandboxInstance: Sandbox): number {
  return Number(new URL(sandboxInstance.url).port);
}

type Fault = 'unreachable' | 'hang' | '500' | '429' | 'garbage' | 'reset' | 'wrong-secret';
const FAULTS: readonly Fault[] = ['unreachable', 'hang', '500', '429', 'garbage', 'reset', 'wrong-secret'];
const SANDBOX_FAULTS: Readonly<Partial<Record<Fault, SandboxFaults>>> = {
  hang: { mode: 'hang' },
  '500': { status: 500 },
  '429': { status: 429 },
  garbage: { mode: 'garbage' },
  reset: { mode: 'reset' },
};

interface Cell {
  readonly app: TestApp;
  readonly forwarder: Forwarder;
  readonly user: TestUser;
  readonly client: BrowserClient;
}

let counter = 0;

/** A fresh app whose Toopher calls go through a forwarder to the healthy sandbox. */
async function cell(failMode: 'closed' | 'open' = 'closed'): Promise<Cell> {
  counter++;
  const [user] = makeUsers(`cell${counter}`);
  assert.ok(user);
  const forwarder = await Forwarder.start(portOf(sandbox));
  const app = await startTestApp({
    api: {
      consumerKey: sandbox.consumerKey,
      consumerSecret: sandbox.consumerSecret,
      baseUrl: forwarder.apiUrl,
      timeoutMs: 400,
      retry: 1,
    },
    users: [user],
    toopher: { pollIntervalMs: 0, failMode },
  });
  cleanups.push(async () => {
    await app.close();
    await forwarder.close();
  });
  return { app, forwarder, user, client: new BrowserClient(app.url) };
}

async function inject(c: Cell, fault: Fault): Promise<void> {
  if (fault === 'unreachable') {
    await c.forwarder.close();
    return;
  }
  if (fault === 'wrong-secret') {
    c.forwarder.retarget(portOf(wrongSecret));
    return;
  }
  const faults = SANDBOX_FAULTS[fault];
  assert.ok(faults);
  await sandbox.phone.setFaults(faults);
}

async function whoAmI(client: BrowserClient): Promise<unknown> {
  const hop = await client.get('/', { accept: 'application/json' });
  assert.equal(hop.status, 200, 'the app keeps serving its own routes');
  return (JSON.parse(hop.body) as { user: unknown }).user;
}

/** A clear refusal: 4xx/5xx but never 500, an HTML page with a heading or a JSON error, no stack trace. */
function assertClearRefusal(hop: Hop, what: string, kind: 'html' | 'json' = 'html'): void {
  assert.ok(hop.status >= 400 && hop.status <= 599, `${what}: expected a refusal, got ${hop.status} ${hop.location ?? ''}`);
  assert.notEqual(hop.status, 500, `${what}: an unexpected error reached Express: ${hop.body.slice(0, 300)}`);
  assert.doesNotMatch(hop.body, /\n\s+at .+:\d+:\d+/, `${what}: the answer shows a stack trace`);
  const type = String(hop.headers['content-type'] ?? '');
  if (kind === 'json') {
    assert.match(type, /application\/json/, `${what}: JSON clients get JSON`);
    const body = JSON.parse(hop.body) as { state?: unknown; message?: unknown };
    assert.equal(body.state, 'error', `${what}: JSON state`);
    assert.equal(typeof body.message, 'string');
  } else {
    assert.match(type, /text\/html/, `${what}: browsers get a page`);
    assert.match(hop.body, /<h1[^>]*>[^<]+<\/h1>/, `${what}: the page has a heading`);
  }
  assert.equal(hop.headers['cache-control'], 'no-store', `${what}: not cached`);
}

function loginForm(user: TestUser): Record<string, string> {
  return { email: user.email, password: user.password };
}

/** The six steps: each prepares its precondition against the healthy API, then `act`s after the fault. */
interface Step {
  readonly name: string;
  prepare(c: Cell): Promise<() => Promise<Hop>>;
  /** True when the step ends with the user still signed in (the guarded action). */
  readonly signedIn?: boolean;
  readonly kind?: 'json';
}

const STEPS: readonly Step[] = [
  {
    name: 'login start',
    async prepare(c) {
      await enroll(sandbox, setupApi, c.user.email, c.client);
      return () => c.client.post('/login', loginForm(c.user));
    },
  },
  {
    name: 'status poll',
    kind: 'json',
    async prepare(c) {
      await enroll(sandbox, setupApi, c.user.email, c.client);
      const hop = await c.client.post('/login', loginForm(c.user));
      const id = /\/toopher\/pending\/([A-Za-z0-9_-]+)$/.exec(hop.location ?? '')?.[1];
      assert.ok(id, `login went pending (${hop.status} ${hop.location ?? ''})`);
      return () => c.client.get(`/toopher/status/${id}`, { accept: 'application/json' });
    },
  },
  {
    name: 'pairing',
    async prepare(c) {
      const hop = await c.client.post('/login', loginForm(c.user));
      assert.match(hop.location ?? '', /\/toopher\/pair\//, 'an unpaired user is sent to pair');
      const page = await c.client.get(hop.location ?? '');
      const form = findForm(page.body, new URL(hop.location ?? '').pathname);
      const phrase = await sandbox.phone.createPairingPhrase();
      return () => c.client.submit(form, { pairing_phrase: phrase });
    },
  },
  {
    name: 'terminal naming',
    async prepare(c) {
      await enroll(sandbox, setupApi, c.user.email, c.client, { nameTerminal: false });
      const hop = await c.client.post('/login', loginForm(c.user));
      assert.match(hop.location ?? '', /\/toopher\/terminal\//, 'an unknown terminal is sent to be named');
      const page = await c.client.get(hop.location ?? '');
      const form = findForm(page.body, new URL(hop.location ?? '').pathname);
      return () => c.client.submit(form, { terminal_name: 'Fault test browser' });
    },
  },
  {
    name: 'OTP submit',
    async prepare(c) {
      const { pairingId } = await enroll(sandbox, setupApi, c.user.email, c.client);
      const hop = await c.client.post('/login', loginForm(c.user));
      const page = await c.client.get(hop.location ?? '');
      const form = findForm(page.body, '/otp');
      // A correct one-time password: only the fault stands between the user and the sign-in.
      const otp = await sandbox.phone.getOtp(pairingId);
      return () => c.client.submit(form, { otp });
    },
  },
  {
    name: 'guarded action',
    signedIn: true,
    async prepare(c) {
      await enroll(sandbox, setupApi, c.user.email, c.client);
      await signIn(sandbox, c.client, c.user);
      assert.equal(await whoAmI(c.client), c.user.email);
      // With the session's CSRF token, as the app's own form sends it: only the fault stands in the way.
      const csrf = await csrfTokenOf(c.client);
      return () => c.client.post('/transfer', { amount: '250', _csrf: csrf });
    },
  },
];

for (const step of STEPS) {
  for (const fault of FAULTS) {
    test(`${step.name} fails closed on ${fault}: no sign-in, no action, a clear answer, the app keeps serving`, async () => {
      const c = await cell();
      const act = await step.prepare(c);
      await inject(c, fault);
      const hop = await act();
      assertClearRefusal(hop, `${step.name} on ${fault}`, step.kind);
      assert.equal(await whoAmI(c.client), step.signedIn === true ? c.user.email : null);
      assert.equal(c.app.executed.length, 0, 'the guarded handler never ran');
      assert.ok(!c.app.events.some((e) => e.type === 'fail-open'), 'failMode closed never opens');
      // Another browser is served too, while the fault lasts.
      const other = new BrowserClient(c.app.url);
      assert.equal(await whoAmI(other), null);
    });
  }
}

for (const fault of FAULTS) {
  const opens = fault === 'unreachable';
  test(`failMode open ${opens ? 'lets the sign-in through and emits fail-open' : 'stays closed'} on ${fault}`, async () => {
    const c = await cell('open');
    await enroll(sandbox, setupApi, c.user.email, c.client);
    await inject(c, fault);
    const hop = await c.client.post('/login', loginForm(c.user));
    const failOpen = c.app.events.filter((e) => e.type === 'fail-open');
    if (opens) {
      assert.equal(hop.status, 302, `fail-open sign-in answered ${hop.status}`);
      assert.equal(await whoAmI(c.client), c.user.email);
      assert.equal(failOpen.length, 1);
      assert.equal(failOpen[0]?.userName, c.user.email);
    } else {
      assertClearRefusal(hop, `failMode open on ${fault}`);
      assert.equal(await whoAmI(c.client), null);
      assert.equal(failOpen.length, 0, `no fail-open event on ${fault}`);
    }
  });
}

test('failMode open never runs a guarded action when the API connection is reset', async () => {
  const c = await cell('open');
  await enroll(sandbox, setupApi, c.user.email, c.client);
  await signIn(sandbox, c.client, c.user);
  const csrf = await csrfTokenOf(c.client);
  await inject(c, 'reset');
  const hop = await c.client.post('/transfer', { amount: '1', _csrf: csrf });
  assertClearRefusal(hop, 'guarded action on reset with failMode open');
  assert.equal(c.app.executed.length, 0);
});
