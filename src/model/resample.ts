/**
 * Pillow's image resampling (`PIL.Image.resize`, which torchvision's `Resize` calls on PIL images),
 * reproduced pixel for pixel: separable convolution, horizontal pass first, antialiased when
 * shrinking (the filter support widens by the scale factor), coefficients normalised per output
 * pixel over the in-range taps and rounded to 22-bit fixed point, uint8 rounding after each pass.
 * NEAREST follows Pillow's affine scaling (`floor((x + 0.5) * scale)`, accumulated as Pillow does).
 *
 * Why our own code and not sharp: libvips (behind sharp) differs from Pillow by up to 10 grey levels
 * when shrinking (it box-shrinks first and quantises sub-pixel positions) and shifts or blackens the
 * borders when enlarging (measured on this machine, sharp 0.35 / libvips 8.18). A model trained with
 * torchvision transforms must see the same pixels, to one grey level, or its features drift; no
 * npm package reproduces Pillow's resampler. Sharp stays available as the faster `resampler: 'sharp'`.
 */

/** Pillow's resampling filters (`PIL.Image.Resampling`). */
export type Interpolation = 'nearest' | 'box' | 'bilinear' | 'hamming' | 'bicubic' | 'lanczos';

interface Filter {
  support: number;
  f(x: number): number;
}

const sinc = (x: number): number => {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
};

