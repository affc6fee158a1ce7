/**
 * Caption success, the paper's captioning check (Jain et al. 2023, Sec. 4): in the joint image-text
 * space, does the most negative caption of a class's failure direction name the subgroup that was
 * planted as its failure mode? Candidates and the name to look for come from the benchmark's
 * protocol ({@link captionSpecFor}).
 */
import { captionCandidates, rankCaptions, type CaptionCandidate } from '../directions/captions';
import type { FailureDirections } from '../directions/failure-directions';
import type { JointEncoder } from '../embed/encoder';

/** What to caption a benchmark's classes with, and what a successful top caption names. */
export interface CaptionSpec {
  /** Candidate captions for class `classId`. */
  candidates(classId: number): CaptionCandidate[];
  /** The word(s) the top caption must contain for class `classId` (null: nothing was planted). */
  target(classId: number): string | null;
  /** Whether candidate `c` names `target`. */
  names(c: CaptionCandidate, target: string): boolean;
}

/** One class's caption check. */
export interface CaptionOutcome {
  classId: number;
  className: string;
  target: string;
  /** The top (most negative) caption names the target. */
  success: boolean;
  top: string;
  /** 0-based rank of the first caption naming the target (-1: none does). */
  firstTargetRank: number;
  /** Fraction of candidates naming the target: the success rate of a random ranking. */
  chance: number;
  nCandidates: number;
}

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white'];
const DIGIT_ADJECTIVES = ['thin', 'thick', 'small', 'large', 'dark', 'bright'];
const DIGIT_PREPOSITIONS = [null, 'on the left', 'on the right', 'slanted to the left', 'slanted to the right'];

function digitCandidates(classId: number): CaptionCandidate[] {
  const words = classId === 0 ? DIGIT_WORDS.slice(0, 5) : DIGIT_WORDS.slice(5);
  return captionCandidates({ nouns: ['digit', 'number', ...words], adjectives: [null, ...COLOURS, ...DIGIT_ADJECTIVES], prepositions: DIGIT_PREPOSITIONS });
}

/** The protocol fields {@link captionSpecFor} recognises. */
interface AnyProtocol {
  tint?: { label0: string; label1: string };
  attribute?: 'size' | 'position';
  values?: [string, string];
  superclasses?: { name: string; classes: string[]; hidden: string }[];
}

/**
 * The caption check of a benchmark from its `protocol`: Colored MNIST (the minority tint),
 * `spuriousAttribute` (the minority's size, or its side for position), `hiddenSubclass` and
 * `rareSubclass` (the hidden subclass among the superclass's member classes, the paper's CIFAR-100
 * superclass captions). Null for splits without a known protocol.
 *
 * @example
 * ```ts
 * const spec = captionSpecFor(fd.coloredMnist({ trainCorr: 0.95 }));
 * spec!.target(0); // 'green': 'digit 0-4' is red in train, so its minority is green
 * ```
 */
export function captionSpecFor(splits: object): CaptionSpec | null {
  const p = (splits as { protocol?: AnyProtocol }).protocol;
  if (!p) return null;
  if (p.tint) {
    const minority = [p.tint.label1, p.tint.label0];
    return { candidates: digitCandidates, target: (c) => minority[c] ?? null, names: (k, t) => k.adjective === t };
  }
  if (p.attribute && p.values) {
    const values = p.values;
    if (p.attribute === 'size') return { candidates: digitCandidates, target: (c) => values[1 - c] ?? null, names: (k, t) => k.adjective === t };
    const side = (v: string) => `on the ${v}`;
    return { candidates: digitCandidates, target: (c) => (values[1 - c] ? side(values[1 - c]) : null), names: (k, t) => k.preposition === t };
  }
  if (p.superclasses) {
    const sc = p.superclasses;
    return { candidates: (c) => captionCandidates({ nouns: sc[c].classes }), target: (c) => sc[c]?.hidden ?? null, names: (k, t) => k.noun === t };
  }
  return null;
}

/**
 * Runs the caption check for every class with a failure direction (classes the SVM skipped, or
 * with no target, are left out).
 *
 * @example
 * ```ts
 * const outcomes = await checkCaptions(dirs, joint, captionSpecFor(splits)!);
 * outcomes.filter((o) => o.success).length;
 * ```
 */
export async function checkCaptions(fit: FailureDirections, encoder: JointEncoder, spec: CaptionSpec): Promise<CaptionOutcome[]> {
  const out: CaptionOutcome[] = [];
  const names = fit.classNames_ ?? [];
  const svms = fit.svms_ ?? [];
  for (let c = 0; c < svms.length; c++) {
    const target = spec.target(c);
    if (target === null || !svms[c]) continue;
    const cands = spec.candidates(c);
    const byCaption = new Map(cands.map((k) => [k.caption, k]));
    const rows = (await rankCaptions(fit, encoder, c, cands)).objects() as { caption: string }[];
    const first = rows.findIndex((r) => spec.names(byCaption.get(r.caption)!, target));
    out.push({
      classId: c,
      className: names[c] ?? String(c),
      target,
      success: first === 0,
      top: rows[0]?.caption ?? '',
      firstTargetRank: first,
      chance: cands.filter((k) => spec.names(k, target)).length / cands.length,
      nCandidates: cands.length,
    });
  }
  return out;
}
