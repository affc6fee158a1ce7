/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0) and `.npz` archives, so embeddings computed
 * elsewhere (CLIP in Python: `np.save('clip.npy', feats.half())`, clip-retrieval's `img_emb_{i}.npy`
 * shards) can be analysed here and ours read back in Python.
 * Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * One header parser ({@link parseNpyHeader}) and one element decoder serve both paths: the in-memory
 * readers ({@link readNpy}, {@link loadNpy}, {@link loadNpz}) and the windowed reader
 * ({@link openNpy}) that streams row windows of files larger than memory. `.npz` archives are read
 * with `yauzl` (a maintained zip reader with ZIP64 support): a stored entry (`np.savez`) is read in
 * place like an `.npy` at an offset, a deflated one (`np.savez_compressed`) is inflated as a stream.
 */
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { writeFileAtomic } from '../util/fs-atomic';
import type { Matrix } from '../util/matrix';

/** Element types this reader/writer handles, in NumPy's descr notation without byte order. */
export type NpyDtype = 'f2' | 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8' | 'b1';

type NpyData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/**
 * An n-dimensional array as stored in an `.npy` file, always in C (row-major) order in memory.
 * `dtype` is the stored type; float16 (`'f2'`) data is widened to a `Float32Array` (exactly).
 */
export interface NpyArray {
  data: NpyData;
  shape: number[];
  dtype: NpyDtype;
}

