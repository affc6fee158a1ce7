/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), so embeddings computed elsewhere (e.g. CLIP
 * in Python: `np.save('clip.npy', feats)`) can be analysed here and ours read back in Python.
 * Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import * as fs from 'node:fs';
import { writeFileAtomic } from '../util/fs-atomic';
import type { Matrix } from '../util/matrix';

/** Element types this reader/writer handles, in NumPy's descr notation without byte order. */
export type NpyDtype = 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8' | 'b1';

type NpyData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** An n-dimensional array as stored in an `.npy` file, always in C (row-major) order in memory. */
export interface NpyArray {
  data: NpyData;
  shape: number[];
  dtype: NpyDtype;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

const CTORS: Record<NpyDtype, { new (n: number): NpyData; BYTES_PER_ELEMENT: number }> = {
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  i2: Int16Array,
  i4: Int32Array,
  i8: BigInt64Array,
  u1: Uint8Array,
  u2: Uint16Array,
  u4: Uint32Array,
  u8: BigUint64Array,
  b1: Uint8Array,
};

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'f4';
  if (data instanceof Float64Array) return 'f8';
  if (data instanceof Int8Array) return 'i1';
  if (data instanceof Int16Array) return 'i2';
  if (data instanceof Int32Array) return 'i4';
  if (data instanceof BigInt64Array) return 'i8';
  if (data instanceof Uint8Array) return 'u1';
  if (data instanceof Uint16Array) return 'u2';
  if (data instanceof Uint32Array) return 'u4';
  if (data instanceof BigUint64Array) return 'u8';
  throw new TypeError(`saveNpy: unsupported data type ${Object.prototype.toString.call(data)}`);
}

/** Parses the Python-literal header dict, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`. */
function parseHeader(file: string, text: string): { descr: string; fortran: boolean; shape: number[] } {
  const bad = (why: string) => new Error(`${file}: unreadable .npy header (${why}): ${text.trim().slice(0, 120)}`);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined) throw bad('no descr');
  if (fortran === undefined) throw bad('no fortran_order');
  if (shapeText === undefined) throw bad('no shape');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s);
      if (!Number.isInteger(v) || v < 0) throw bad(`bad dimension '${s}'`);
      return v;
    });
  return { descr, fortran: fortran === 'True', shape };
}

/** Reverses a C-order index into Fortran order: returns data laid out in C order. */
function fortranToC(src: NpyData, shape: number[]): NpyData {
  const n = src.length;
  const out = new (src.constructor as { new (n: number): NpyData })(n);
  const nd = shape.length;
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fStride[d] = s;
    s *= shape[d];
  }
  const idx = new Array<number>(nd).fill(0);
  for (let k = 0; k < n; k++) {
    let f = 0;
    for (let d = 0; d < nd; d++) f += idx[d] * fStride[d];
    (out as unknown as number[])[k] = (src as unknown as number[])[f];
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Reads any numeric `.npy` file (versions 1-3; little- or big-endian; C or Fortran order, returned
 * in C order). Throws naming the file for a bad magic, unsupported dtype (structured, strings,
 * objects, float16, complex) or a truncated payload.
 *
 * @example
 * ```ts
 * const { data, shape, dtype } = readNpy('labels.npy'); // Int32Array or BigInt64Array ...
 * ```
 */
export function readNpy(file: string): NpyArray {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { cause: e });
  }
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new Error(`${file} is not a .npy file (bad magic)`);
  const major = buf[6];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new Error(`${file}: truncated .npy header`);
    headerLen = buf.readUInt32LE(8);
    start = 12;
  } else {
    throw new Error(`${file}: unsupported .npy format version ${major}.${buf[7]}`);
  }
  if (start + headerLen > buf.length) throw new Error(`${file}: truncated .npy header`);
  const { descr, fortran, shape } = parseHeader(file, buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen));
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  const dtype = m ? (`${m[2]}${m[3]}` as NpyDtype) : undefined;
  if (!m || !dtype || !(dtype in CTORS)) {
    throw new Error(`${file}: unsupported dtype '${descr}' (supported: float32/64, int8-64, uint8-64, bool)`);
  }
  const Ctor = CTORS[dtype];
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = n * Ctor.BYTES_PER_ELEMENT;
  const at = start + headerLen;
  if (buf.length - at < bytes) throw new Error(`${file}: truncated: shape (${shape.join(', ')}) of ${descr} needs ${bytes} bytes of data, the file has ${buf.length - at}`);
  const raw = Buffer.from(buf.subarray(at, at + bytes)); // copy: aligned, owned
  if (m[1] === '>' && Ctor.BYTES_PER_ELEMENT > 1) {
    const w = Ctor.BYTES_PER_ELEMENT;
    if (w === 2) raw.swap16();
    else if (w === 4) raw.swap32();
    else raw.swap64();
  }
  let data = new (Ctor as unknown as { new (b: ArrayBuffer, o: number, n: number): NpyData })(raw.buffer, raw.byteOffset, n);
  if (fortran && shape.length > 1) data = fortranToC(data, shape);
  return { data, shape, dtype };
}

