/**
 * The captioned image pool the joint encoder trains on: grayscale digits and clothes, redrawn every
 * epoch with a random tint, size, placement and orientation, each paired with a caption drawn from
 * the facts of that rendering (see `caption-templates.ts`).
 */
import type { Random } from '../util/random';
import { measurePixels, quantile, renderRgb, type RenderSpec } from './attributes';
import { COLOURS, FACT, SLOT, FACT_SLOTS, generateCaption, type Facts, type Mention } from './caption-templates';

/** Base tint of each colour (RGB multipliers), indexed like {@link COLOURS}. */
export const TINTS: [number, number, number][] = [
  [1, 1, 1], // plain
  [1, 0, 0], // red
  [0, 1, 0], // green
  [0, 0, 1], // blue
  [1, 1, 0], // yellow
  [0.8, 0, 1], // purple
  [0, 1, 1], // cyan
  [1, 0.5, 0], // orange
];

/** Grayscale source images of the pool. */
export interface PoolSource {
  /** `n` grayscale `size` x `size` images back to back, one byte per pixel. */
  images: Uint8Array;
  size: number;
  /** Per image: the digit (0..9) or 10 + the Fashion-MNIST class (10..19). */
  groups: Int32Array;
}

/** How images are redrawn. Probabilities are per image per epoch. */
export interface PoolOptions {
  /** Chance a digit is tinted with a colour (else drawn plain white). */
  digitTint: number;
  /** Chance a clothing item is tinted. */
  fashionTint: number;
  /** Chance an image is shrunk (scale 0.5..0.75) and placed anywhere in the frame. */
  shrink: number;
  /** Chance a clothing item is turned upside down. */
  upsideDown: number;
  /** How many times each digit appears per epoch (digits are fewer than clothes). */
  digitRepeats: number;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  digitTint: 0.85,
  fashionTint: 0.25,
  shrink: 0.2,
  upsideDown: 0.04,
  digitRepeats: 4,
};

/** Thresholds that turn pixel measurements into facts; stored with the weights for the record. */
export interface FactThresholds {
  digitBrightness: [number, number];
  fashionBrightness: [number, number];
  digitThickness: [number, number];
  digitSlant: [number, number];
}

/** One rendered batch. */
export interface PoolBatch {
  /** [B, size, size, 3] floats in [0, 1]. */
  images: Float32Array;
  /** B x FACT_SLOTS facts, one Int8Array view per image. */
  facts: Facts[];
  captions: string[];
  mentions: Mention[][];
}

/**
 * A pool of source images with their measured pixel facts.
 *
 * @example
 * ```ts
 * const pool = new TrainingPool({ images: split.images, size: 28, groups: Int32Array.from(split.labels) });
 * const rng = new fd.Random(0);
 * const order = pool.epochOrder(rng);
 * const batch = pool.render(order.subarray(0, 128), rng);
 * batch.captions[0]; // e.g. 'a photo of a small green seven on the left'
 * ```
 */
export class TrainingPool {
  readonly source: PoolSource;
  readonly options: PoolOptions;
  readonly thresholds: FactThresholds;
  private readonly brightness: Float32Array;
  private readonly thickness: Float32Array;
  private readonly slant: Float32Array;

