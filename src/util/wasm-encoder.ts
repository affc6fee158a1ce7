/**
 * The few WebAssembly binary-format primitives our hand-assembled SIMD kernels need (the SVM's
 * `svm/simd-kernel.ts`, the streaming scorer's `stream/score-kernel.ts`): LEB128 integers, value
 * types, names, sections and vectors. Why our own: the kernels are a handful of functions built at
 * load time without a toolchain; an assembler package would be a dependency larger than the modules.
 */

/** Value types: i32, f64, v128. */
export const I32 = 0x7f, F64 = 0x7c, V128 = 0x7b;

/** Unsigned LEB128. */
export const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
};

/** Signed LEB128. */
export const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};

/** A name: its UTF-8 length, then its bytes. */
export const str = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];

/** A section: id, byte length, body. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/** A vector: item count, then the items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

/** A SIMD instruction (prefix 0xfd, opcode, immediates). */
export const simd = (code: number, ...imm: number[]): number[] => [0xfd, ...uleb(code), ...imm];