/**
 * Reads a 2-D numeric `.npy` file (e.g. an `n x d` embedding matrix) as a float32 {@link Matrix}; a
 * 1-D file becomes a single column. Other ranks are an error naming the file.
 *
 * @example
 * ```ts
 * const clip = fd.loadNpy('clip_val.npy'); // { data: Float32Array, rows: 5000, cols: 512 }
 * ```
 */
export function loadNpy(file: string): Matrix {
  const a = readNpy(file);
  if (a.shape.length !== 2 && a.shape.length !== 1) throw new Error(`${file}: expected a 2-D array (rows x features), got shape (${a.shape.join(', ')})`);
  const rows = a.shape[0];
  const cols = a.shape.length === 2 ? a.shape[1] : 1;
  let data: Float32Array;
  if (a.data instanceof Float32Array) data = a.data;
  else if (a.data instanceof BigInt64Array || a.data instanceof BigUint64Array) data = Float32Array.from(a.data as unknown as bigint[], (v) => Number(v));
  else data = Float32Array.from(a.data as ArrayLike<number>);
  return { data, rows, cols };
}

/**
 * Writes a {@link Matrix} (as float32, shape `(rows, cols)`) or an {@link NpyArray} to `file` in
 * `.npy` format, C order, little-endian, atomically. Uses format 1.0, or 2.0 when the header needs it.
 *
 * @example
 * ```ts
 * fd.saveNpy('embeddings.npy', zTest);         // np.load('embeddings.npy').shape == (zTest.rows, zTest.cols)
 * fd.saveNpy('labels.npy', { data: split.labels, shape: [split.labels.length], dtype: 'i4' });
 * ```
 */
export function saveNpy(file: string, array: Matrix | NpyArray): void {
  let data: NpyData;
  let shape: number[];
  if ('rows' in array && 'cols' in array) {
    data = array.data;
    shape = [array.rows, array.cols];
  } else {
    data = array.data;
    shape = array.shape;
  }
  const dtype = (array as NpyArray).dtype === 'b1' ? 'b1' : dtypeOf(data);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`saveNpy(${file}): shape (${shape.join(', ')}) holds ${n} values but data has ${data.length}`);
  const byteOrder = dtype === 'u1' || dtype === 'i1' || dtype === 'b1' ? '|' : '<';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${byteOrder}${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so that magic + version + length + header + '\n' is a multiple of 64.
  let pre = 10;
  if (dict.length + 1 + pre > 65535) pre = 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  dict = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const head = Buffer.alloc(pre);
  MAGIC.copy(head, 0);
  head[6] = pre === 10 ? 1 : 2;
  head[7] = 0;
  if (pre === 10) head.writeUInt16LE(dict.length, 8);
  else head.writeUInt32LE(dict.length, 8);
  writeFileAtomic(file, [head, Buffer.from(dict, 'latin1'), new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]);
}