/** What an `.npy` header says (see {@link parseNpyHeader}). */
export interface NpyHeader {
  /** The descr string as written, e.g. `'<f2'`. */
  descr: string;
  dtype: NpyDtype;
  /** Bytes per element. */
  itemSize: number;
  /** False only for big-endian multi-byte types (`'>f4'`). */
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the data from the start of the `.npy` bytes (magic + version + length + header). */
  dataOffset: number;
  /** Bytes of data the shape needs. */
  dataBytes: number;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

const ITEM: Record<NpyDtype, number> = { f2: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1 };

const CTORS: Record<Exclude<NpyDtype, 'f2'>, { new (b: ArrayBuffer, o: number, n: number): NpyData }> = {
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

/** Field names of a structured descr such as `[('x', '<f4'), ('label', '<i8')]`. */
function structuredFields(text: string): string[] {
  const body = /'descr'\s*:\s*(\[.*?\])\s*,\s*'(?:fortran_order|shape)'/s.exec(text)?.[1] ?? '';
  return [...body.matchAll(/\(\s*'([^']*)'/g)].map((m) => m[1]);
}

/**
 * Parses the start of an `.npy` file: magic, version, header length and the Python-literal header
 * dict (`{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`). `bytes` must hold at least the
 * whole header (the first 64 KiB always do for versions 1.0; see `needed` in the error otherwise).
 * Throws naming `file` for a bad magic, an unsupported version, a structured / string / object /
 * complex dtype, or an unreadable header.
 *
 * @example
 * ```ts
 * import * as fs from 'node:fs';
 * const h = parseNpyHeader(fs.readFileSync('clip.npy').subarray(0, 4096), 'clip.npy');
 * h.shape; // [100000, 512]
 * h.dtype; // 'f2'
 * ```
 */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
  if (start + headerLen > buf.length) throw Object.assign(new Error(`${file}: truncated .npy header`), { needed: start + headerLen });
  const text = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const bad = (why: string) => new Error(`${file}: unreadable .npy header (${why}): ${text.trim().slice(0, 120)}`);
  if (/'descr'\s*:\s*\[/.test(text)) {
    const fields = structuredFields(text);
    throw new Error(
      `${file}: structured dtype (a record array with fields ${fields.length ? fields.map((f) => `'${f}'`).join(', ') : '?'}) is not supported; ` +
        `save one plain numeric field instead, e.g. np.save(f, arr['${fields[0] ?? 'field'}'])`,
    );
  }
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
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  const dtype = m ? (`${m[2]}${m[3]}` as NpyDtype) : undefined;
  if (!m || !dtype || !(dtype in ITEM)) {
    throw new Error(`${file}: unsupported dtype '${descr}' (supported: float16/32/64, int8-64, uint8-64, bool)`);
  }
  const itemSize = ITEM[dtype];
  const n = shape.reduce((a, b) => a * b, 1);
  return { descr, dtype, itemSize, littleEndian: !(m[1] === '>' && itemSize > 1), fortranOrder: fortran === 'True', shape, dataOffset: start + headerLen, dataBytes: n * itemSize };
}

// ---- element decoding (shared by the whole-file and windowed readers) ----

let f16Table: Float32Array | null = null;

/**
 * The exact float32 value of every float16 bit pattern (a 256 KiB table, built once): decoding by
 * lookup is faster than bit manipulation in JavaScript and exact by construction.
 *
 * @example
 * ```ts
 * float16Table()[0x3c00]; // 1
 * ```
 */
export function float16Table(): Float32Array {
  if (f16Table) return f16Table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    const v = e === 0 ? f * 2 ** -24 : e === 31 ? (f ? NaN : Infinity) : (1 + f / 1024) * 2 ** (e - 15);
    t[h] = h & 0x8000 ? -v : v;
  }
  return (f16Table = t);
}

/** Swaps big-endian elements in place (a copy the caller owns). */
function swapInPlace(raw: Buffer, itemSize: number): void {
  if (itemSize === 2) raw.swap16();
  else if (itemSize === 4) raw.swap32();
  else if (itemSize === 8) raw.swap64();
}

/** An aligned, owned copy of `bytes` (typed-array views need alignment). */
function alignedCopy(bytes: Uint8Array): Buffer {
  const ab = new ArrayBuffer(bytes.byteLength);
  const out = Buffer.from(ab);
  out.set(bytes);
  return out;
}

/** The typed view of `raw` (aligned, native byte order) for a non-float16 dtype. */
function view(raw: Buffer, dtype: Exclude<NpyDtype, 'f2'>, n: number): NpyData {
  return new CTORS[dtype](raw.buffer as ArrayBuffer, raw.byteOffset, n);
}

/**
 * Converts `n` elements of raw little-endian data to float32 into `out` at `outOff`. `firstIndex` is
 * the flat index of the first element in the file (for error positions), `cols` the row length.
 * A float64 beyond float32's range is an overflow error at its row and column.
 */
function decodeToFloat32(raw: Buffer, dtype: NpyDtype, n: number, out: Float32Array, outOff: number, firstIndex: number, cols: number, what: string): void {
  if (dtype === 'f2') {
    const t = float16Table();
    const u = new Uint16Array(raw.buffer, raw.byteOffset, n);
    for (let k = 0; k < n; k++) out[outOff + k] = t[u[k]];
    return;
  }
  const src = view(raw, dtype, n);
  if (dtype === 'f4') {
    out.set(src as Float32Array, outOff);
  } else if (dtype === 'f8') {
    const s = src as Float64Array;
    for (let k = 0; k < n; k++) {
      const v = s[k];
      const f = Math.fround(v);
      if (f - f !== 0 && v - v === 0) {
        const at = firstIndex + k;
        const row = Math.floor(at / cols);
        throw new RangeError(`${what}: float64 value ${v} at row ${row}, column ${at - row * cols} overflows float32 (largest finite float32 is 3.4028234663852886e38)`);
      }
      out[outOff + k] = f;
    }
  } else if (dtype === 'i8' || dtype === 'u8') {
    const s = src as BigInt64Array | BigUint64Array;
    for (let k = 0; k < n; k++) out[outOff + k] = Number(s[k]);
  } else {
    out.set(src as ArrayLike<number>, outOff);
  }
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

function truncatedError(file: string, h: NpyHeader, have: number): Error {
  return new Error(`${file}: truncated: shape (${h.shape.join(', ')}) of ${h.descr} needs ${h.dataBytes} bytes of data, the file has ${have}`);
}

function readWholeFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { cause: e });
  }
}

function isZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && (buf[2] === 3 || buf[2] === 5) && (buf[3] === 4 || buf[3] === 6);
}

/** Decodes a whole in-memory `.npy` (the bytes of a file or of an `.npz` entry). */
function decodeNpyBytes(buf: Buffer, file: string): NpyArray {
  if (isZip(buf)) throw new Error(`${file} is a .npz archive (a zip of .npy arrays): open it with await loadNpz(file, { array: name }) or openNpy(file, { array: name })`);
  const h = parseNpyHeader(buf, file);
  const n = h.dataBytes / h.itemSize;
  if (buf.length - h.dataOffset < h.dataBytes) throw truncatedError(file, h, buf.length - h.dataOffset);
  const raw = alignedCopy(buf.subarray(h.dataOffset, h.dataOffset + h.dataBytes));
  if (!h.littleEndian) swapInPlace(raw, h.itemSize);
  let data: NpyData;
  if (h.dtype === 'f2') {
    data = new Float32Array(n);
    decodeToFloat32(raw, 'f2', n, data, 0, 0, 1, file);
  } else {
    data = view(raw, h.dtype, n);
  }
  if (h.fortranOrder && h.shape.length > 1) data = fortranToC(data, h.shape);
  return { data, shape: h.shape, dtype: h.dtype };
}

/**
 * Reads any numeric `.npy` file (versions 1-3; little- or big-endian; C or Fortran order, returned
 * in C order; float16 widened to float32). Throws naming the file for a bad magic, an unsupported
 * dtype (structured arrays, strings, objects, complex), a truncated payload, or an `.npz` archive
 * (use {@link loadNpz}).
 *
 * @example
 * ```ts
 * const { data, shape, dtype } = readNpy('labels.npy'); // Int32Array or BigInt64Array ...
 * ```
 */
export function readNpy(file: string): NpyArray {
  return decodeNpyBytes(readWholeFile(file), file);
}

/** An {@link NpyArray} as a float32 matrix (2-D, or 1-D as one column); float64 overflow is an error. */
function toMatrix(a: NpyArray, file: string): Matrix {
  if (a.shape.length !== 2 && a.shape.length !== 1) throw new Error(`${file}: expected a 2-D array (rows x features), got shape (${a.shape.join(', ')})`);
  const rows = a.shape[0];
  const cols = a.shape.length === 2 ? a.shape[1] : 1;
  if (a.data instanceof Float32Array) return { data: a.data, rows, cols };
  const data = new Float32Array(a.data.length);
  const raw = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  decodeToFloat32(raw, a.dtype === 'b1' ? 'u1' : a.dtype, a.data.length, data, 0, 0, cols, file);
  return { data, rows, cols };
}

/**
 * Reads a 2-D numeric `.npy` file (e.g. an `n x d` embedding matrix) as a float32 {@link Matrix}; a
 * 1-D file becomes a single column. float16 converts exactly; a float64 value beyond float32's range
 * is an overflow error naming its row and column. Other ranks are an error naming the file.
 *
 * @example
 * ```ts
 * const clip = fd.loadNpy('clip_val.npy'); // { data: Float32Array, rows: 5000, cols: 512 }
 * ```
 */
export function loadNpy(file: string): Matrix {
  return toMatrix(readNpy(file), file);
}

/** Options of {@link saveNpy}. */
export interface SaveNpyOptions {
  /**
   * Store a float32 {@link Matrix} as float16 (`'f2'`, half the bytes, as CLIP features often are):
   * round to nearest even; a value beyond float16's range (65504) is an error at its row and column.
   * Default: the data's own type.
   */
  dtype?: 'f2';
}

/** float32 -> float16 bits, round to nearest even (NaN stays NaN; overflow returns -1). */
function f32ToF16(v: number, f32: Float32Array, u32: Uint32Array): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const e = (x >>> 23) & 0xff;
  let m = x & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  const ue = e - 127 + 15;
  if (ue >= 0x1f) return -1;
  if (ue <= 0) {
    if (ue < -10) return sign;
    m |= 0x800000;
    const shift = 14 - ue;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (ue << 10) | (m >>> 13);
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  if ((h & 0x7fff) >= 0x7c00) return -1;
  return sign | h;
}

