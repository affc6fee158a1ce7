/**
 * The streaming scorer's hot loop: for each embedding row (float16 or float32, as read from a shard),
 * apply the fitted preprocessing (whiten with the train mean / std, L2-normalise) and the row's class
 * SVM in one pass, without materialising the preprocessed row:
 *
 *   t_j = (x_j - mean_j) / std_j,   score = (sum_j w_cj t_j) / ||t|| + b_c     (||t|| = 0: no scaling)
 *
 * which is `Preprocessor.transform` followed by `LinearSVC.decisionFunction` (Jain et al. 2023, the
 * paper's `SVMPreProcessing` + per-class SVM), in float64 throughout (the in-memory path rounds the
 * preprocessed rows to float32, so the two agree to ~1e-6 relative, not bit for bit).
 *
 * Why our own code: no library scores float16 rows against per-row weight vectors, and this loop is
 * the whole cost of scoring millions of rows. It is a small WebAssembly SIMD module assembled from the
 * bytes below (no toolchain): float16 is widened with integer SIMD (shift the exponent/mantissa into
 * float32 position, multiply by 2^112, or in the sign: exact, subnormals included), then promoted to
 * f64x2 for the arithmetic. `FD_NO_SIMD=1`, a runtime without wasm SIMD, or a row length that is not a
 * multiple of 8 use the plain JavaScript loop below (same formula, different summation order).
 *
 * A row holding NaN or ±Infinity (or a float16 inf/NaN pattern) is reported, not scored: `score`
 * returns the first such row so the caller can name its shard, row and column.
 */
import { float16Table } from '../embed/npy';
import { F64, I32, section, simd, sleb, str, uleb, V128, vec } from '../util/wasm-encoder';

/** Parameters of the fused scorer, flattened from a fitted preprocessing + per-class SVMs. */
export interface ScoreParams {
  /** Feature count d. */
  cols: number;
  /** Per-feature mean (zeros when whitening is off). */
  mean: Float64Array;
  /** Per-feature 1 / std (ones when whitening is off). */
  invStd: Float64Array;
  /** L2-normalise after whitening. */
  normalize: boolean;
  /** Class weights, row-major `nClasses x cols`; rows of classes without an SVM are zeros. */
  coef: Float64Array;
  /** Intercept per class. */
  intercept: Float64Array;
  /** 1 for a class with a usable SVM, 0 for one without (its rows score NaN). */
  hasSvm: Uint8Array;
  nClasses: number;
}

/** Input element type of a window. */
export type RowKind = 'f2' | 'f4';

/** A scorer bound to one {@link ScoreParams}. */
export interface RowScorer {
  /** `'wasm-simd'` or `'js'`. */
  readonly engine: string;
  /**
   * Scores `rows` rows of raw little-endian `x` (float16 bits or float32) with class ids `labels`
   * (already checked to be in range) into `out`. Returns -1, or the first row holding a non-finite value.
   */
  score(x: Uint8Array, kind: RowKind, rows: number, labels: Int32Array, out: Float64Array): number;
  /**
   * A buffer of at least `bytes` inside the kernel's own memory: rows read into it are scored without
   * a copy (valid until the next call). Absent for the JavaScript kernel.
   */
  inputBuffer?(bytes: number): Buffer;
}

// ---------------------------------------------------------------- plain JavaScript

// npy's float16 decoding table, widened once to float64 (exact: every float16 is a float32) so the
// hot loop reads the type it computes in.
let f16Table64: Float64Array | null = null;
function f16Table(): Float64Array {
  return (f16Table64 ??= Float64Array.from(float16Table()));
}

