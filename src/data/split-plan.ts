/**
 * Shared plumbing for the benchmark builders: split sizes and independent seeded streams.
 */
import { Random } from '../util/random';

/** Names of the splits a benchmark produces. */
export type SplitName = 'train' | 'val' | 'unlabeled' | 'test';

/** Images per split. */
export type SplitSizes = Record<SplitName, number>;

/**
 * A seed for one purpose derived from the user's seed, so that e.g. the test split's colours do not
 * change when the train size changes.
 */
export function subSeed(seed: number, purpose: string): number {
  let h = (Math.floor(seed) ^ 0x2545f491) >>> 0;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A seeded stream for one purpose. */
export function streamFor(seed: number, purpose: string): Random {
  return new Random(subSeed(seed, purpose));
}

/** Checks user-supplied sizes against defaults and the available pool; names the offending split. */
export function resolveSizes(what: string, defaults: SplitSizes, given: Partial<SplitSizes> | undefined): SplitSizes {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(given ?? {})) {
    if (!(k in defaults)) throw new RangeError(`${what}: unknown split '${k}' in sizes (use train, val, unlabeled, test)`);
    if (!Number.isInteger(v) || (v as number) < 0) throw new RangeError(`${what}: sizes.${k} must be a non-negative integer, got ${v}`);
    out[k as SplitName] = v as number;
  }
  return out;
}

/** Checks a probability argument. */
export function checkProb(what: string, name: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${what}: ${name} must be a probability in [0, 1], got ${p}`);
}
