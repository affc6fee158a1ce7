/**
 * The two inner loops of dual coordinate descent, `dot(x_i, w)` and `w += d x_i`, as a tiny
 * WebAssembly SIMD module (Float32 data promoted to f64x2, Float64 weights and accumulators), built
 * from bytes below so it needs no toolchain. Used automatically when the runtime supports wasm
 * SIMD (Node >= 16.4); `FD_NO_SIMD=1` forces the plain JavaScript loops (same results up to
 * summation order).
 *
 * Memory layout of the single instance: the weights at byte 0 (rounded up to 16 bytes), then the
 * resident data matrix. One matrix is resident at a time; `load` copies a new one in only when a
 * different array is passed, so the fits of one cross-validation fold share a copy.
 */
import { F64, I32, section, simd, sleb, str, uleb, V128, vec } from '../util/wasm-encoder';

/** The wasm kernel: weights live at byte 0, the resident data at `xOff`. */
export interface SimdKernel {
  /**
   * Makes `x` resident (copying it unless it already is) and reserves `wLen` Float64 weights.
   * Returns false when wasm memory cannot grow that far (callers then use plain loops).
   */
  load(x: Float32Array, wLen: number): boolean;
  /** Byte offset of the resident data. */
  readonly xOff: number;
  /** Float64 view of the weights (refresh after `load`, which may grow memory). */
  weights(): Float64Array;
  /** sum_k x[k] w[k] over `n` values; `xByte` is a byte offset into memory. */
  dot(xByte: number, wByte: number, n: number): number;
  /** w[k] += d x[k] for `n` values. */
  axpy(d: number, xByte: number, wByte: number, n: number): void;
}

// ---- a minimal WebAssembly encoder for the two functions ----

const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32add: [0x6a],
  i32and: [0x71],
  i32shl: [0x74],
  i32geu: [0x4f],
  f64add: [0xa0],
  f64mul: [0xa2],
  f64promote: [0xbb],
  f32load: (off: number) => [0x2a, 2, ...uleb(off)],
  f64load: (off: number) => [0x2b, 3, ...uleb(off)],
  f64store: (off: number) => [0x39, 3, ...uleb(off)],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  br: (l: number) => [0x0c, ...uleb(l)],
  brIf: (l: number) => [0x0d, ...uleb(l)],
  end: [0x0b],
  simd,
};
const v128load = (off: number) => op.simd(0x00, 3, ...uleb(off));
const v128store = (off: number) => op.simd(0x0b, 3, ...uleb(off));
const load64zero = (off: number) => op.simd(0x5d, 2, ...uleb(off));
const promoteLow = op.simd(0x5f);
const f64x2splat = op.simd(0x14);
const f64x2extract = (lane: number) => op.simd(0x21, lane);
const f64x2add = op.simd(0xf0);
const f64x2mul = op.simd(0xf2);

/** Pointer setup shared by both functions: px, pw, end of the 8-wide part, end of all. */
function prologue(x: number, w: number, n: number, px: number, pw: number, pend: number, nend: number): number[] {
  return [
    ...op.get(x), ...op.set(px),
    ...op.get(w), ...op.set(pw),
    ...op.get(x), ...op.get(n), ...op.i32(-8), ...op.i32and, ...op.i32(2), ...op.i32shl, ...op.i32add, ...op.set(pend),
    ...op.get(x), ...op.get(n), ...op.i32(2), ...op.i32shl, ...op.i32add, ...op.set(nend),
  ];
}
const advance = (px: number, pw: number, dx: number, dw: number) => [
  ...op.get(px), ...op.i32(dx), ...op.i32add, ...op.set(px),
  ...op.get(pw), ...op.i32(dw), ...op.i32add, ...op.set(pw),
];