function jsScorer(p: ScoreParams): RowScorer {
  const { cols: d, mean, invStd, normalize, coef, intercept, hasSvm } = p;
  const lut = f16Table();
  // One loop per input type keeps each monomorphic (a shared loop over Uint16Array | Float32Array is
  // several times slower in V8).
  const finish = (i: number, c: number, q: number, s: number, out: Float64Array) => {
    out[i] = hasSvm[c] ? (normalize && q > 0 ? s / Math.sqrt(q) : s) + intercept[c] : NaN;
  };
  const half = (src: Uint16Array, rows: number, labels: Int32Array, out: Float64Array): number => {
    let bad = -1;
    for (let i = 0; i < rows; i++) {
      const off = i * d;
      const c = labels[i];
      const wo = c * d;
      let q0 = 0, q1 = 0, s0 = 0, s1 = 0;
      let j = 0;
      for (; j + 1 < d; j += 2) {
        const t0 = (lut[src[off + j]] - mean[j]) * invStd[j];
        const t1 = (lut[src[off + j + 1]] - mean[j + 1]) * invStd[j + 1];
        q0 += t0 * t0;
        q1 += t1 * t1;
        s0 += t0 * coef[wo + j];
        s1 += t1 * coef[wo + j + 1];
      }
      if (j < d) {
        const t0 = (lut[src[off + j]] - mean[j]) * invStd[j];
        q0 += t0 * t0;
        s0 += t0 * coef[wo + j];
      }
      const q = q0 + q1;
      if (q - q !== 0 && bad < 0) bad = i;
      finish(i, c, q, s0 + s1, out);
    }
    return bad;
  };
  const single = (src: Float32Array, rows: number, labels: Int32Array, out: Float64Array): number => {
    let bad = -1;
    for (let i = 0; i < rows; i++) {
      const off = i * d;
      const c = labels[i];
      const wo = c * d;
      let q0 = 0, q1 = 0, s0 = 0, s1 = 0;
      let j = 0;
      for (; j + 1 < d; j += 2) {
        const t0 = (src[off + j] - mean[j]) * invStd[j];
        const t1 = (src[off + j + 1] - mean[j + 1]) * invStd[j + 1];
        q0 += t0 * t0;
        q1 += t1 * t1;
        s0 += t0 * coef[wo + j];
        s1 += t1 * coef[wo + j + 1];
      }
      if (j < d) {
        const t0 = (src[off + j] - mean[j]) * invStd[j];
        q0 += t0 * t0;
        s0 += t0 * coef[wo + j];
      }
      const q = q0 + q1;
      if (q - q !== 0 && bad < 0) bad = i;
      finish(i, c, q, s0 + s1, out);
    }
    return bad;
  };
  return {
    engine: 'js',
    score(x, kind, rows, labels, out) {
      return kind === 'f2'
        ? half(new Uint16Array(x.buffer, x.byteOffset, rows * d), rows, labels, out)
        : single(new Float32Array(x.buffer, x.byteOffset, rows * d), rows, labels, out);
    },
  };
}

// ---------------------------------------------------------------- WebAssembly SIMD

const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const OP = {
  i32add: [0x6a], i32sub: [0x6b], i32mul: [0x6c], i32geu: [0x4f], i32ltS: [0x48], i32eqz: [0x45], i32shl: [0x74],
  f64add: [0xa0], f64mul: [0xa2], f64div: [0xa3], f64sqrt: [0x9f], f64gt: [0x64],
  i32load: (off: number) => [0x28, 2, ...uleb(off)],
  f64load: (off: number) => [0x2b, 3, ...uleb(off)],
  f64store: (off: number) => [0x39, 3, ...uleb(off)],
  f64const: (v: number) => [0x44, ...new Uint8Array(new Float64Array([v]).buffer)],
  block: [0x02, 0x40], loop: [0x03, 0x40], ifv: [0x04, 0x40], ifF64: [0x04, F64], else: [0x05], end: [0x0b],
  br: (l: number) => [0x0c, ...uleb(l)], brIf: (l: number) => [0x0d, ...uleb(l)], select: [0x1b],
  v128load: (off: number) => simd(0x00, 4, ...uleb(off)),
  v128const: (bytes: number[]) => simd(0x0c, ...bytes),
  i32x4const: (v: number) => simd(0x0c, ...Array.from(new Uint8Array(new Int32Array([v, v, v, v]).buffer))),
  f32x4const: (v: number) => simd(0x0c, ...Array.from(new Uint8Array(new Float32Array([v, v, v, v]).buffer))),
  highToLow: simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15),
  f64x2extract: (lane: number) => simd(0x21, lane),
  i32x4eq: simd(0x37), and: simd(0x4e), or: simd(0x50), anyTrue: simd(0x53),
  promoteLow: simd(0x5f),
  extLowU16: simd(0xa9), extHighU16: simd(0xaa), i32x4shl: simd(0xab),
  f32x4mul: simd(0xe6),
  f64x2add: simd(0xf0), f64x2sub: simd(0xf1), f64x2mul: simd(0xf2),
};

