import { ToopherConfigError } from '../errors.js';
import { assertText } from './params.js';

/**
 * Encodes one id as a single URL path segment. An id can never add a path
 * segment or climb out of its endpoint: `/` is encoded, and `.`, `..` and
 * the empty string (which URL parsers would collapse) are refused.
 */
export function encodeIdSegment(argument: string, id: string): string {
  assertText(argument, id);
  if (id === '.' || id === '..') {
    throw new ToopherConfigError(`\`${argument}\` must be an id, not "${id}".`);
  }
  return encodeURIComponent(id);
}
