import assert from 'node:assert/strict';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { gracefulClose, type SetTimer } from '../../src/server/posture/shutdown.js';
import { close as closeNow, listen } from '../helpers/listen.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A timer the test fires itself: shutdown never depends on real time passing. */
function manualTimer(): { setTimer: SetTimer; fire: () => void; scheduled: () => number } {
  const pending: (() => void)[] = [];
  return {
    setTimer: (fn) => {
      pending.push(fn);
      return () => {
        const at = pending.indexOf(fn);
        if (at !== -1) pending.splice(at, 1);
      };
    },
    fire: () => {
      for (const fn of pending.splice(0)) fn();
    },
    scheduled: () => pending.length,
  };
}

interface Fixture {
  readonly server: Server;
  readonly port: number;
  /** Resolves when a /slow request has reached the handler; `release()` lets it answer. */
  readonly entered: Promise<void>;
  readonly release: () => void;
}

async function start(t: TestContext): Promise<Fixture> {
  let release: () => void = () => undefined;
  let entered: () => void = () => undefined;
  const enteredPromise = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = createServer((req, res) => {
    if (req.url === '/slow') {
      entered();
      void gate.then(() => res.end('finished'));
    } else {
      res.end('quick');
    }
  });
  await listen(server);
  t.after(() => (server.listening ? closeNow(server) : undefined));
  return { server, port: (server.address() as AddressInfo).port, entered: enteredPromise, release };
}

function get(port: number, path: string, agent: Agent | false = false): Promise<{ res: IncomingMessage; body: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ res, body, socket: req.socket as Socket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

test('finishes a request in flight while refusing new connections, then runs the cleanup', async (t) => {
  const fixture = await start(t);
  const timer = manualTimer();
  const order: string[] = [];
  const close = gracefulClose(fixture.server, {
    log: quiet,
    setTimer: timer.setTimer,
    cleanup: () => {
      order.push('cleanup');
      return Promise.resolve();
    },
  });
  const agent = new Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const inFlight = get(fixture.port, '/slow', agent);
  await fixture.entered;

  const closed = close().then(() => order.push('closed'));
  assert.equal(await connectionRefused(fixture.port), true);
  assert.deepEqual(order, []);

  fixture.release();
  const { res, body } = await inFlight;
  assert.equal(res.statusCode, 200);
  assert.equal(body, 'finished');
  assert.equal(res.headers.connection, 'close');
  await closed;
  assert.deepEqual(order, ['cleanup', 'closed']);
  assert.equal(timer.scheduled(), 0, 'the force-close timer is cancelled');
  assert.equal(close(), close(), 'closing again returns the same promise');
});

test('closes idle keep-alive connections without waiting for the timeout', async (t) => {
  const fixture = await start(t);
  const timer = manualTimer();
  const close = gracefulClose(fixture.server, { log: quiet, setTimer: timer.setTimer });
  const agent = new Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  // The agent unrefs its idle socket: hold the event loop open until that socket has seen the server close it.
  const holdLoop = setInterval(() => undefined, 60_000);
  t.after(() => clearInterval(holdLoop));
  const { res, socket } = await get(fixture.port, '/quick', agent);
  assert.equal(res.headers.connection, 'keep-alive');
  const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await close();
  await socketClosed;
  assert.equal(timer.scheduled(), 0);
});

test('after the timeout, cuts connections still busy and still runs the cleanup', async (t) => {
  const fixture = await start(t);
  const timer = manualTimer();
  const warnings: unknown[] = [];
  let cleaned = false;
  const close = gracefulClose(fixture.server, {
    timeoutMs: 5_000,
    log: { ...quiet, warn: (msg, fields) => warnings.push({ msg, ...fields }) },
    setTimer: timer.setTimer,
    cleanup: () => {
      cleaned = true;
      return Promise.resolve();
    },
  });
  const stuck = get(fixture.port, '/slow').then(
    () => 'answered',
    (err: NodeJS.ErrnoException) => err.code,
  );
  await fixture.entered;
  const closed = close();
  assert.equal(timer.scheduled(), 1);
  timer.fire();
  await closed;
  assert.equal(await stuck, 'ECONNRESET');
  assert.equal(cleaned, true);
  assert.deepEqual(warnings, [{ msg: 'shutdown timeout: cutting connections with requests in flight', inFlight: 1, timeoutMs: 5_000 }]);
  fixture.release();
});

test('a failing cleanup rejects the close and is logged', async (t) => {
  const fixture = await start(t);
  const errors: unknown[] = [];
  const close = gracefulClose(fixture.server, {
    log: { ...quiet, error: (msg) => errors.push(msg) },
    setTimer: manualTimer().setTimer,
    cleanup: () => Promise.reject(new Error('backend close failed')),
  });
  await assert.rejects(close(), /backend close failed/);
  assert.deepEqual(errors, ['shutdown cleanup failed']);
});
