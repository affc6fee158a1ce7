/**
 * Pixel facts of small grayscale images (measured) and the tint / scale / shift / rotation
 * rendering that makes further facts true by construction. Both feed the joint encoder's training
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

/** How to draw one grayscale source image as an RGB training image. */
export interface RenderSpec {
  /** Per-channel multipliers applied to the gray intensity, each in [0, 1]. */
  tint: [number, number, number];
  /** Zoom about the centre (1 = unchanged, < 1 shrinks). */
  scale: number;
  /** Shift of the centre in output pixels (+x right, +y down). */
  dx: number;
  dy: number;
  /** Rotate by 180 degrees before scaling. */
  rot180: boolean;
}

/**
 * Renders a `size` x `size` grayscale image into `out` as RGB floats in [0, 1] (HWC order), tinted,
 * scaled, shifted and rotated per `spec`, with bilinear sampling and a black surround.
 *
 * @example
 * ```ts
 * const rgb = new Float32Array(28 * 28 * 3);
 * renderRgb(split.images, 0, 28, rgb, 0, { tint: [1, 0, 0], scale: 0.6, dx: -5, dy: 0, rot180: false });
 * ```
 */
export function renderRgb(src: Uint8Array, srcOffset: number, size: number, out: Float32Array, outOffset: number, spec: RenderSpec): void {
  const k = 1 / 255;
  const tr = spec.tint[0] * k;
  const tg = spec.tint[1] * k;
  const tb = spec.tint[2] * k;
  const n = size * size;
  if (spec.scale === 1 && spec.dx === 0 && spec.dy === 0 && !spec.rot180) {
    for (let p = 0, o = outOffset; p < n; p++, o += 3) {
      const g = src[srcOffset + p];
      out[o] = g * tr;
      out[o + 1] = g * tg;
      out[o + 2] = g * tb;
    }
    return;
  }
  const c = (size - 1) / 2;
  const inv = 1 / spec.scale;
  const last = size - 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let u = (x - c - spec.dx) * inv + c;
      let v = (y - c - spec.dy) * inv + c;
      if (spec.rot180) {
        u = last - u;
        v = last - v;
      }
      let g = 0;
      if (u > -1 && v > -1 && u < size && v < size) {
        const x0 = Math.floor(u);
        const y0 = Math.floor(v);
        const fx = u - x0;
        const fy = v - y0;
        // Bilinear weights of the four neighbours; those outside the image count as black.
        const inX0 = x0 >= 0;
        const inX1 = x0 + 1 <= last;
        const r0 = srcOffset + y0 * size;
        const r1 = r0 + size;
        let top = 0;
        let bottom = 0;
        if (y0 >= 0) top = (inX0 ? src[r0 + x0] * (1 - fx) : 0) + (inX1 ? src[r0 + x0 + 1] * fx : 0);
        if (y0 + 1 <= last) bottom = (inX0 ? src[r1 + x0] * (1 - fx) : 0) + (inX1 ? src[r1 + x0 + 1] * fx : 0);
        g = top * (1 - fy) + bottom * fy;
      }
      const o = outOffset + (y * size + x) * 3;
      out[o] = g * tr;
      out[o + 1] = g * tg;
      out[o + 2] = g * tb;
    }
  }
}

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
