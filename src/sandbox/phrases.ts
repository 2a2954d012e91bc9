import { randomInt } from 'node:crypto';

// Digit-free on purpose: the 2.0 SDKs send a phrase containing a digit to the SMS endpoint.
const FIRST = [
  'amber', 'brave', 'calm', 'dusty', 'eager', 'fancy', 'gentle', 'happy', 'icy', 'jolly', 'keen', 'lucky',
  'merry', 'noble', 'odd', 'proud', 'quiet', 'rapid', 'shy', 'tidy', 'urban', 'vivid', 'witty', 'young',
  'zesty', 'bold', 'crisp', 'daring', 'early', 'fuzzy', 'grand', 'humble',
] as const;
const SECOND = [
  'apple', 'badger', 'cactus', 'dolphin', 'falcon', 'garden', 'harbor', 'igloo', 'jaguar', 'kettle', 'lemon',
  'meadow', 'nutmeg', 'otter', 'pepper', 'quartz', 'raven', 'saddle', 'turtle', 'umbrella', 'violin', 'walrus',
  'yak', 'zebra', 'anchor', 'bison', 'canyon', 'dragon', 'ember', 'forest', 'glacier', 'heron',
] as const;

function pick(words: readonly string[]): string {
  return words[randomInt(words.length)] ?? 'word';
}

/** A three-word, lowercase, digit-free phrase such as `brave amber turtle`. */
export function randomPairingPhrase(): string {
  return `${pick(FIRST)} ${pick(FIRST)} ${pick(SECOND)}`;
}
