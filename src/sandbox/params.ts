import { badRequest } from './sandbox-error.js';

/** `true/false`, `1/0`, `yes/no` in any case; `undefined` for anything else. */
export function parseLenientBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  switch (value.trim().toLowerCase()) {
    case 'true':
    case '1':
    case 'yes':
      return true;
    case 'false':
    case '0':
    case 'no':
      return false;
    default:
      return undefined;
  }
}

/**
 * The parameters of one `/v1` request (query and form body merged, body
 * winning). Empty strings read as absent; each getter takes the accepted
 * spellings of one concept, newest first.
 */
export class Params {
  private readonly _values: ReadonlyMap<string, string>;

  constructor(values: ReadonlyMap<string, string>) {
    this._values = values;
  }

  /** The first non-empty value among `names`, else `undefined`. */
  optional(...names: readonly string[]): string | undefined {
    for (const name of names) {
      const value = this._values.get(name);
      if (value !== undefined && value !== '') return value;
    }
    return undefined;
  }

  /** Like {@link optional} but answers 400 naming the first spelling when all are absent. */
  required(...names: readonly [string, ...string[]]): string {
    const value = this.optional(...names);
    if (value === undefined) throw badRequest(`Missing required parameter: ${names[0]}`);
    return value;
  }

  /** A lenient boolean; 400 when present but not a boolean. */
  boolean(...names: readonly [string, ...string[]]): boolean | undefined {
    const value = this.optional(...names);
    if (value === undefined) return undefined;
    const parsed = parseLenientBoolean(value);
    if (parsed === undefined) throw badRequest(`Parameter ${names[0]} must be true or false`);
    return parsed;
  }
}