function dotBody(): number[] {
  // params x=0 w=1 n=2; locals px=3 pw=4 pend=5 nend=6 (i32), a0..a3=7..10 (v128), s=11 (f64)
  const [px, pw, pend, nend, s] = [3, 4, 5, 6, 11];
  const acc = (k: number) => [
    ...op.get(7 + k), ...op.get(px), ...load64zero(8 * k), ...promoteLow, ...op.get(pw), ...v128load(16 * k), ...f64x2mul, ...f64x2add, ...op.set(7 + k),
  ];
  const code = [
    ...prologue(0, 1, 2, px, pw, pend, nend),
    ...op.block, ...op.loop,
    ...op.get(px), ...op.get(pend), ...op.i32geu, ...op.brIf(1),
    ...acc(0), ...acc(1), ...acc(2), ...acc(3),
    ...advance(px, pw, 32, 64),
    ...op.br(0), ...op.end, ...op.end,
    ...op.get(7), ...op.get(8), ...f64x2add, ...op.get(9), ...op.get(10), ...f64x2add, ...f64x2add, ...op.tee(7),
    ...f64x2extract(0), ...op.get(7), ...f64x2extract(1), ...op.f64add, ...op.set(s),
    ...op.block, ...op.loop,
    ...op.get(px), ...op.get(nend), ...op.i32geu, ...op.brIf(1),
    ...op.get(s), ...op.get(px), ...op.f32load(0), ...op.f64promote, ...op.get(pw), ...op.f64load(0), ...op.f64mul, ...op.f64add, ...op.set(s),
    ...advance(px, pw, 4, 8),
    ...op.br(0), ...op.end, ...op.end,
    ...op.get(s),
    ...op.end,
  ];
  const locals = vec([[...uleb(4), I32], [...uleb(4), V128], [...uleb(1), F64]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

function axpyBody(): number[] {
  // params d=0 x=1 w=2 n=3; locals px=4 pw=5 pend=6 nend=7 (i32), dv=8 (v128)
  const [px, pw, pend, nend, dv] = [4, 5, 6, 7, 8];
  const upd = (k: number) => [
    ...op.get(pw),
    ...op.get(pw), ...v128load(16 * k),
    ...op.get(dv), ...op.get(px), ...load64zero(8 * k), ...promoteLow, ...f64x2mul,
    ...f64x2add,
    ...v128store(16 * k),
  ];
  const code = [
    ...prologue(1, 2, 3, px, pw, pend, nend),
    ...op.get(0), ...f64x2splat, ...op.set(dv),
    ...op.block, ...op.loop,
    ...op.get(px), ...op.get(pend), ...op.i32geu, ...op.brIf(1),
    ...upd(0), ...upd(1), ...upd(2), ...upd(3),
    ...advance(px, pw, 32, 64),
    ...op.br(0), ...op.end, ...op.end,
    ...op.block, ...op.loop,
    ...op.get(px), ...op.get(nend), ...op.i32geu, ...op.brIf(1),
    ...op.get(pw), ...op.get(pw), ...op.f64load(0), ...op.get(0), ...op.get(px), ...op.f32load(0), ...op.f64promote, ...op.f64mul, ...op.f64add, ...op.f64store(0),
    ...advance(px, pw, 4, 8),
    ...op.br(0), ...op.end, ...op.end,
    ...op.end,
  ];
  const locals = vec([[...uleb(4), I32], [...uleb(1), V128]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const types = section(1, vec([
    [0x60, ...vec([[I32], [I32], [I32]]), ...vec([[F64]])],
    [0x60, ...vec([[F64], [I32], [I32], [I32]]), ...vec([])],
  ]));
  const funcs = section(3, vec([uleb(0), uleb(1)]));
  const memory = section(5, vec([[0x00, ...uleb(1)]]));
  const exports = section(7, vec([
    [...str('memory'), 0x02, ...uleb(0)],
    [...str('dot'), 0x00, ...uleb(0)],
    [...str('axpy'), 0x00, ...uleb(1)],
  ]));
  const code = section(10, vec([dotBody(), axpyBody()]));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...funcs, ...memory, ...exports, ...code]);
}

let cached: SimdKernel | null | undefined;

/**
 * The shared wasm SIMD kernel, or null when wasm SIMD is unavailable or `FD_NO_SIMD=1`.
 *
 * @example
 * ```ts
 * const k = simdKernel();
 * const cols = 3, x = Float32Array.of(1, 2, 3, 4, 5, 6); // 2 rows x 3 cols
 * if (k && k.load(x, cols + 1)) {
 *   k.weights().set([1, 1, 1]);
 *   k.dot(k.xOff, 0, cols); // 6: row 0 . w
 * }
 * ```
 */
export function simdKernel(): SimdKernel | null {
  if (process.env.FD_NO_SIMD === '1') return null;
  if (cached !== undefined) return cached;
  try {
    const bytes = moduleBytes();
    if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return (cached = null);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    const memory = inst.exports.memory as WebAssembly.Memory;
    const dot = inst.exports.dot as (x: number, w: number, n: number) => number;
    const axpy = inst.exports.axpy as (d: number, x: number, w: number, n: number) => void;
    // A weak reference: the kernel must not keep a caller's matrix alive.
    let resident: WeakRef<Float32Array> | null = null;
    let residentLen = 0;
    let xOff = 0;
    let wCap = 0;
    const ensure = (bytes: number): boolean => {
      const have = memory.buffer.byteLength;
      if (bytes <= have) return true;
      try {
        memory.grow(Math.ceil((bytes - have) / 65536));
        return true;
      } catch {
        return false;
      }
    };
    cached = {
      load(x: Float32Array, wLen: number): boolean {
        const wBytes = Math.ceil((wLen * 8) / 16) * 16;
        if (wBytes > wCap) {
          // Weights grew: the data must move, so drop the resident copy.
          if (!ensure(wBytes)) return false;
          wCap = wBytes;
          resident = null;
        }
        if (resident === null || resident.deref() !== x || residentLen !== x.length) {
          resident = null;
          if (!ensure(wCap + x.byteLength)) return false;
          xOff = wCap;
          new Float32Array(memory.buffer, xOff, x.length).set(x);
          resident = new WeakRef(x);
          residentLen = x.length;
        }
        return true;
      },
      get xOff() {
        return xOff;
      },
      weights() {
        return new Float64Array(memory.buffer, 0, wCap / 8);
      },
      dot,
      axpy,
    };
    return cached;
  } catch {
    return (cached = null);
  }
}
