import { ToopherError } from '../errors.js';

/**
 * A refused sandbox operation: the HTTP `status` and the Toopher `error_code`
 * that `/v1` and the control API answer with. The phone functions reject with it.
 */
export class SandboxError extends ToopherError {
  override readonly code: string = 'ERR_TOOPHER_SANDBOX';
  /** Toopher's numeric `error_code` (e.g. 404, 705). */
  readonly toopherCode: number;

  constructor(status: number, toopherCode: number, message: string) {
    super(message, { status });
    this.toopherCode = toopherCode;
  }

  /** The JSON error body, `{"error_code": n, "error_message": "..."}`. */
  toJSON(): { error_code: number; error_message: string } {
    return { error_code: this.toopherCode, error_message: this.message };
  }
}

export function badRequest(message: string): SandboxError {
  return new SandboxError(400, 400, message);
}

export function notFound(what: string): SandboxError {
  return new SandboxError(404, 404, `No ${what} with the specified id exists.`);
}

export function conflict(code: number, message: string): SandboxError {
  return new SandboxError(409, code, message);
}
