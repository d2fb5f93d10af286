/** What the fuzz suites share: a small seeded generator, so that a failure can be replayed. */

/** mulberry32: numbers in [0, 1) from `seed`, the same sequence every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a suite's random JSON is made of. */
export interface JsonVocabulary {
  strings: readonly string[];
  numbers: readonly number[];
  /** Member names of nested objects. */
  keys: readonly string[];
  /** Arrays get fewer elements than this. */
  maxArrayLength: number;
}

/** A random JSON value of any type from `words`, nested at most three levels deep. */
export function randomJson(r: () => number, words: JsonVocabulary, depth = 0): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  switch (Math.floor(r() * (depth > 2 ? 5 : 8))) {
    case 0:
    case 1:
      return pick(words.strings);
    case 2:
      return pick(words.numbers);
    case 3:
      return r() < 0.5;
    case 4:
      return null;
    case 5:
    case 6:
      return Array.from({ length: Math.floor(r() * words.maxArrayLength) }, () => randomJson(r, words, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [pick(words.keys), randomJson(r, words, depth + 1)]));
  }
}