/**
 * Writes a {@link Matrix} (as float32, or float16 with `{ dtype: 'f2' }`, shape `(rows, cols)`) or an
 * {@link NpyArray} to `file` in `.npy` format, C order, little-endian, atomically. Uses format 1.0,
 * or 2.0 when the header needs it.
 *
 * @example
 * ```ts
 * fd.saveNpy('embeddings.npy', zTest);         // np.load('embeddings.npy').shape == (zTest.rows, zTest.cols)
 * fd.saveNpy('embeddings_f16.npy', zTest, { dtype: 'f2' });
 * fd.saveNpy('labels.npy', { data: split.labels, shape: [split.labels.length], dtype: 'i4' });
 * ```
 */
export function saveNpy(file: string, array: Matrix | NpyArray, options: SaveNpyOptions = {}): void {
  let data: NpyData;
  let shape: number[];
  if ('rows' in array && 'cols' in array) {
    data = array.data;
    shape = [array.rows, array.cols];
  } else {
    data = array.data;
    shape = array.shape;
  }
  let dtype: NpyDtype = (array as NpyArray).dtype === 'b1' ? 'b1' : dtypeOf(data);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`saveNpy(${file}): shape (${shape.join(', ')}) holds ${n} values but data has ${data.length}`);
  if (options.dtype === 'f2' || (array as NpyArray).dtype === 'f2') {
    if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) throw new TypeError(`saveNpy(${file}): float16 output needs float data`);
    const cols = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    const out = new Uint16Array(n);
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    for (let k = 0; k < n; k++) {
      const h = f32ToF16(data[k], f32, u32);
      if (h < 0) {
        const row = Math.floor(k / cols);
        throw new RangeError(`saveNpy(${file}): value ${data[k]} at row ${row}, column ${k - row * cols} overflows float16 (largest finite float16 is 65504)`);
      }
      out[k] = h;
    }
    data = out;
    dtype = 'f2';
  }
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

// ---- .npz archives and windowed reading ----

type Yauzl = typeof import('yauzl');
type ZipFile = import('yauzl').ZipFile;
type ZipEntry = import('yauzl').Entry;

function yauzl(): Yauzl {
  // Loaded on first use: only .npz archives need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('yauzl') as Yauzl;
}

/** One array of an `.npz` archive. */
interface NpzMember {
  zip: ZipFile;
  entry: ZipEntry;
  /** The array name (entry name without `.npy`). */
  name: string;
  names: string[];
}

async function openNpzMember(file: string, array: string | undefined): Promise<NpzMember> {
  let zip: ZipFile;
  try {
    zip = await yauzl().openPromise(file, { lazyEntries: true, autoClose: false });
  } catch (e) {
    throw new Error(`${file}: not a readable .npz archive (${(e as Error).message})`, { cause: e });
  }
  const entries: ZipEntry[] = [];
  try {
    for await (const entry of zip.eachEntry()) entries.push(entry);
  } catch (e) {
    zip.close();
    throw new Error(`${file}: damaged .npz archive (${(e as Error).message})`, { cause: e });
  }
  const names = entries.filter((e) => !e.fileName.endsWith('/')).map((e) => e.fileName.replace(/\.npy$/, ''));
  const want = array?.replace(/\.npy$/, '');
  let k: number;
  if (want === undefined) {
    if (names.length !== 1) {
      zip.close();
      throw new Error(`${file}: the archive holds ${names.length} arrays (${names.join(', ') || 'none'}); pass { array: name }`);
    }
    k = 0;
  } else {
    k = names.indexOf(want);
    if (k < 0) {
      zip.close();
      throw new Error(`${file}: no array '${want}' in the archive; it holds: ${names.join(', ') || '(nothing)'}`);
    }
  }
  const entry = entries.filter((e) => !e.fileName.endsWith('/'))[k];
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    zip.close();
    throw new Error(`${file}: array '${names[k]}' uses zip compression method ${entry.compressionMethod}; only stored (np.savez) and deflate (np.savez_compressed) are supported`);
  }
  return { zip, entry, name: names[k], names };
}

