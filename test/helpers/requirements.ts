import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * Returns `false` (the value for `test(..., { skip })`) when a system
 * dependency is present. Missing: a skip reason locally, but under CI=true a
 * thrown error, so CI fails instead of skipping.
 */
function requirement(present: boolean, what: string): string | false {
  if (present) return false;
  const reason = `${what} is not installed (apt-get install ${what === 'Chromium' ? 'chromium' : 'redis-server'})`;
  if (process.env['CI'] === 'true') throw new Error(`CI=true and ${reason}`);
  return reason;
}

export function skipUnlessChromium(): string | false {
  return requirement(existsSync(CHROMIUM_PATH), 'Chromium');
}

export function skipUnlessRedis(): string | false {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return requirement(found, 'redis-server');
}
