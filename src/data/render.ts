/**
 * Drawing a grayscale image as an RGB one, tinted, scaled, shifted and rotated: how the joint
 * encoder's training pool makes facts true by construction ("a small red digit on the left"), and
 * how benchmarks plant a spurious attribute the encoder can name (`spuriousAttribute`).
 */

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