/**
 * score(x, rows, d, kind, mean, inv, coef, bias, cls, out, norm) -> first non-finite row or -1.
 * All pointers are byte offsets; `cls[i]` < 0 means "no SVM" (score NaN); d is a multiple of 8.
 */
function scoreBody(): number[] {
  // params: 0 x, 1 rows, 2 d, 3 kind, 4 mean, 5 inv, 6 coef, 7 bias, 8 cls, 9 out, 10 norm
  const [X, ROWS, D, KIND, MEAN, INV, COEF, BIAS, CLS, OUT, NORM] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  // i32 locals 11..17, v128 locals 18..24, f64 locals 25..26
  const [I, PX, PM, PV, PW, PEND, C] = [11, 12, 13, 14, 15, 16, 17];
  const BAD = 18;
  const [Q0, Q1, S0, S1, H, F, FLAG] = [19, 20, 21, 22, 23, 24, 25];
  const [Q, S] = [26, 27];
  const T = 28; // f64x2 temporary of `two`
  /** One f64x2 `p` (on the stack) into accumulators (qa, sa); advances the mean / inv / weight pointers. */
  const two = (qa: number, sa: number) => [
    // t = (p - mean) * inv  -> kept in F temporarily? use the stack: compute t, then reuse via local H2
    ...get(PM), ...OP.v128load(0), ...OP.f64x2sub,
    ...get(PV), ...OP.v128load(0), ...OP.f64x2mul,
    ...set(T),
    ...get(qa), ...get(T), ...get(T), ...OP.f64x2mul, ...OP.f64x2add, ...set(qa),
    ...get(sa), ...get(T), ...get(PW), ...OP.v128load(0), ...OP.f64x2mul, ...OP.f64x2add, ...set(sa),
    ...get(PM), ...i32c(16), ...OP.i32add, ...set(PM),
    ...get(PV), ...i32c(16), ...OP.i32add, ...set(PV),
    ...get(PW), ...i32c(16), ...OP.i32add, ...set(PW),
  ];
  /** Four float32 lanes in local F -> two f64x2 halves. */
  const four = [
    ...get(F), ...OP.promoteLow, ...two(Q0, S0),
    ...get(F), ...get(F), ...OP.highToLow, ...OP.promoteLow, ...two(Q1, S1),
  ];
  /** Four float16 patterns (u32 lanes) in local H -> float32 lanes in F; non-finite patterns into FLAG. */
  const halves = [
    ...get(FLAG), ...get(H), ...OP.i32x4const(0x7c00), ...OP.and, ...OP.i32x4const(0x7c00), ...OP.i32x4eq, ...OP.or, ...set(FLAG),
    ...get(H), ...OP.i32x4const(0x7fff), ...OP.and, ...i32c(13), ...OP.i32x4shl, ...OP.f32x4const(2 ** 112), ...OP.f32x4mul,
    ...get(H), ...OP.i32x4const(0x8000), ...OP.and, ...i32c(16), ...OP.i32x4shl, ...OP.or,
    ...set(F),
  ];
  const zero = OP.v128const(new Array(16).fill(0));
  const code = [
    ...i32c(-1), ...set(BAD),
    ...get(X), ...set(PX),
    ...i32c(0), ...set(I),
    ...OP.block, ...OP.loop,
    ...get(I), ...get(ROWS), ...OP.i32geu, ...OP.brIf(1),
    ...get(CLS), ...get(I), ...i32c(2), ...OP.i32shl, ...OP.i32add, ...OP.i32load(0), ...set(C),
    // weights of the row's class (class 0's for a row without an SVM: computed, then replaced by NaN)
    ...get(COEF), ...i32c(0), ...get(C), ...get(C), ...i32c(0), ...OP.i32ltS, ...OP.select, ...get(D), ...OP.i32mul, ...i32c(3), ...OP.i32shl, ...OP.i32add, ...set(PW),
    ...get(MEAN), ...set(PM),
    ...get(INV), ...set(PV),
    ...zero, ...set(Q0), ...zero, ...set(Q1), ...zero, ...set(S0), ...zero, ...set(S1), ...zero, ...set(FLAG),
    ...get(KIND), ...OP.i32eqz,
    ...OP.ifv,
    // float16: 8 values (16 bytes) per step
    ...get(PX), ...get(D), ...i32c(1), ...OP.i32shl, ...OP.i32add, ...set(PEND),
    ...OP.block, ...OP.loop,
    ...get(PX), ...get(PEND), ...OP.i32geu, ...OP.brIf(1),
    ...get(PX), ...OP.v128load(0), ...OP.extLowU16, ...set(H), ...halves, ...four,
    ...get(PX), ...OP.v128load(0), ...OP.extHighU16, ...set(H), ...halves, ...four,
    ...get(PX), ...i32c(16), ...OP.i32add, ...set(PX),
    ...OP.br(0), ...OP.end, ...OP.end,
    ...OP.else,
    // float32: 4 values per step
    ...get(PX), ...get(D), ...i32c(2), ...OP.i32shl, ...OP.i32add, ...set(PEND),
    ...OP.block, ...OP.loop,
    ...get(PX), ...get(PEND), ...OP.i32geu, ...OP.brIf(1),
    ...get(PX), ...OP.v128load(0), ...set(F),
    ...get(FLAG), ...get(F), ...OP.i32x4const(0x7f800000), ...OP.and, ...OP.i32x4const(0x7f800000), ...OP.i32x4eq, ...OP.or, ...set(FLAG),
    ...four,
    ...get(PX), ...i32c(16), ...OP.i32add, ...set(PX),
    ...OP.br(0), ...OP.end, ...OP.end,
    ...OP.end,
    // first non-finite row
    ...get(FLAG), ...OP.anyTrue, ...get(BAD), ...i32c(0), ...OP.i32ltS, ...[0x71] /* i32.and */, ...OP.ifv, ...get(I), ...set(BAD), ...OP.end,
    ...get(Q0), ...get(Q1), ...OP.f64x2add, ...set(Q0),
    ...get(Q0), ...OP.f64x2extract(0), ...get(Q0), ...OP.f64x2extract(1), ...OP.f64add, ...set(Q),
    ...get(S0), ...get(S1), ...OP.f64x2add, ...set(S0),
    ...get(S0), ...OP.f64x2extract(0), ...get(S0), ...OP.f64x2extract(1), ...OP.f64add, ...set(S),
    // out[i] = c < 0 ? NaN : (norm && q > 0 ? s / sqrt(q) : s) + bias[c]
    ...get(OUT), ...get(I), ...i32c(3), ...OP.i32shl, ...OP.i32add,
    ...get(C), ...i32c(0), ...OP.i32ltS,
    ...OP.ifF64,
    ...OP.f64const(NaN),
    ...OP.else,
    ...get(S), ...get(Q), ...OP.f64sqrt, ...OP.f64div, ...get(S),
    ...get(NORM), ...get(Q), ...OP.f64const(0), ...OP.f64gt, ...[0x71],
    ...OP.select,
    ...get(BIAS), ...get(C), ...i32c(3), ...OP.i32shl, ...OP.i32add, ...OP.f64load(0), ...OP.f64add,
    ...OP.end,
    ...OP.f64store(0),
    ...get(I), ...i32c(1), ...OP.i32add, ...set(I),
    ...OP.br(0), ...OP.end, ...OP.end,
    ...get(BAD),
    ...OP.end,
  ];
  const locals = vec([[...uleb(8), I32], [...uleb(7), V128], [...uleb(2), F64], [...uleb(1), V128]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const params = new Array(11).fill([I32]) as number[][];
  const types = section(1, vec([[0x60, ...vec(params), ...vec([[I32]])]]));
  const funcs = section(3, vec([uleb(0)]));
  const memory = section(5, vec([[0x00, ...uleb(1)]]));
  const exports = section(7, vec([
    [...str('memory'), 0x02, ...uleb(0)],
    [...str('score'), 0x00, ...uleb(0)],
  ]));
  const code = section(10, vec([scoreBody()]));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...funcs, ...memory, ...exports, ...code]);
}