  constructor(source: PoolSource, options: Partial<PoolOptions> = {}) {
    const { images, size, groups } = source;
    const n = groups.length;
    if (images.length !== n * size * size) {
      throw new RangeError(`TrainingPool: ${images.length} pixels for ${n} images of ${size}x${size} (expected ${n * size * size})`);
    }
    for (let i = 0; i < n; i++) {
      if (!(groups[i] >= 0 && groups[i] < 20)) throw new RangeError(`TrainingPool: image ${i} has group ${groups[i]} outside 0..19`);
    }
    this.source = source;
    this.options = { ...DEFAULT_POOL_OPTIONS, ...options };
    this.brightness = new Float32Array(n);
    this.thickness = new Float32Array(n);
    this.slant = new Float32Array(n);
    const digit: number[] = [];
    const fashion: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = measurePixels(images, i * size * size, size, size);
      this.brightness[i] = s.brightness;
      this.thickness[i] = s.thickness;
      this.slant[i] = s.slant;
      (groups[i] < 10 ? digit : fashion).push(i);
    }
    const q = (idx: number[], arr: Float32Array, lo: number, hi: number): [number, number] => {
      const vals = idx.map((i) => arr[i]);
      return idx.length ? [quantile(vals, lo), quantile(vals, hi)] : [NaN, NaN];
    };
    this.thresholds = {
      // MNIST strokes are mostly saturated, so only the extremes are called dark or bright.
      digitBrightness: q(digit, this.brightness, 0.2, 0.8),
      fashionBrightness: q(fashion, this.brightness, 0.3, 0.7),
      digitThickness: q(digit, this.thickness, 0.3, 0.7),
      digitSlant: q(digit, this.slant, 0.2, 0.8),
    };
  }

  get size(): number {
    return this.source.groups.length;
  }

  /** A shuffled epoch: every clothing item once, every digit `digitRepeats` times. */
  epochOrder(rng: Random): Int32Array {
    const { groups } = this.source;
    const order: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const reps = groups[i] < 10 ? this.options.digitRepeats : 1;
      for (let r = 0; r < reps; r++) order.push(i);
    }
    return rng.shuffle(Int32Array.from(order));
  }

  /** Draws a random rendering of image `i` and the facts it makes true. */
  private drawSpec(i: number, rng: Random): { spec: RenderSpec; facts: Facts } {
    const o = this.options;
    const g = this.source.groups[i];
    const isDigit = g < 10;
    const facts = new Int8Array(FACT_SLOTS.length);
    facts[SLOT.group] = g;

    let colour = 0;
    if (rng.next() < (isDigit ? o.digitTint : o.fashionTint)) colour = 1 + rng.int(COLOURS.length - 1);
    facts[SLOT.colour] = colour;
    let tint: [number, number, number];
    if (colour === 0) {
      const v = 0.8 + 0.2 * rng.next();
      tint = [v, v, v];
    } else {
      // Jitter each channel so "red" is a region of colour space, not one point.
      tint = TINTS[colour].map((c) => (c === 1 ? 1 - 0.18 * rng.next() : c === 0 ? 0.15 * rng.next() : c + 0.2 * (rng.next() * 2 - 1))) as [number, number, number];
    }

    const upside = !isDigit && rng.next() < o.upsideDown;
    if (upside) facts[SLOT.upsideDown] = FACT.upsideDown.yes;

    let scale = 1;
    let dx = 0;
    let dy = 0;
    if (rng.next() < o.shrink) {
      scale = 0.5 + 0.25 * rng.next();
      // Keep the object (about 20 px at full size) inside the frame.
      const room = Math.max(0, (this.source.size - 20 * scale) / 2 - 1);
      dx = (rng.next() * 2 - 1) * room;
      dy = (rng.next() * 2 - 1) * room;
      facts[SLOT.size] = FACT.size.small;
      facts[SLOT.hpos] = dx < -2.5 ? FACT.hpos.left : dx > 2.5 ? FACT.hpos.right : Math.abs(dx) <= 1 ? FACT.hpos.centre : 0;
      facts[SLOT.vpos] = dy < -2.5 ? FACT.vpos.upper : dy > 2.5 ? FACT.vpos.lower : Math.abs(dy) <= 1 ? FACT.vpos.centre : 0;
    } else {
      facts[SLOT.size] = FACT.size.full;
      facts[SLOT.hpos] = FACT.hpos.centre;
      facts[SLOT.vpos] = FACT.vpos.centre;
    }

    // Brightness only on untinted images: a tint changes how bright the image looks.
    if (colour === 0) {
      const [lo, hi] = isDigit ? this.thresholds.digitBrightness : this.thresholds.fashionBrightness;
      const b = this.brightness[i];
      facts[SLOT.brightness] = b <= lo ? FACT.brightness.dark : b >= hi ? FACT.brightness.bright : 0;
    }
    if (isDigit) {
      if (scale === 1) {
        const [lo, hi] = this.thresholds.digitThickness;
        const t = this.thickness[i];
        facts[SLOT.thickness] = t <= lo ? FACT.thickness.thin : t >= hi ? FACT.thickness.thick : 0;
      }
      const [lo, hi] = this.thresholds.digitSlant;
      const s = this.slant[i];
      facts[SLOT.slant] = s <= lo ? FACT.slant.left : s >= hi ? FACT.slant.right : 0;
    }
    return { spec: { tint, scale, dx, dy, rot180: upside }, facts };
  }

  /** Renders the images at `indices` with fresh random draws and one caption each. */
  render(indices: ArrayLike<number>, rng: Random): PoolBatch {
    const size = this.source.size;
    const px = size * size;
    const images = new Float32Array(indices.length * px * 3);
    const facts: Facts[] = [];
    const captions: string[] = [];
    const mentions: Mention[][] = [];
    for (let b = 0; b < indices.length; b++) {
      const i = indices[b];
      const { spec, facts: f } = this.drawSpec(i, rng);
      renderRgb(this.source.images, i * px, size, images, b * px * 3, spec);
      const cap = generateCaption(f, rng);
      facts.push(f);
      captions.push(cap.text);
      mentions.push(cap.mentions);
    }
    return { images, facts, captions, mentions };
  }
}