const FILTERS: Record<Exclude<Interpolation, 'nearest'>, Filter> = {
  box: { support: 0.5, f: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: {
    support: 1,
    f: (x) => {
      if (x < 0) x = -x;
      return x < 1 ? 1 - x : 0;
    },
  },
  hamming: {
    support: 1,
    f: (x) => {
      if (x < 0) x = -x;
      if (x === 0) return 1;
      if (x >= 1) return 0;
      x *= Math.PI;
      return (Math.sin(x) / x) * (0.54 + 0.46 * Math.cos(x));
    },
  },
  bicubic: {
    support: 2,
    f: (x) => {
      const a = -0.5; // Pillow's (and Catmull-Rom's) bicubic
      if (x < 0) x = -x;
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  lanczos: {
    support: 3,
    f: (x) => (x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0),
  },
};

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** Fixed-point taps of one resampling pass: for output pixel `o`, input `bounds[2o] + t` with weight `k[o * ksize + t]`. */
interface Coeffs {
  ksize: number;
  bounds: Int32Array;
  k: Int32Array;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for a whole-image box. */
function coeffs(inSize: number, outSize: number, filter: Filter): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = filter.f((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x] / ww : w[x];
      k[o * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    bounds[2 * o] = xmin;
    bounds[2 * o + 1] = xmax;
  }
  return { ksize, bounds, k };
}

const clip8 = (ss: number): number => {
  const v = Math.floor(ss / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

/** A reusable resizer from `inH x inW` to `outH x outW` (C interleaved channels), Pillow's algorithm. */
export class PillowResizer {
  private readonly h?: Coeffs;
  private readonly v?: Coeffs;
  private readonly nearestX?: Int32Array;
  private readonly nearestY?: Int32Array;
  private readonly tmp: Uint8Array;
  private readonly rowFirst: number;
  private readonly rowLast: number;

  constructor(
    readonly inH: number,
    readonly inW: number,
    readonly outH: number,
    readonly outW: number,
    readonly channels: number,
    readonly interpolation: Interpolation,
  ) {
    for (const [n, v] of Object.entries({ inH, inW, outH, outW, channels })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`resize: ${n} must be a positive integer, got ${v}`);
    }
    if (interpolation === 'nearest') {
      this.nearestX = nearestTable(inW, outW);
      this.nearestY = nearestTable(inH, outH);
      this.tmp = new Uint8Array(0);
      this.rowFirst = 0;
      this.rowLast = inH;
      return;
    }
    const filter = FILTERS[interpolation];
    if (!filter) throw new RangeError(`resize: unknown interpolation '${interpolation}' (use ${['nearest', ...Object.keys(FILTERS)].join(', ')})`);
    if (outW !== inW) this.h = coeffs(inW, outW, filter);
    if (outH !== inH) this.v = coeffs(inH, outH, filter);
    // The horizontal pass only needs the rows the vertical pass reads (as Pillow does).
    this.rowFirst = this.v ? this.v.bounds[0] : 0;
    this.rowLast = this.v ? this.v.bounds[2 * outH - 2] + this.v.bounds[2 * outH - 1] : inH;
    this.tmp = new Uint8Array(this.h && this.v ? (this.rowLast - this.rowFirst) * outW * channels : 0);
  }

  /** Resizes the image at `src[srcOff..]` into `dst[dstOff..]` (both `H x W x C` uint8). */
  run(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
    const C = this.channels;
    if (this.nearestX && this.nearestY) {
      const xs = this.nearestX;
      const ys = this.nearestY;
      for (let y = 0; y < this.outH; y++) {
        const srow = srcOff + ys[y] * this.inW * C;
        const drow = dstOff + y * this.outW * C;
        for (let x = 0; x < this.outW; x++) for (let c = 0; c < C; c++) dst[drow + x * C + c] = src[srow + xs[x] * C + c];
      }
      return;
    }
    if (!this.h && !this.v) {
      dst.set(src.subarray(srcOff, srcOff + this.inH * this.inW * C), dstOff);
      return;
    }
    if (this.h && !this.v) {
      horizontal(src, srcOff, this.inW, dst, dstOff, this.outW, 0, this.inH, C, this.h);
      return;
    }
    if (!this.h && this.v) {
      vertical(src, srcOff, this.inW, dst, dstOff, this.outH, 0, C, this.v);
      return;
    }
    horizontal(src, srcOff, this.inW, this.tmp, 0, this.outW, this.rowFirst, this.rowLast - this.rowFirst, C, this.h!);
    vertical(this.tmp, 0, this.outW, dst, dstOff, this.outH, this.rowFirst, C, this.v!);
  }
}

function nearestTable(inSize: number, outSize: number): Int32Array {
  // Pillow's ImagingScaleAffine: xo = 0.5 * a; xo += a per pixel; COORD = truncation (floor for >= 0).
  const a = inSize / outSize;
  const t = new Int32Array(outSize);
  let xo = a * 0.5;
  for (let x = 0; x < outSize; x++) {
    t[x] = Math.min(inSize - 1, Math.max(0, Math.trunc(xo)));
    xo += a;
  }
  return t;
}

/** Rows `firstRow .. firstRow + rows - 1` of `src` (width `inW`) resized horizontally into `dst` rows `0..rows-1`. */
function horizontal(src: Uint8Array, srcOff: number, inW: number, dst: Uint8Array, dstOff: number, outW: number, firstRow: number, rows: number, C: number, co: Coeffs): void {
  const { ksize, bounds, k } = co;
  for (let y = 0; y < rows; y++) {
    const srow = srcOff + (y + firstRow) * inW * C;
    const drow = dstOff + y * outW * C;
    for (let x = 0; x < outW; x++) {
      const xmin = bounds[2 * x];
      const xmax = bounds[2 * x + 1];
      const kb = x * ksize;
      for (let c = 0; c < C; c++) {
        let ss = HALF;
        for (let t = 0; t < xmax; t++) ss += src[srow + (xmin + t) * C + c] * k[kb + t];
        dst[drow + x * C + c] = clip8(ss);
      }
    }
  }
}

/** Vertical pass: output row `y` reads source rows `bounds[2y] - rowShift ..`. */
function vertical(src: Uint8Array, srcOff: number, W: number, dst: Uint8Array, dstOff: number, outH: number, rowShift: number, C: number, co: Coeffs): void {
  const { ksize, bounds, k } = co;
  const stride = W * C;
  for (let y = 0; y < outH; y++) {
    const ymin = bounds[2 * y] - rowShift;
    const ymax = bounds[2 * y + 1];
    const kb = y * ksize;
    const drow = dstOff + y * stride;
    for (let i = 0; i < stride; i++) {
      let ss = HALF;
      for (let t = 0; t < ymax; t++) ss += src[srcOff + (ymin + t) * stride + i] * k[kb + t];
      dst[drow + i] = clip8(ss);
    }
  }
}
