/**
 * Captions for the joint encoder's training pool, generated from facts known by construction (class,
 * tint, scaling, placement, rotation) or measured from pixels (brightness, stroke thickness, slant).
 *
 * Every caption carries the list of facts it asserts ({@link Mention}s), so the contrastive loss can
 * treat *every* caption that is true of an image as a positive for it ({@link captionHolds}), not only
 * the one caption drawn for that image. The same phrase tables define the vocabulary
 * ({@link captionVocabulary}), so no trained word is missing and no untrained word slips in.
 */
import type { Random } from '../util/random';

/** Tint names, index = the `colour` fact. `plain` is an untinted (grayscale) image. */
export const COLOURS = ['plain', 'red', 'green', 'blue', 'yellow', 'purple', 'cyan', 'orange'] as const;
export type ColourName = (typeof COLOURS)[number];

/** Digit names, index = digit. */
export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

/** Fashion-MNIST class names in label order (as the dataset publishes them). */
export const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/**
 * Fact slots of one training image. Values are small integers; 0 means "not applicable / not
 * measured" except for `group` and `colour`.
 */
export const FACT_SLOTS = ['group', 'colour', 'brightness', 'thickness', 'size', 'hpos', 'vpos', 'slant', 'upsideDown'] as const;
export type FactSlot = (typeof FACT_SLOTS)[number];
export const SLOT = Object.fromEntries(FACT_SLOTS.map((s, i) => [s, i])) as Record<FactSlot, number>;

/** Value codes of the non-group slots. */
export const FACT = {
  brightness: { dark: 1, bright: 2 },
  thickness: { thin: 1, thick: 2 },
  size: { small: 1, full: 2 },
  hpos: { left: 1, right: 2, centre: 3 },
  vpos: { upper: 1, lower: 2, centre: 3 },
  slant: { left: 1, right: 2 },
  upsideDown: { yes: 1 },
} as const;

/**
 * What a training image is, one integer per {@link FACT_SLOTS} entry. `group` is the digit (0..9)
 * or 10 + the Fashion-MNIST class (10..19).
 */
export type Facts = Int8Array;

/** One fact a caption asserts: `facts[slot] === value`, or for `group` membership in the bit `mask`. */
export interface Mention {
  slot: number;
  /** For `slot === SLOT.group`: a bit mask over groups 0..19; otherwise the required value. */
  value: number;
}

/** A generated caption and the facts it asserts. */
export interface GeneratedCaption {
  text: string;
  mentions: Mention[];
}