/** Reads bytes [0, n) of a stream into a buffer (fewer at its end). */
async function readStreamBytes(stream: Readable, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  for await (const chunk of stream) {
    parts.push(chunk as Buffer);
    have += (chunk as Buffer).length;
    if (have >= n) break;
  }
  stream.destroy();
  return Buffer.concat(parts).subarray(0, Math.min(n, have));
}

/** Options of {@link openNpy} and {@link loadNpz}. */
export interface OpenNpyOptions {
  /** For an `.npz` archive: the array's name (as given to `np.savez`, e.g. `'arr_0'`); optional when it holds one array. */
  array?: string;
}

/**
 * A windowed reader over a 1-D or 2-D `.npy` file, or an array of an `.npz` archive: reads any
 * window of rows as float32 (or as raw little-endian bytes, for kernels that decode float16
 * themselves) without loading the file, so files larger than memory stream in bounded memory.
 * Windows of an `.npy` or a stored `.npz` entry are read at their offsets (any order); a deflated
 * `.npz` entry is inflated forward (reading backwards restarts the inflater). Close it when done.
 *
 * Made by {@link openNpy}.
 */
export class NpyReader {
  /** The file and, for an `.npz`, the array: `'feats.npz:val'`. Used in every error message. */
  readonly label: string;
  readonly header: NpyHeader;
  /** Rows (the first dimension). */
  readonly rows: number;
  /** Values per row (1 for a 1-D array). */
  readonly cols: number;
  private fd: number | null;
  private pos = 0;
  private stream: Readable | null = null;
  private carry: Buffer = Buffer.alloc(0);

  /** @internal */
  constructor(
    readonly file: string,
    label: string,
    header: NpyHeader,
    fd: number | null,
    /** Byte offset of the `.npy` data in `file` (stored data) or null (deflated `.npz` entry). */
    private readonly base: number | null,
    private member: NpzMember | null,
  ) {
    this.label = label;
    this.header = header;
    this.fd = fd;
    if (header.shape.length !== 1 && header.shape.length !== 2) throw new Error(`${label}: expected a 2-D array (rows x features), got shape (${header.shape.join(', ')})`);
    if (header.fortranOrder && header.shape.length === 2 && header.shape[0] > 1 && header.shape[1] > 1) {
      this.close();
      throw new Error(`${label}: Fortran-order array; row windows need C order (save it with np.save(f, np.ascontiguousarray(a)))`);
    }
    this.rows = header.shape[0];
    this.cols = header.shape.length === 2 ? header.shape[1] : 1;
  }

  /** The stored element type (`'f2'`, `'f4'`, ...). */
  get dtype(): NpyDtype {
    return this.header.dtype;
  }

  /** Bytes per row as stored. */
  get rowBytes(): number {
    return this.cols * this.header.itemSize;
  }

