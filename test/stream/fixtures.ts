/**
 * Small generators of streamed datasets for the stream tests: clip-retrieval folders and .npy shard
 * lists with Parquet / CSV metadata, built from the planted-subgroup synthetic splits, plus a fitted
 * FailureDirections to score them with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FailureDirections } from '../../src/directions/failure-directions';
import { loadNpy, saveNpy } from '../../src/embed/npy';
import { Matrix } from '../../src/util/matrix';
import { openDuck, sqlString } from '../../src/stream/duckdb';
import { syntheticSplits, type Split } from '../directions/synthetic';

export const CLASS_NAMES = ['cat', 'dog', 'fox', 'owl'];

/** A fitted model (4 classes, 16-d) and a held-out split to stream. */
export function fittedModel(seed = 0, pool = 900) {
  const s = syntheticSplits(seed, { nClasses: 4, d: 16, sizes: { train: 600, val: 800, test: pool } });
  const dirs = new FailureDirections({ seed: 0, Cs: [0.01, 0.1, 1] }).setPreprocess(s.train.latents);
  dirs.fit({ latents: s.val.latents, labels: s.val.labels, preds: s.val.preds, classNames: CLASS_NAMES, ids: Array.from({ length: s.val.labels.length }, (_, i) => i), split: 'val' });
  return { dirs, pool: s.test };
}

/** Rows [a, b) of a matrix. */
export function rowsOf(m: Matrix, a: number, b: number): Matrix {
  return { data: m.data.slice(a * m.cols, b * m.cols), rows: b - a, cols: m.cols };
}

/** Writes a table (column -> values) as Parquet or CSV through DuckDB. */
export async function writeTable(file: string, columns: Record<string, ArrayLike<unknown>>): Promise<void> {
  const names = Object.keys(columns);
  const n = columns[names[0]].length;
  const lit = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : `'${v}'::DOUBLE`) : typeof v === 'boolean' ? String(v) : sqlString(String(v)));
  const db = await openDuck();
  try {
    await db.run(`CREATE TABLE t AS SELECT * FROM (VALUES ${Array.from({ length: n }, (_, i) => `(${names.map((c) => lit(columns[c][i])).join(', ')})`).join(', ')}) v(${names.map((c) => `"${c}"`).join(', ')})`);
    const fmt = file.endsWith('.csv') ? `(FORMAT csv, HEADER true)` : `(FORMAT parquet)`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await db.run(`COPY t TO ${sqlString(file)} ${fmt}`);
  } finally {
    db.close();
  }
}

/** Metadata columns of pool rows [a, b): ids, class names, predicted names, confidences, a caption and a source. */
export function metadataOf(pool: Split, a: number, b: number, opts: { labelsAs?: 'names' | 'ids'; idPrefix?: string } = {}) {
  const idx = Array.from({ length: b - a }, (_, i) => a + i);
  const name = (c: number) => (opts.labelsAs === 'ids' ? c : CLASS_NAMES[c]);
  return {
    image_path: idx.map((i) => `${opts.idPrefix ?? 'img'}/${String(i).padStart(5, '0')}.jpg`),
    caption: idx.map((i) => (pool.group[i] ? 'a photo on a red background' : 'a photo')),
    label: idx.map((i) => name(pool.labels[i])),
    pred: idx.map((i) => name(pool.preds[i])),
    confidence: idx.map((i) => pool.confidences[i]),
    source: idx.map((i) => (i % 3 === 0 ? 'web' : 'camera')),
  };
}

/** A clip-retrieval output folder of the pool split into shards of the given sizes. */
export async function writeClipFolder(dir: string, pool: Split, sizes: number[], opts: { dtype?: 'f2' | 'f4' } = {}): Promise<void> {
  let a = 0;
  for (let k = 0; k < sizes.length; k++) {
    const b = a + sizes[k];
    saveNpy(path.join(dir, 'img_emb', `img_emb_${k}.npy`), rowsOf(pool.latents, a, b), opts.dtype === 'f4' ? {} : { dtype: 'f2' });
    await writeTable(path.join(dir, 'metadata', `metadata_${k}.parquet`), metadataOf(pool, a, b));
    a = b;
  }
}

/** The pool's latents as float16 would store them (what the streamed scorer sees). */
export function asFloat16(m: Matrix, dir: string): Matrix {
  const f = path.join(dir, `roundtrip-${process.pid}.npy`);
  saveNpy(f, m, { dtype: 'f2' });
  const back = loadNpy(f);
  fs.unlinkSync(f);
  return back;
}
