/**
 * A compact binary file for one {@link ImageDataset}: loads in tens of milliseconds (the pixel and
 * label arrays are views over the file's bytes) and carries a SHA-256 of its payload so a damaged
 * file is detected rather than silently used.
 *
 * Layout: `FDIMGv1\n` (8 bytes), u32 LE header length, UTF-8 JSON header, zero padding to a multiple
 * of 8, pixels (`n*h*w*c` bytes), zero padding to a multiple of 4, labels (`n` int32 LE).
 */
import * as fs from 'node:fs';
import type { ImageDataset } from './image-dataset';
import { writeFileAtomic } from '../util/fs-atomic';
import { hashParts } from '../util/hash';

const MAGIC = 'FDIMGv1\n';

interface Header {
  n: number;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
  name?: string;
  /** `'index'` when ids are 0..n-1, else the ids themselves. */
  ids: 'index' | Array<string | number>;
  groups?: string[];
  imagesOffset: number;
  labelsOffset: number;
  payloadSha256: string;
  meta?: Record<string, unknown>;
}

function idsAreIndex(ids: ArrayLike<string | number>): boolean {
  for (let i = 0; i < ids.length; i++) if (ids[i] !== i) return false;
  return true;
}

/**
 * Writes `ds` to `file` atomically (temp file + rename). `meta` is stored alongside (e.g. the source
 * hash it was converted from) and returned by {@link readDatasetFile}.
 *
 * @example
 * ```ts
 * writeDatasetFile('/tmp/digits.fdimg', split);
 * const back = readDatasetFile('/tmp/digits.fdimg').dataset;
 * ```
 */
export function writeDatasetFile(file: string, ds: ImageDataset, meta?: Record<string, unknown>): void {
  const n = ds.labels.length;
  const pix = n * ds.height * ds.width * ds.channels;
  if (ds.images.length !== pix) {
    throw new RangeError(`writeDatasetFile(${file}): images has ${ds.images.length} bytes, expected ${n}x${ds.height}x${ds.width}x${ds.channels} = ${pix}`);
  }
  const labels = new Int32Array(ds.labels); // copy: little-endian on every platform Node supports
  const payloadSha256 = hashParts([ds.images, labels]);
  const base: Omit<Header, 'imagesOffset' | 'labelsOffset'> = {
    n,
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    classNames: ds.classNames,
    ...(ds.name !== undefined ? { name: ds.name } : {}),
    ids: idsAreIndex(ds.ids) ? 'index' : Array.from(ds.ids),
    ...(ds.groups ? { groups: ds.groups } : {}),
    payloadSha256,
    ...(meta ? { meta } : {}),
  };
  // The offsets depend on the header length, which depends on the offsets' digits: iterate to a fixpoint.
  let imagesOffset = 0;
  let json = '';
  for (let k = 0; k < 4; k++) {
    const labelsOffset = align(imagesOffset + pix, 4);
    json = JSON.stringify({ ...base, imagesOffset, labelsOffset });
    const next = align(12 + Buffer.byteLength(json), 8);
    if (next === imagesOffset) break;
    imagesOffset = next;
  }
  const jsonBytes = Buffer.from(json, 'utf8');
  const head = Buffer.alloc(imagesOffset);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(jsonBytes.length, 8);
  jsonBytes.copy(head, 12);
  const labelsOffset = align(imagesOffset + pix, 4);
  const pad = new Uint8Array(labelsOffset - imagesOffset - pix);
  writeFileAtomic(file, [head, ds.images, pad, labels]);
}

function align(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Options of {@link readDatasetFile}. */
export interface ReadDatasetFileOptions {
  /** Check the payload's SHA-256 (costs a pass over the pixels; needs a full read). Default false. */
  verify?: boolean;
  /** Read only these half-open row ranges (in order), without reading the rest of the file. */
  rows?: ReadonlyArray<{ start: number; end: number }>;
}

/**
 * Reads a file written by {@link writeDatasetFile}. Throws naming the file when it is truncated or
 * not such a file, and (with `verify`) when its payload hash does not match. With `rows`, only those
 * row ranges are read from disk.
 *
 * @example
 * ```ts
 * const { dataset, meta } = readDatasetFile('/tmp/digits.fdimg');
 * const head = readDatasetFile('/tmp/digits.fdimg', { rows: [{ start: 0, end: 100 }] }).dataset;
 * ```
 */
export function readDatasetFile(file: string, opts: ReadDatasetFileOptions = {}): { dataset: ImageDataset; meta?: Record<string, unknown> } {
  const bad = (why: string) => new Error(`${file}: not a valid failure-directions dataset file (${why}); delete it to rebuild`);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`cannot open dataset file ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const size = fs.fstatSync(fd).size;
    const pre = Buffer.alloc(12);
    if (size < 12 || fs.readSync(fd, pre, 0, 12, 0) !== 12 || pre.toString('latin1', 0, 8) !== MAGIC) throw bad('bad magic');
    const len = pre.readUInt32LE(8);
    if (12 + len > size) throw bad('truncated header');
    const hb = Buffer.alloc(len);
    readFully(fd, hb, 12);
    let h: Header;
    try {
      h = JSON.parse(hb.toString('utf8')) as Header;
    } catch {
      throw bad('unreadable header');
    }
    const stride = h.height * h.width * h.channels;
    const pix = h.n * stride;
    if (h.labelsOffset + 4 * h.n !== size || h.imagesOffset + pix > h.labelsOffset) throw bad(`size ${size} does not match header`);
    const rows = opts.rows ?? [{ start: 0, end: h.n }];
    let m = 0;
    for (const r of rows) {
      if (!(Number.isInteger(r.start) && Number.isInteger(r.end) && 0 <= r.start && r.start <= r.end && r.end <= h.n)) {
        throw new RangeError(`${file}: row range [${r.start}, ${r.end}) outside 0..${h.n}`);
      }
      m += r.end - r.start;
    }
    const images = new Uint8Array(m * stride);
    const labels = new Int32Array(m);
    const allIds: Array<string | number> | undefined = h.ids === 'index' ? undefined : h.ids;
    const ids: Array<string | number> = new Array(m);
    const groups = h.groups ? new Array<string>(m) : undefined;
    let at = 0;
    for (const r of rows) {
      const k = r.end - r.start;
      readFully(fd, new Uint8Array(images.buffer, at * stride, k * stride), h.imagesOffset + r.start * stride);
      readFully(fd, new Uint8Array(labels.buffer, at * 4, k * 4), h.labelsOffset + r.start * 4);
      for (let i = 0; i < k; i++) {
        ids[at + i] = allIds ? allIds[r.start + i] : r.start + i;
        if (groups) groups[at + i] = h.groups![r.start + i];
      }
      at += k;
    }
    if (opts.verify) {
      if (opts.rows) throw new RangeError(`${file}: verify needs a full read (drop rows)`);
      if (hashParts([images, labels]) !== h.payloadSha256) throw bad('payload hash mismatch');
    }
    const dataset: ImageDataset = { images, height: h.height, width: h.width, channels: h.channels, labels, classNames: h.classNames, ids };
    if (groups) dataset.groups = groups;
    if (h.name !== undefined) dataset.name = h.name;
    return { dataset, ...(h.meta ? { meta: h.meta } : {}) };
  } finally {
    fs.closeSync(fd);
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let off = 0;
  while (off < into.length) {
    const got = fs.readSync(fd, into, off, into.length - off, position + off);
    if (got === 0) throw new Error(`unexpected end of file at byte ${position + off}`);
    off += got;
  }
}