type WasmScore = (x: number, rows: number, d: number, kind: number, mean: number, inv: number, coef: number, bias: number, cls: number, out: number, norm: number) => number;

let compiled: WebAssembly.Module | null | undefined;
function wasmModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = moduleBytes();
    compiled = typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;

function wasmScorer(p: ScoreParams, mod: WebAssembly.Module): RowScorer {
  const inst = new WebAssembly.Instance(mod, {});
  const memory = inst.exports.memory as WebAssembly.Memory;
  const score = inst.exports.score as WasmScore;
  const d = p.cols;
  // Layout: mean | inv | coef | bias | (per call) cls | out | x
  const meanOff = 0;
  const invOff = align16(meanOff + d * 8);
  const coefOff = align16(invOff + d * 8);
  const biasOff = align16(coefOff + p.coef.length * 8);
  const fixedEnd = align16(biasOff + p.nClasses * 8);
  const grow = (bytes: number) => {
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
  };
  grow(fixedEnd);
  new Float64Array(memory.buffer, meanOff, d).set(p.mean);
  new Float64Array(memory.buffer, invOff, d).set(p.invStd);
  new Float64Array(memory.buffer, coefOff, p.coef.length).set(p.coef);
  new Float64Array(memory.buffer, biasOff, p.nClasses).set(p.intercept);
  // Layout per call: cls (rows x i32) | out (rows x f64) | x, sized for up to `cap` rows; x is placed
  // at a fixed offset so that `inputBuffer` can hand it out before the row count is known.
  let cap = 0;
  let xOff = fixedEnd;
  const reserve = (rows: number, bytes: number) => {
    if (rows > cap) {
      cap = Math.max(rows, 8192);
      xOff = align16(align16(fixedEnd + cap * 4) + cap * 8);
    }
    grow(xOff + bytes);
  };
  return {
    engine: 'wasm-simd',
    inputBuffer(bytes) {
      reserve(Math.ceil(bytes / (d * 2)), bytes);
      return Buffer.from(memory.buffer, xOff, bytes);
    },
    score(x, kind, rows, labels, out) {
      reserve(rows, x.byteLength);
      const clsOff = fixedEnd;
      const outOff = align16(clsOff + cap * 4);
      const buf = memory.buffer;
      const cls = new Int32Array(buf, clsOff, rows);
      for (let i = 0; i < rows; i++) cls[i] = p.hasSvm[labels[i]] ? labels[i] : -1;
      // Rows read by inputBuffer are already in place.
      if (!(x.buffer === buf && x.byteOffset === xOff)) new Uint8Array(buf, xOff, x.byteLength).set(x);
      const bad = score(xOff, rows, d, kind === 'f2' ? 0 : 1, meanOff, invOff, coefOff, biasOff, clsOff, outOff, p.normalize ? 1 : 0);
      out.set(new Float64Array(memory.buffer, outOff, rows));
      return bad;
    },
  };
}

/**
 * A scorer for `params`: the wasm SIMD kernel when available (and `cols` is a multiple of 8), else
 * plain JavaScript. `engine: 'js'` forces the JavaScript loop.
 *
 * @example
 * ```ts
 * const s = rowScorer(streamModel(dirs).params);
 * const rows = 2, labels = new Int32Array([0, 1]), out = new Float64Array(rows);
 * const rawBytes = new Uint8Array(rows * zTest.cols * 2); // two float16 rows
 * const bad = s.score(rawBytes, 'f2', rows, labels, out); // -1 when every row was finite
 * ```
 */
export function rowScorer(params: ScoreParams, options: { engine?: 'auto' | 'js' } = {}): RowScorer {
  const mod = options.engine === 'js' || process.env.FD_NO_SIMD === '1' || params.cols % 8 !== 0 ? null : wasmModule();
  return mod ? wasmScorer(params, mod) : jsScorer(params);
}