  private checkWindow(start: number, count: number, caller: string): void {
    if (this.fd === null && this.member === null) throw new Error(`${this.label}: ${caller} after close()`);
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > this.rows) {
      throw new RangeError(`${this.label}: ${caller}: rows ${start}..${start + count - 1} are outside 0..${this.rows - 1}`);
    }
  }

  /**
   * Raw bytes of rows `[start, start + count)`, little-endian, into `into` (grown when too small; an
   * 8-byte-aligned `Buffer`). Returns the filled prefix.
   *
   * @example
   * ```ts
   * const reader = await openNpy('img_emb_0.npy');
   * const raw = await reader.readRaw(0, 1024); // float16: new Uint16Array(raw.buffer, raw.byteOffset, 1024 * reader.cols)
   * ```
   */
  async readRaw(start: number, count: number, into?: Buffer): Promise<Buffer> {
    this.checkWindow(start, count, 'readRaw');
    const bytes = count * this.rowBytes;
    let out = into && into.length >= bytes && into.byteOffset % 8 === 0 ? into : Buffer.from(new ArrayBuffer(Math.max(bytes, 8)));
    out = out.subarray(0, bytes);
    const at = start * this.rowBytes;
    if (this.base !== null) {
      let off = 0;
      while (off < bytes) {
        const got = fs.readSync(this.fd!, out, off, bytes - off, this.base + this.header.dataOffset + at + off);
        if (got === 0) throw truncatedError(this.label, this.header, at + off);
        off += got;
      }
    } else {
      await this.readInflated(at, out);
    }
    if (!this.header.littleEndian) swapInPlace(out, this.header.itemSize);
    return out;
  }

  /** Forward reading of a deflated `.npz` entry: data offset `at` (relative to the data start). */
  private async readInflated(at: number, out: Buffer): Promise<void> {
    const m = this.member!;
    const dataAt = this.header.dataOffset + at;
    if (this.stream === null || dataAt < this.pos) {
      this.stream?.destroy();
      this.stream = await m.zip.openReadStreamPromise(m.entry);
      this.pos = 0;
      this.carry = Buffer.alloc(0);
    }
    const it = this.stream[Symbol.asyncIterator]();
    let filled = 0;
    const take = (chunk: Buffer) => {
      // chunk starts at stream offset this.pos
      let c = chunk;
      if (this.pos < dataAt) {
        const skip = Math.min(dataAt - this.pos, c.length);
        c = c.subarray(skip);
        this.pos += skip;
      }
      if (this.pos >= dataAt && c.length > 0) {
        const n = Math.min(out.length - filled, c.length);
        c.copy(out, filled, 0, n);
        filled += n;
        this.pos += n;
        c = c.subarray(n);
      }
      this.carry = c;
    };
    if (this.carry.length) take(this.carry);
    while (filled < out.length) {
      const r = await it.next();
      if (r.done) throw truncatedError(this.label, this.header, this.pos - this.header.dataOffset);
      take(r.value as Buffer);
    }
  }

  /**
   * Rows `[start, start + count)` as a float32 {@link Matrix} (float16 widened exactly; float64
   * overflow is an error at its row and column). `out` is reused when large enough.
   *
   * @example
   * ```ts
   * const r = await openNpy('img_emb_0.npy');
   * for (let s = 0; s < r.rows; s += 8192) console.log((await r.read(s, Math.min(8192, r.rows - s))).rows);
   * r.close();
   * ```
   */
  async read(start: number, count: number, out?: Float32Array): Promise<Matrix> {
    const raw = await this.readRaw(start, count);
    const n = count * this.cols;
    const data = out && out.length >= n ? out.subarray(0, n) : new Float32Array(n);
    decodeToFloat32(raw, this.header.dtype === 'b1' ? 'u1' : this.header.dtype, n, data, 0, start * this.cols, this.cols, this.label);
    return { data, rows: count, cols: this.cols };
  }

  /** Releases the file (and the archive). Idempotent. */
  close(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = null;
    }
    this.stream?.destroy();
    this.stream = null;
    if (this.member) {
      this.member.zip.close();
      this.member = null;
    }
  }
}

/**
 * Opens an `.npy` file, or one array of an `.npz` archive (`{ array: name }`), for windowed reading
 * (see {@link NpyReader}). Checks the header and that the file holds all the data its shape needs
 * (a truncated shard fails here, naming the file and the byte counts).
 *
 * @example
 * ```ts
 * const r = await openNpy('img_emb/img_emb_0.npy');
 * r.rows; r.cols; r.dtype;          // 100000, 768, 'f2'
 * const first = await r.read(0, 1000);
 * r.close();
 * const v = await openNpy('feats.npz', { array: 'val' });
 * ```
 */