/** True when every fact `mentions` asserts holds for `facts`. */
export function captionHolds(mentions: readonly Mention[], facts: Facts): boolean {
  for (const m of mentions) {
    if (m.slot === 0) {
      if (((m.value >>> facts[0]) & 1) === 0) return false;
    } else if (facts[m.slot] !== m.value) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Phrase tables. A noun phrase has its own article ('a' is turned into 'an' before vowels).

interface NounForm {
  article: 'a' | 'the' | '';
  text: string;
}
interface NounEntry {
  mask: number;
  forms: NounForm[];
}

const a = (text: string): NounForm => ({ article: 'a', text });
const the = (text: string): NounForm => ({ article: 'the', text });
const maskOf = (groups: number[]) => groups.reduce((m, g) => m | (1 << g), 0);
const ALL_DIGITS = maskOf([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
const ALL_FASHION = maskOf([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);

/** Surface forms of each Fashion-MNIST class (besides its published name). */
const FASHION_FORMS: string[][] = [
  ['t-shirt', 'tee shirt', 't-shirt top'],
  ['trouser', 'pair of trousers', 'pair of pants'],
  ['pullover', 'sweater', 'jumper'],
  ['dress', 'gown'],
  ['coat', 'jacket'],
  ['sandal', 'open sandal'],
  ['shirt', 'blouse', 'button shirt'],
  ['sneaker', 'trainer', 'running sneaker'],
  ['bag', 'handbag', 'purse'],
  ['ankle boot', 'boot'],
];

/**
 * Fashion-MNIST superclasses with their nouns. These cover the usual groupings (tops, footwear,
 * bottoms, accessories) so a benchmark's superclass name has a trained word.
 */
export const FASHION_SUPERCLASSES: { name: string; classes: number[]; forms: string[] }[] = [
  { name: 'top', classes: [0, 2, 4, 6], forms: ['top'] },
  { name: 'footwear', classes: [5, 7, 9], forms: ['footwear', 'shoe', 'piece of footwear'] },
  { name: 'clothing', classes: [0, 1, 2, 3, 4, 6], forms: ['piece of clothing', 'garment', 'clothing item', 'clothes'] },
  { name: 'bottom', classes: [1], forms: ['bottom', 'legwear'] },
  { name: 'accessory', classes: [8], forms: ['accessory'] },
  { name: 'fashion item', classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], forms: ['fashion item', 'fashion product', 'apparel'] },
];

function nounTable(): { classLevel: NounEntry[]; superLevel: NounEntry[][]; generic: NounEntry } {
  const classLevel: NounEntry[] = [];
  for (let d = 0; d < 10; d++) {
    const w = DIGIT_WORDS[d];
    classLevel.push({
      mask: 1 << d,
      forms: [a(w), the(`digit ${w}`), the(`number ${w}`), the(`number ${d}`), a(`handwritten ${w}`), a(`${d}`)],
    });
  }
  for (let c = 0; c < 10; c++) {
    const forms = [a(FASHION_CLASSES[c].toLowerCase()), ...FASHION_FORMS[c].map(a)];
    classLevel.push({ mask: 1 << (10 + c), forms });
  }
  const digitSuper: NounEntry = { mask: ALL_DIGITS, forms: [a('digit'), a('number'), a('handwritten digit'), a('numeral')] };
  // Digit ranges, as the colored-MNIST classes are named ("digit 0-4", "digit 5-9").
  const low: NounEntry = { mask: maskOf([0, 1, 2, 3, 4]), forms: [a('digit 0-4'), a('digit from 0 to 4'), a('digit below five'), a('digit less than five'), a('low digit')] };
  const high: NounEntry = { mask: maskOf([5, 6, 7, 8, 9]), forms: [a('digit 5-9'), a('digit from 5 to 9'), a('digit above four'), a('digit greater than four'), a('high digit')] };
  const superLevel: NounEntry[][] = [];
  for (let g = 0; g < 20; g++) {
    if (g < 10) superLevel.push([digitSuper, digitSuper, g < 5 ? low : high]);
    else {
      const c = g - 10;
      superLevel.push(
        FASHION_SUPERCLASSES.filter((s) => s.classes.includes(c)).map((s) => ({
          mask: maskOf(s.classes.map((k) => 10 + k)),
          forms: s.forms.map(a),
        })),
      );
    }
  }
  const generic: NounEntry = { mask: ALL_DIGITS | ALL_FASHION, forms: [a('object'), a('thing'), a('item')] };
  return { classLevel, superLevel, generic };
}
const NOUNS = nounTable();

/** Adjectival (`adj`) and prepositional (`prep`) phrasings of one fact value. */
interface AttrPhrases {
  slot: number;
  value: number;
  adj: string[];
  prep: string[];
}

const COLOUR_WORDS: Record<ColourName, string[]> = {
  plain: ['white', 'gray', 'grayscale'],
  red: ['red'],
  green: ['green'],
  blue: ['blue'],
  yellow: ['yellow'],
  purple: ['purple', 'magenta', 'violet'],
  cyan: ['cyan', 'turquoise'],
  orange: ['orange'],
};

function colourPhrases(c: number): AttrPhrases {
  const words = COLOUR_WORDS[COLOURS[c]];
  const prep = words.flatMap((w) => [`in ${w}`, `colored ${w}`, `tinted ${w}`]);
  if (COLOURS[c] === 'plain') prep.push('in black and white', 'without color');
  return { slot: SLOT.colour, value: c, adj: words, prep };
}

const ATTRS: AttrPhrases[] = [
  { slot: SLOT.brightness, value: FACT.brightness.dark, adj: ['dark', 'dim', 'faint'], prep: ['with dark pixels'] },
  { slot: SLOT.brightness, value: FACT.brightness.bright, adj: ['bright', 'light', 'brilliant'], prep: ['with bright pixels'] },
  { slot: SLOT.thickness, value: FACT.thickness.thin, adj: ['thin', 'thin-stroked', 'skinny'], prep: ['with thin strokes', 'written with a thin pen'] },
  { slot: SLOT.thickness, value: FACT.thickness.thick, adj: ['thick', 'bold', 'thick-stroked'], prep: ['with thick strokes', 'written with a thick pen'] },
  { slot: SLOT.size, value: FACT.size.small, adj: ['small', 'tiny', 'little'], prep: ['shrunk to a small size'] },
  { slot: SLOT.size, value: FACT.size.full, adj: ['large', 'big', 'full-size'], prep: ['filling the frame'] },
  { slot: SLOT.hpos, value: FACT.hpos.left, adj: [], prep: ['on the left', 'on the left side', 'shifted left'] },
  { slot: SLOT.hpos, value: FACT.hpos.right, adj: [], prep: ['on the right', 'on the right side', 'shifted right'] },
  { slot: SLOT.vpos, value: FACT.vpos.upper, adj: [], prep: ['in the upper half', 'near the upper edge', 'shifted up'] },
  { slot: SLOT.vpos, value: FACT.vpos.lower, adj: [], prep: ['in the lower half', 'near the lower edge', 'shifted down'] },
  { slot: SLOT.slant, value: FACT.slant.left, adj: ['left-leaning'], prep: ['slanted to the left', 'leaning left', 'tilted to the left'] },
  { slot: SLOT.slant, value: FACT.slant.right, adj: ['right-leaning'], prep: ['slanted to the right', 'leaning right', 'tilted to the right'] },
  { slot: SLOT.upsideDown, value: FACT.upsideDown.yes, adj: ['upside-down', 'inverted'], prep: ['upside down', 'turned upside down', 'rotated upside down'] },
];
const CENTRED_PHRASES = ['in the center', 'in the middle', 'centered'];

/** Caption frames; `{np}` is the full noun phrase with article, `{adj}` adjectives, `{pp}` prepositions. */
const FRAMES = [
  'a photo of {np}{pp}',
  'a photo of {np}{pp}',
  'a picture of {np}{pp}',
  'an image of {np}{pp}',
  '{np}{pp}',
  'this is {np}{pp}',
  'a close-up photo of {np}{pp}',
];
const FRAMES_PREDICATIVE = ['a photo of {bare} that is {adj}{pp}', '{bare} that is {adj}{pp}', 'the {noun} is {adj}{pp}'];

function withArticle(article: string, words: string): string {
  if (article === 'a' && /^[aeiou]/.test(words)) return `an ${words}`;
  return article ? `${article} ${words}` : words;
}

function pick<T>(rng: Random, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

/** How likely each kind of fact is to be mentioned when it is available. */
const MENTION_P = {
  colourTinted: 0.7,
  colourPlain: 0.25,
  brightness: 0.3,
  thickness: 0.35,
  small: 0.55,
  full: 0.06,
  position: 0.5,
  centred: 0.15,
  slant: 0.3,
  upsideDown: 0.85,
};

/**
 * Draws one caption that is true of an image with the given facts: a noun at class, superclass or
 * generic level, a random subset of its attributes, each phrased as an adjective or a preposition,
 * inside a random frame ("a photo of a {adj} {noun} {prep}", "a {noun} that is {adj}", ...).
 *
 * @example
 * ```ts
 * const facts = Int8Array.from([17, 2, 0, 0, 2, 3, 3, 0, 0]); // a green sneaker, full size, centred
 * generateCaption(facts, new fd.Random(1)).text; // e.g. 'a photo of a green sneaker'
 * ```
 */
export function generateCaption(facts: Facts, rng: Random): GeneratedCaption {
  const g = facts[0];
  const mentions: Mention[] = [];
  // Noun: class level most of the time, since class names are what zero-shot prompts use.
  const u = rng.next();
  let entry: NounEntry;
  if (u < 0.6) entry = NOUNS.classLevel[g];
  else if (u < 0.88) entry = pick(rng, NOUNS.superLevel[g]);
  else entry = NOUNS.generic;
  const noun = pick(rng, entry.forms);
  mentions.push({ slot: 0, value: entry.mask });

  const adjs: string[] = [];
  const preps: string[] = [];
  const say = (p: AttrPhrases) => {
    mentions.push({ slot: p.slot, value: p.value });
    const asAdj = p.adj.length > 0 && (p.prep.length === 0 || rng.next() < 0.6);
    if (asAdj) adjs.push(pick(rng, p.adj));
    else preps.push(pick(rng, p.prep));
  };
  const colour = facts[SLOT.colour];
  if (rng.next() < (colour === 0 ? MENTION_P.colourPlain : MENTION_P.colourTinted)) say(colourPhrases(colour));
  for (const p of ATTRS) {
    if (facts[p.slot] !== p.value) continue;
    let prob: number;
    switch (p.slot) {
      case SLOT.brightness: prob = MENTION_P.brightness; break;
      case SLOT.thickness: prob = MENTION_P.thickness; break;
      case SLOT.size: prob = p.value === FACT.size.small ? MENTION_P.small : MENTION_P.full; break;
      case SLOT.hpos: case SLOT.vpos: prob = MENTION_P.position; break;
      case SLOT.slant: prob = MENTION_P.slant; break;
      default: prob = MENTION_P.upsideDown;
    }
    if (rng.next() < prob) say(p);
  }
  if (facts[SLOT.hpos] === FACT.hpos.centre && facts[SLOT.vpos] === FACT.vpos.centre && facts[SLOT.size] === FACT.size.small && rng.next() < MENTION_P.centred) {
    mentions.push({ slot: SLOT.hpos, value: FACT.hpos.centre }, { slot: SLOT.vpos, value: FACT.vpos.centre });
    preps.push(pick(rng, CENTRED_PHRASES));
  }
  rng.shuffle(adjs);
  rng.shuffle(preps);

  const pp = preps.length ? ' ' + preps.join(' ') : '';
  let text: string;
  if (adjs.length > 0 && rng.next() < 0.2) {
    const frame = pick(rng, FRAMES_PREDICATIVE);
    const adjText = adjs.length > 1 ? adjs.slice(0, -1).join(', ') + ' and ' + adjs[adjs.length - 1] : adjs[0];
    text = frame
      .replace('{bare}', withArticle(noun.article, noun.text))
      .replace('{noun}', noun.text)
      .replace('{adj}', adjText)
      .replace('{pp}', pp);
  } else {
    const frame = pick(rng, FRAMES);
    const words = [...adjs, noun.text].join(' ');
    // "the digit seven" keeps its article; adjectives go after it: "the red digit seven".
    text = frame.replace('{np}', withArticle(noun.article || 'a', words)).replace('{pp}', pp);
  }
  return { text, mentions };
}

const HYPHENATED_WORDS = new Set(['t-shirt']);

/**
 * Every word the caption generator can emit (sorted): the text tower's vocabulary, so that every
 * vocabulary word is trained.
 *
 * @example
 * ```ts
 * captionVocabulary(tokenize).includes('sneaker'); // true
 * ```
 */
export function captionVocabulary(tokenize: (s: string) => string[]): string[] {
  const texts: string[] = [...FRAMES, ...FRAMES_PREDICATIVE, 'an', 'and', ...CENTRED_PHRASES];
  for (const e of [...NOUNS.classLevel, ...NOUNS.superLevel.flat(), NOUNS.generic]) for (const f of e.forms) texts.push(f.article, f.text);
  for (let c = 0; c < COLOURS.length; c++) {
    const p = colourPhrases(c);
    texts.push(...p.adj, ...p.prep);
  }
  for (const p of ATTRS) texts.push(...p.adj, ...p.prep);
  const words = new Set<string>();
  for (const t of texts) {
    for (const w of tokenize(t.replace(/\{[a-z]+\}/g, ' '))) {
      // Hyphenated compounds are learnt through their parts ("upside-down" = "upside down"), except
      // where the compound is the only name of the thing.
      const parts = w.includes('-') && !HYPHENATED_WORDS.has(w) ? w.split('-') : [w];
      for (const part of parts) if (part && !/^[0-9]+$/.test(part)) words.add(part); // numerals read as number words
    }
  }
  return [...words].sort();
}
