import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from './logger.js';

export type ClosableServer = HttpServer | HttpsServer;

/** Schedules `fn` after `ms` and returns its cancel function (tests inject one they fire themselves). */
export type SetTimer = (fn: () => void, ms: number) => () => void;

export interface GracefulCloseOptions {
  /** After this long, connections with requests still in flight are cut (default 10000). */
  readonly timeoutMs?: number;
  /** Runs once the server has closed, e.g. closing the storage backend. */
  readonly cleanup?: () => Promise<void>;
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly setTimer?: SetTimer;
}

const realTimer: SetTimer = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * Prepares `server` for a graceful close and returns the function that does it (call it before the server
 * takes requests, so every request is tracked). Closing stops accepting connections, lets requests in
 * flight finish (their responses say `Connection: close`), closes idle keep-alive connections as they
 * become idle, cuts whatever is left after `timeoutMs`, then runs `cleanup`. Calling it again returns
 * the same promise; it rejects only when `cleanup` does.
 */
export function gracefulClose(server: ClosableServer, options: GracefulCloseOptions): () => Promise<void> {
  const { log } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const setTimer = options.setTimer ?? realTimer;
  /** The responses in flight on each connection; an empty set is an idle keep-alive connection. */
  const connections = new Map<Socket, Set<ServerResponse>>();
  let closing = false;
  const inFlight = (): number => [...connections.values()].reduce((sum, responses) => sum + responses.size, 0);

  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    let responses = connections.get(socket);
    if (responses === undefined) {
      const created = new Set<ServerResponse>();
      responses = created;
      connections.set(socket, created);
      socket.once('close', () => connections.delete(socket));
    }
    responses.add(res);
    if (closing && !res.headersSent) res.setHeader('Connection', 'close');
    res.once('close', () => {
      responses.delete(res);
      // The answer is out: a connection with nothing else in flight is closed rather than kept alive.
      if (closing && responses.size === 0) socket.destroy();
    });
  });

  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    closing = true;
    log.info('server closing', { inFlight: inFlight() });
    for (const responses of connections.values()) {
      for (const res of responses) if (!res.headersSent) res.setHeader('Connection', 'close');
    }
    const stopped = new Promise<void>((resolve) => {
      server.close(() => resolve());
    });
    // Connections that never sent a request are Node's to find; idle keep-alive ones we know.
    server.closeIdleConnections();
    for (const [socket, responses] of connections) if (responses.size === 0) socket.destroy();
    const cancel = setTimer(() => {
      log.warn('shutdown timeout: cutting connections with requests in flight', { inFlight: inFlight(), timeoutMs });
      server.closeAllConnections();
    }, timeoutMs);
    await stopped;
    cancel();
    if (options.cleanup !== undefined) {
      try {
        await options.cleanup();
      } catch (err) {
        log.error('shutdown cleanup failed', { err });
        throw err;
      }
    }
    log.info('server closed');
  };
  return () => (closed ??= close());
}

export type ShutdownSignal = 'SIGTERM' | 'SIGINT';

export interface SignalTarget {
  on(signal: ShutdownSignal, listener: () => void): unknown;
  off(signal: ShutdownSignal, listener: () => void): unknown;
}

export interface HandleSignalsOptions {
  /** Default: `process`. */
  readonly target?: SignalTarget;
  /**
   * Ends the process. `immediately` is false after a finished close: the default then sets
   * `process.exitCode` and exits only if something still holds the event loop a second later.
   */
  readonly exit?: (code: number, immediately: boolean) => void;
}

const SIGNAL_NUMBERS: Readonly<Record<ShutdownSignal, number>> = { SIGINT: 2, SIGTERM: 15 };

function exitProcess(code: number, immediately: boolean): void {
  if (immediately) process.exit(code);
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}

/**
 * SIGTERM or SIGINT closes gracefully (exit 0, or 1 when closing failed); a second signal while closing
 * exits at once with 128 + the signal number. Returns a function that removes the handlers.
 */
export function handleSignals(close: () => Promise<void>, log: Pick<Logger, 'info' | 'warn' | 'error'>, options: HandleSignalsOptions = {}): () => void {
  const target = options.target ?? process;
  const exit = options.exit ?? exitProcess;
  let closing = false;
  const handlers = new Map<ShutdownSignal, () => void>();
  const onSignal = (signal: ShutdownSignal): void => {
    if (closing) {
      log.warn('second signal: exiting without waiting', { signal });
      exit(128 + SIGNAL_NUMBERS[signal], true);
      return;
    }
    closing = true;
    log.info('signal received: shutting down', { signal });
    close().then(
      () => exit(0, false),
      (err: unknown) => {
        log.error('shutdown failed', { err });
        exit(1, false);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const handler = (): void => onSignal(signal);
    handlers.set(signal, handler);
    target.on(signal, handler);
  }
  return () => {
    for (const [signal, handler] of handlers) target.off(signal, handler);
  };
}
