import type { NextFunction, Request, Response } from 'express';
import type { SandboxFaults } from './types.js';

/** The current fault script of one sandbox, shared by `/v1` and the control API. */
export class FaultState {
  faults: SandboxFaults | undefined;
}

function normalizePath(path: string): string {
  return path.replace(/^\/+/, '').replace(/^v1(?:\/+|$)/, '');
}

function matches(faults: SandboxFaults, path: string): boolean {
  if (faults.paths === undefined || faults.paths.length === 0) return true;
  const own = normalizePath(path);
  return faults.paths.some((p) => own.startsWith(normalizePath(p)));
}

const GARBAGE = '<html><body>lol if you think this is json</body></html>';

/** Express middleware for `/v1`: delays, then fails the share of requests the script asks for. */
export function faultMiddleware(state: FaultState) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const faults = state.faults;
    if (faults === undefined || !matches(faults, req.path)) {
      next();
      return;
    }
    const act = (): void => {
      const faulty = faults.mode !== undefined || faults.status !== undefined || faults.rate !== undefined;
      if (!faulty || Math.random() >= (faults.rate ?? 1)) {
        next();
        return;
      }
      switch (faults.mode ?? 'error') {
        case 'reset':
          req.socket.destroy();
          return;
        case 'hang':
          return; // close() drops the connection.
        case 'garbage':
          res.status(200).type('text/html').send(GARBAGE);
          return;
        case 'error': {
          const status = faults.status ?? 500;
          res.status(status).json({ error_code: status, error_message: `Simulated failure (HTTP ${status})` });
          return;
        }
      }
    };
    const latencyMs = faults.latencyMs ?? 0;
    if (latencyMs > 0) setTimeout(act, latencyMs).unref();
    else act();
  };
}
