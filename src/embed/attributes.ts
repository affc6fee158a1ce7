/**
 * Pixel facts of small grayscale images (measured) and the tint / scale / shift / rotation
 * rendering (`data/render.ts`) that makes further facts true by construction. Both feed the joint encoder's training
 * captions (see `caption-templates.ts`).
 */

/** Measurements of one grayscale image. */
export interface PixelStats {
  /** Pixels at or above half intensity. */
  ink: number;
  /** Mean intensity (0..255) of the object's pixels (those above 1/8 intensity). */
  brightness: number;
  /** Stroke width estimate 2 * area / boundary length of the half-intensity mask, in pixels. */
  thickness: number;
  /** Horizontal shear of the intensity mass, dx per dy; > 0 leans right (top further right). */
  slant: number;
}

/**
 * Measures {@link PixelStats} of the grayscale image at `offset` in `pixels` (`height` x `width`,
 * one byte per pixel).
 *
 * @example
 * ```ts
 * const s = measurePixels(split.images, 5 * 784, 28, 28); // image 5 of a 28x28 grayscale split
 * s.thickness; // ~2..5 for MNIST strokes
 * ```
 */
export function measurePixels(pixels: Uint8Array, offset: number, height: number, width: number): PixelStats {
  let ink = 0;
  let boundary = 0;
  let objSum = 0;
  let objN = 0;
  let m = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = pixels[offset + y * width + x];
      if (v >= 32) {
        objSum += v;
        objN++;
      }
      m += v;
      sx += v * x;
      sy += v * y;
      if (v < 128) continue;
      ink++;
      const onEdge =
        x === 0 || y === 0 || x === width - 1 || y === height - 1 ||
        pixels[offset + y * width + x - 1] < 128 ||
        pixels[offset + y * width + x + 1] < 128 ||
        pixels[offset + (y - 1) * width + x] < 128 ||
        pixels[offset + (y + 1) * width + x] < 128;
      if (onEdge) boundary++;
    }
  }
  let slant = 0;
  if (m > 0) {
    const cx = sx / m;
    const cy = sy / m;
    let mu11 = 0;
    let mu02 = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = pixels[offset + y * width + x];
        if (v === 0) continue;
        mu11 += v * (x - cx) * (y - cy);
        mu02 += v * (y - cy) * (y - cy);
      }
    }
    // Image rows grow downwards, so a right lean has x falling as y grows.
    slant = mu02 > 0 ? -mu11 / mu02 : 0;
  }
  return {
    ink,
    brightness: objN > 0 ? objSum / objN : 0,
    thickness: boundary > 0 ? (2 * ink) / boundary : 0,
    slant,
  };
}

// The renderer lives in data/ (benchmarks draw with it too); re-exported for the encoder's pool.
export { renderRgb, type RenderSpec } from '../data/render';

/**
 * Value at quantile `q` (0..1) of `values` (linear interpolation; the input is not modified).
 *
 * @example
 * ```ts
 * quantile(Float64Array.from([1, 2, 3, 4]), 0.5); // 2.5
 * ```
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
