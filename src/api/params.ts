import { ToopherConfigError } from '../errors.js';
import type { RequestParams } from './signing.js';
import type { AuthenticateExtras, CallOptions, PairExtras } from './types.js';


/** Extras keys with a camelCase spelling in our API, and their wire names. */
const EXTRA_WIRE_NAMES: Readonly<Record<string, string>> = {
  automationAllowed: 'automation_allowed',
  challengeRequired: 'challenge_required',
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/;

/** Rejects non-strings, empty strings and strings that cannot be UTF-8 encoded. */
export function assertText(argument: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new ToopherConfigError(`\`${argument}\` must be a non-empty string.`);
  }
  if (LONE_SURROGATE.test(value)) {
    throw new ToopherConfigError(`\`${argument}\` contains an unpaired UTF-16 surrogate and cannot be sent.`);
  }
}

/** Booleans go on the wire as `true` / `false`. */
export function wireBoolean(value: boolean): string {
  return value ? 'true' : 'false';
}

function wireValue(name: string, value: string | number | boolean): string {
  if (typeof value === 'boolean') return wireBoolean(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ToopherConfigError(`\`extras.${name}\` must be a finite number.`);
    return String(value);
  }
  if (LONE_SURROGATE.test(value)) {
    throw new ToopherConfigError(`\`extras.${name}\` contains an unpaired UTF-16 surrogate and cannot be sent.`);
  }
  return value;
}

/**
 * Builds the parameters of one call: the named arguments (which win over
 * extras of the same wire name), then the extras in their given order.
 * `signal` is taken out; `automationAllowed`/`challengeRequired` are renamed.
 */
export function buildParams(
  named: Readonly<Record<string, string | undefined>>,
  extras: PairExtras | AuthenticateExtras | CallOptions | undefined,
): { params: RequestParams; signal: AbortSignal | undefined } {
  const params = new Map<string, string>();
  let signal: AbortSignal | undefined;
  for (const [key, value] of Object.entries(extras ?? {}) as Array<[string, unknown]>) {
    if (key === 'signal') {
      if (value !== undefined && !(value instanceof AbortSignal)) {
        throw new ToopherConfigError('`signal` must be an AbortSignal.');
      }
      signal = value;
      continue;
    }
    if (value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ToopherConfigError(`\`extras.${key}\` must be a string, number or boolean.`);
    }
    const name = EXTRA_WIRE_NAMES[key] ?? key;
    if (!PARAM_NAME.test(name) || name === '__proto__' || name.startsWith('oauth_')) {
      throw new ToopherConfigError(
        `\`extras\` has a key that cannot be sent as a parameter (letters, digits, "_", "." and "-"; not "oauth_*").`,
      );
    }
    params.set(name, wireValue(key, value));
  }
  for (const [name, value] of Object.entries(named)) {
    if (value !== undefined) params.set(name, value);
  }
  return { params: [...params], signal };
}
