import { Strategy as PassportStrategy } from 'passport-strategy';

/**
 * passport-strategy's base class with the methods Passport adds while
 * `authenticate` runs, typed here so that our emitted declarations need no
 * `@types/passport-strategy` in the app.
 */
export interface PassportStrategyBase {
  authenticate(req: unknown, options?: unknown): void;
  success(user: unknown, info?: unknown): void;
  fail(challenge: unknown, status?: number): void;
  redirect(url: string, status?: number): void;
  pass(): void;
  error(err: Error): void;
}

export const StrategyBase: new () => PassportStrategyBase = PassportStrategy;
