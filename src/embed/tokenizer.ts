/**
 * Word-level tokenisation for the joint encoder's text tower.
 *
 * The text tower is a bag of words, so tokenisation only has to map surface forms onto a closed
 * vocabulary: lowercase, split on anything that is not a letter, digit, hyphen or apostrophe, map
 * numerals to number words, and fold plurals ("sneakers" -> "sneaker") and spelling variants
 * ("grey" -> "gray") onto known words. Words that still miss are reported, never silently dropped
 * without trace: {@link Vocabulary.encode} returns them so callers can warn.
 */

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** Spelling variants folded onto the vocabulary's spelling. */
const VARIANTS: Record<string, string> = {
  grey: 'gray',
  greyscale: 'grayscale',
  colour: 'color',
  coloured: 'colored',
  tshirt: 't-shirt',
  tee: 't-shirt',
  teeshirt: 't-shirt',
};

/**
 * Splits text into lowercase word tokens (letters, digits, inner hyphens and apostrophes).
 *
 * @example
 * ```ts
 * tokenize('A photo of a T-shirt/top!'); // ['a', 'photo', 'of', 'a', 't-shirt', 'top']
 * ```
 */
export function tokenize(text: string): string[] {
  if (typeof text !== 'string') throw new TypeError(`tokenize: expected a string, got ${typeof text}`);
  const out: string[] = [];
  for (const raw of text.toLowerCase().split(/[^a-z0-9'-]+/)) {
    const w = raw.replace(/^[-']+|[-']+$/g, '');
    if (w.length > 0) out.push(w);
  }
  return out;
}

/** Result of encoding one text against a {@link Vocabulary}. */
export interface EncodedText {
  /** Vocabulary index of every known token, in order (repeats kept). */
  ids: number[];
  /** Tokens that matched no vocabulary word, after all normalisation. */
  unknown: string[];
}

/**
 * A closed word list with the normalisation rules above.
 *
 * @example
 * ```ts
 * const v = new Vocabulary(['a', 'photo', 'of', 'red', 'digit']);
 * v.encode('A photo of red digits'); // { ids: [0, 1, 2, 3, 4], unknown: [] }
 * v.encode('a blue digit').unknown;  // ['blue']
 * ```
 */
export class Vocabulary {
  readonly words: readonly string[];
  private readonly index: Map<string, number>;

  constructor(words: readonly string[]) {
    const index = new Map<string, number>();
    words.forEach((w, i) => {
      if (typeof w !== 'string' || w.length === 0) throw new TypeError(`Vocabulary: word ${i} is not a non-empty string`);
      if (w !== w.toLowerCase()) throw new RangeError(`Vocabulary: word "${w}" must be lowercase`);
      if (index.has(w)) throw new RangeError(`Vocabulary: duplicate word "${w}" at positions ${index.get(w)} and ${i}`);
      index.set(w, i);
    });
    this.words = Object.freeze([...words]);
    this.index = index;
  }

  /** Number of words. */
  get size(): number {
    return this.words.length;
  }

  /** Index of a normalised token, or -1. */
  lookup(token: string): number {
    const direct = this.index.get(token);
    if (direct !== undefined) return direct;
    if (/^[0-9]$/.test(token)) return this.index.get(NUMBER_WORDS[+token]) ?? -1;
    const variant = VARIANTS[token];
    if (variant !== undefined && this.index.has(variant)) return this.index.get(variant)!;
    // Plurals: boots -> boot, dresses -> dress.
    if (token.endsWith('es') && this.index.has(token.slice(0, -2))) return this.index.get(token.slice(0, -2))!;
    if (token.endsWith('s') && this.index.has(token.slice(0, -1))) return this.index.get(token.slice(0, -1))!;
    return -1;
  }

  /**
   * Maps a text onto vocabulary indices; hyphenated tokens not in the vocabulary are split into
   * their parts before giving up.
   */
  encode(text: string): EncodedText {
    const ids: number[] = [];
    const unknown: string[] = [];
    for (const tok of tokenize(text)) {
      const id = this.lookup(tok);
      if (id >= 0) {
        ids.push(id);
        continue;
      }
      if (tok.includes('-')) {
        for (const part of tok.split('-')) {
          if (!part) continue;
          const pid = this.lookup(part);
          if (pid >= 0) ids.push(pid);
          else unknown.push(part);
        }
        continue;
      }
      unknown.push(tok);
    }
    return { ids, unknown };
  }

  toJSON(): { words: string[] } {
    return { words: [...this.words] };
  }

  static fromJSON(json: { words: string[] }): Vocabulary {
    if (!json || !Array.isArray(json.words)) throw new TypeError('Vocabulary.fromJSON: expected {words: string[]}');
    return new Vocabulary(json.words);
  }
}
