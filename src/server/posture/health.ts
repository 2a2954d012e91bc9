import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from './logger.js';

export interface HealthOptions {
  /** Resolves when the server can serve (the lead passes a no-op backend transaction); rejects otherwise. */
  readonly probe: () => Promise<void>;
  /** How long the probe may take before the answer is 503 (default 2000). */
  readonly timeoutMs?: number;
  readonly log: Pick<Logger, 'warn'>;
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly reason: unknown };

/**
 * The handler of `GET /health` (Express answers HEAD with it too): 200 `{"status":"ok"}` when the probe resolves within the
 * timeout, else 503 `{"status":"unavailable"}`. The answer names no cause (that goes to the log). Checks
 * that arrive while one is running share it, so a flood of checks costs one probe at a time.
 */
export function healthHandler(options: HealthOptions): RequestHandler {
  const timeoutMs = options.timeoutMs ?? 2000;
  let running: Promise<Outcome> | undefined;

  const check = (): Promise<Outcome> => {
    running ??= new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, reason: new Error(`probe took longer than ${timeoutMs} ms`) }), timeoutMs);
      timer.unref();
      let probing: Promise<void>;
      try {
        probing = options.probe();
      } catch (err) {
        probing = Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      probing.then(
        () => resolve({ ok: true }),
        (reason: unknown) => resolve({ ok: false, reason }),
      );
      void probing.finally(() => clearTimeout(timer)).catch(() => undefined);
    }).then((outcome) => {
      running = undefined;
      if (!outcome.ok) options.log.warn('health check failed', { err: outcome.reason });
      return outcome;
    });
    return running;
  };

  return (_req: Request, res: Response): void => {
    void check().then((outcome) => {
      res.set('Cache-Control', 'no-store');
      res.status(outcome.ok ? 200 : 503).json({ status: outcome.ok ? 'ok' : 'unavailable' });
    });
  };
}