export async function openNpy(file: string, options: OpenNpyOptions = {}): Promise<NpyReader> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { cause: e });
  }
  const size = fs.fstatSync(fd).size;
  const probe = Buffer.alloc(Math.min(size, 4));
  fs.readSync(fd, probe, 0, probe.length, 0);
  if (!isZip(probe)) {
    if (options.array !== undefined) {
      fs.closeSync(fd);
      throw new Error(`${file} is a .npy file, not a .npz archive; drop { array: '${options.array}' }`);
    }
    const h = readHeaderAt(fd, 0, size, file);
    if (size - h.dataOffset < h.dataBytes) {
      fs.closeSync(fd);
      throw truncatedError(file, h, size - h.dataOffset);
    }
    return new NpyReader(file, file, h, fd, 0, null);
  }
  fs.closeSync(fd);
  const member = await openNpzMember(file, options.array);
  const label = `${file}:${member.name}`;
  try {
    const { entry } = member;
    if (entry.compressionMethod === 0) {
      const { fileDataStart } = await member.zip.readLocalFileHeaderPromise(entry, { minimal: true });
      const zfd = fs.openSync(file, 'r');
      const h = readHeaderAt(zfd, fileDataStart, fileDataStart + entry.uncompressedSize, label);
      if (entry.uncompressedSize - h.dataOffset < h.dataBytes) {
        fs.closeSync(zfd);
        throw truncatedError(label, h, entry.uncompressedSize - h.dataOffset);
      }
      return new NpyReader(file, label, h, zfd, fileDataStart, member);
    }
    const stream = await member.zip.openReadStreamPromise(entry);
    const head = await readStreamBytes(stream, Math.min(entry.uncompressedSize, 65536 + 12));
    let h: NpyHeader;
    try {
      h = parseNpyHeader(head, label);
    } catch (e) {
      const needed = (e as { needed?: number }).needed;
      if (needed === undefined) throw e;
      h = parseNpyHeader(await readStreamBytes(await member.zip.openReadStreamPromise(entry), needed), label);
    }
    if (entry.uncompressedSize - h.dataOffset < h.dataBytes) throw truncatedError(label, h, entry.uncompressedSize - h.dataOffset);
    return new NpyReader(file, label, h, null, null, member);
  } catch (e) {
    member.zip.close();
    throw e;
  }
}

/** Reads and parses the header of the `.npy` bytes starting at `base` in an open file. */
function readHeaderAt(fd: number, base: number, end: number, label: string): NpyHeader {
  const first = Buffer.alloc(Math.min(4096, end - base));
  fs.readSync(fd, first, 0, first.length, base);
  try {
    return parseNpyHeader(first, label);
  } catch (e) {
    const needed = (e as { needed?: number }).needed;
    if (needed === undefined || needed > end - base) throw e;
    const all = Buffer.alloc(needed);
    fs.readSync(fd, all, 0, needed, base);
    return parseNpyHeader(all, label);
  }
}

/**
 * Reads one array of an `.npz` archive (`np.savez` / `np.savez_compressed`) as a float32
 * {@link Matrix}: by name, or the only array when there is one. A missing name is an error listing
 * the archive's arrays.
 *
 * @example
 * ```ts
 * const val = await fd.loadNpz('clip_feats.npz', { array: 'val' });
 * ```
 */
export async function loadNpz(file: string, options: OpenNpyOptions = {}): Promise<Matrix> {
  const r = await openNpy(file, options);
  try {
    return await r.read(0, r.rows);
  } finally {
    r.close();
  }
}

/**
 * The names of the arrays in an `.npz` archive, in archive order.
 *
 * @example
 * ```ts
 * await npzArrays('clip_feats.npz'); // ['train', 'val', 'test']
 * ```
 */
export async function npzArrays(file: string): Promise<string[]> {
  let zip: ZipFile;
  try {
    zip = await yauzl().openPromise(file, { lazyEntries: true, autoClose: false });
  } catch (e) {
    throw new Error(`${file}: not a readable .npz archive (${(e as Error).message})`, { cause: e });
  }
  try {
    const names: string[] = [];
    for await (const entry of zip.eachEntry()) if (!entry.fileName.endsWith('/')) names.push(entry.fileName.replace(/\.npy$/, ''));
    return names;
  } finally {
    zip.close();
  }
}
