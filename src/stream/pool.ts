/**
 * Data selection and caption retrieval on a streamed pool: the out-of-core counterparts of
 * `selectFromPool` and `retrieveByCaption` (Jain et al. 2023, "data selection" and Sec. 4), over a
 * {@link StreamSource} of any size, in one pass with bounded memory (per-class heaps of K rows).
 * Same rules as the in-memory versions: per class of the pool's labels, the K lowest SVM scores
 * (`'svm'`), the K lowest confidences (`'confidence'`), or K drawn uniformly at random (`'random'`,
 * seeded); a class without a direction is filled at random and listed in `unscored`.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import type { FailureDirections } from '../directions/failure-directions';
import type { SelectionMethod } from '../directions/select-from-pool';
import { isJointEncoder, type Encoder } from '../embed/encoder';
import { openNpy, type NpyReader } from '../embed/npy';
import { progress } from '../util/progress';
import { DuckSession, openDuck } from './duckdb';
import { streamModel, type DirectionsModel } from './model';
import { rowScorer, type ScoreParams } from './score-kernel';
import { classIdSql, prepareSource, resolveLabels, rowsSql, type LabelsAs, type StreamSource } from './sources';
import { BoundedHeap } from './top-k';

/** One window of a streamed pass: raw rows and their class ids (+ predictions / confidences when asked). */
interface PassWindow {
  shard: number;
  /** Row (in the shard) of the window's first row. */
  start: number;
  rows: number;
  raw: Buffer;
  kind: 'f2' | 'f4';
  labels: Int32Array;
  preds: Int32Array | null;
  confidences: Float64Array | null;
  reader: NpyReader;
}

/** Streams every row of `source` window by window, with labels mapped to `classNames`. */
async function streamPass(
  source: StreamSource,
  classNames: readonly string[],
  options: { labelsAs?: LabelsAs; preds?: boolean; confidences?: boolean; label: string; partRows?: number; windowRows?: number },
  onWindow: (w: PassWindow) => void,
): Promise<{ db: DuckSession; labelsAs: LabelsAs }> {
  const db = await openDuck();
  try {
    await prepareSource(db, source, classNames);
    const labelsAs = await resolveLabels(db, source, classNames, options.labelsAs);
    const partRows = options.partRows ?? 262144;
    const windowRows = options.windowRows ?? 8192;
    const bar = progress(options.label, source.rows);
    const started = performance.now();
    let done = 0;
    let raw: Buffer | undefined;
    for (const sh of source.shards) {
      const reader = await openNpy(sh.embeddings, sh.array !== undefined ? { array: sh.array } : {});
      try {
        for (let a = 0; a < sh.rows; a += partRows) {
          const b = Math.min(sh.rows, a + partRows);
          const rel = rowsSql(source, sh.index, a, b);
          const labels = (await db.int32Column(`SELECT ${classIdSql('__fd_label', labelsAs)} FROM (${rel}) ORDER BY __fd_row`, b - a, -1)).values;
          const preds = options.preds
            ? (await db.int32Column(`SELECT CASE WHEN __fd_pred IS NULL THEN NULL ELSE ${classIdSql('__fd_pred', labelsAs)} END FROM (${rel}) ORDER BY __fd_row`, b - a, -1)).values
            : null;
          let confidences: Float64Array | null = null;
          if (options.confidences) {
            const t = await db.table(`SELECT __fd_conf AS c FROM (${rel}) ORDER BY __fd_row`);
            confidences = Float64Array.from(t.array('c') as ArrayLike<number | null>, (v) => (v === null ? NaN : v));
          }
          for (let w = a; w < b; w += windowRows) {
            const m = Math.min(windowRows, b - w);
            raw = await reader.readRaw(w, m, raw);
            onWindow({
              shard: sh.index,
              start: w,
              rows: m,
              raw,
              kind: sh.dtype === 'f2' ? 'f2' : 'f4',
              labels: labels.subarray(w - a, w - a + m),
              preds: preds && preds.subarray(w - a, w - a + m),
              confidences: confidences && confidences.subarray(w - a, w - a + m),
              reader,
            });
            done += m;
            const rate = done / ((performance.now() - started) / 1000);
            bar.tick(m, `${Math.round(rate).toLocaleString('en-US')} rows/s`);
          }
        }
      } finally {
        reader.close();
      }
    }
    bar.done();
    return { db, labelsAs };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** murmur3's 32-bit finaliser. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A seeded uniform draw in [0, 1) for a row (a hash of seed, shard and row): the same rows are drawn
 * whatever the window sizes or the order of the pass.
 */
function rowUniform(seed: number, shard: number, row: number): number {
  const a = fmix(fmix(seed ^ 0x9e3779b9) ^ shard);
  const hi = fmix(a ^ (row >>> 0));
  const lo = fmix(hi ^ Math.floor(row / 2 ** 32) ^ 0x27d4eb2f);
  return (hi * 2 ** 21 + (lo >>> 11)) / 2 ** 53;
}

/** Options of {@link selectFromPoolStream}. */
export interface SelectFromPoolStreamOptions {
  /** K: rows taken per class. */
  perClass: number;
  /** Ranking (default `'svm'`). */
  by?: SelectionMethod;
  /** Seed of `'random'` and of the random fill of classes without a direction (default 0). */
  seed?: number;
  /** Restrict to these class ids. */
  classes?: readonly number[];
  labelsAs?: LabelsAs;
}

/** What {@link selectFromPoolStream} returns. */
export interface StreamedPoolSelection {
  /**
   * One row per selected example, grouped by class (ascending), first taken first: `shard, row, id,
   * label, className, rankInClass, by`, and `score` / `confidence` when known.
   */
  table: ColumnTable;
  by: SelectionMethod;
  perClass: number;
  /** Classes with fewer than `perClass` rows in the pool (all taken). */
  shortfall: Array<{ label: number; available: number }>;
  /** `'svm'`: classes without a direction, filled at random. */
  unscored: number[];
}

/**
 * `selectFromPool` over a streamed pool: per class of the pool's labels, the `perClass` rows with the
 * lowest SVM score (`by: 'svm'`), the lowest confidence (`'confidence'`, from the metadata's
 * confidence column) or a seeded uniform draw (`'random'`), in one pass over the shards.
 *
 * @example
 * ```ts
 * const pool = await fd.clipRetrievalFolder('/data/unlabeled-pool', { predictions: 'pool-preds.parquet' });
 * const sel = await fd.selectFromPoolStream(dirs, pool, { perClass: 500 });
 * sel.table.print(); // shard, row, id, label, className, rankInClass, by, score
 * ```
 */
export async function selectFromPoolStream(fit: FailureDirections | DirectionsModel | null, source: StreamSource, options: SelectFromPoolStreamOptions): Promise<StreamedPoolSelection> {
  const caller = 'selectFromPoolStream';
  const by = options.by ?? 'svm';
  if (!['svm', 'confidence', 'random'].includes(by)) throw new RangeError(`${caller}: by must be one of svm, confidence, random, got ${JSON.stringify(by)}`);
  const K = options.perClass;
  if (!Number.isInteger(K) || K < 0) throw new RangeError(`${caller}: perClass must be a non-negative integer, got ${K}`);
  if (by === 'svm' && !fit) throw new TypeError(`${caller}: by 'svm' needs fitted failure directions`);
  if (by === 'confidence' && source.columns.confidence === null && !source.predictions?.confidence) {
    throw new TypeError(`${caller}: by 'confidence' needs a confidence column in the metadata (or the predictions table)`);
  }
  const model = fit ? streamModel(fit) : null;
  if (model && model.params.cols !== source.cols) throw new RangeError(`${caller}: the failure directions were fit on ${model.params.cols}-d embeddings but the pool has ${source.cols} columns`);
  const classNames = model ? model.classNames : null;
  if (!classNames) throw new TypeError(`${caller}: pass the fitted failure directions (their class names map the pool's labels), even for 'random' and 'confidence'`);
  const nClasses = classNames.length;
  const seed = options.seed ?? 0;
  const scorer = by === 'svm' ? rowScorer(model!.params) : null;
  const key = Array.from({ length: nClasses }, () => new BoundedHeap(K, true));
  const fill = Array.from({ length: nClasses }, () => new BoundedHeap(K, true)); // random fill for unscored classes
  const counts = new Float64Array(nClasses);
  let scores = new Float64Array(0);
  const { db } = await streamPass(source, classNames, { labelsAs: options.labelsAs, confidences: by === 'confidence', label: 'select from pool' }, (w) => {
    if (scores.length < w.rows) scores = new Float64Array(w.rows);
    if (scorer) {
      const bad = scorer.score(w.raw, w.kind, w.rows, w.labels, scores);
      if (bad >= 0) throw new RangeError(`shard ${w.shard} (${w.reader.label}): non-finite value at row ${w.start + bad}`);
    }
    for (let i = 0; i < w.rows; i++) {
      const c = w.labels[i];
      counts[c]++;
      const row = w.start + i;
      const v = by === 'svm' ? scores[i] : by === 'confidence' ? w.confidences![i] : rowUniform(seed, w.shard, row);
      if (v === v) {
        key[c].offer(v, w.shard, row);
      } else {
        fill[c].offer(rowUniform(seed, w.shard, row), w.shard, row);
      }
    }
  });
  try {
    const classes = (options.classes ? [...options.classes] : Array.from({ length: nClasses }, (_, c) => c).filter((c) => counts[c] > 0)).sort((a, b) => a - b);
    const picked: Array<{ label: number; rank: number; shard: number; row: number; score: number | null; confidence: number | null }> = [];
    const shortfall: StreamedPoolSelection['shortfall'] = [];
    const unscored: number[] = [];
    for (const c of classes) {
      if (counts[c] < K) shortfall.push({ label: c, available: counts[c] });
      let entries = key[c].sorted();
      if (by === 'svm' && entries.length === 0 && fill[c].size > 0) {
        unscored.push(c);
        entries = fill[c].sorted();
      }
      const filled = unscored.includes(c);
      entries.forEach((e, r) => {
        picked.push({ label: c, rank: r, shard: e.shard, row: e.row, score: by === 'svm' ? (filled ? NaN : e.score) : null, confidence: by === 'confidence' ? e.score : null });
      });
    }
    // ids of the picked rows
    const ids = await idsOf(db, source, picked);
    const cols: Record<string, unknown[]> = {
      shard: picked.map((p) => p.shard),
      row: picked.map((p) => p.row),
      id: picked.map((p) => ids.get(`${p.shard}:${p.row}`) ?? null),
      label: picked.map((p) => p.label),
      className: picked.map((p) => classNames[p.label]),
      rankInClass: picked.map((p) => p.rank),
      by: picked.map(() => by),
    };
    if (by === 'svm') cols.score = picked.map((p) => p.score);
    if (by === 'confidence') cols.confidence = picked.map((p) => p.confidence);
    return { table: aq.table(cols as never), by, perClass: K, shortfall, unscored };
  } finally {
    db.close();
  }
}

/** The ids of some (shard, row) positions, read from the metadata. */
async function idsOf(db: DuckSession, source: StreamSource, at: Array<{ shard: number; row: number }>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const byShard = new Map<number, number[]>();
  for (const p of at) {
    let l = byShard.get(p.shard);
    if (!l) byShard.set(p.shard, (l = []));
    l.push(p.row);
  }
  for (const [shard, rows] of byShard) {
    await db.int32Table('fd_pick', { row: rows });
    const r = await db.rows(`SELECT m.__fd_row AS row, m.__fd_id AS id FROM (${rowsSql(source, shard)}) m JOIN fd_pick p ON p.row = m.__fd_row`);
    for (const x of r) out.set(`${shard}:${x.row}`, String(x.id));
  }
  return out;
}

/** Options of {@link retrieveByCaptionStream}. */
export interface RetrieveByCaptionStreamOptions {
  /** Only rank rows whose label is this class (as the paper retrieves within the direction's class). */
  classId?: number;
  /** The class vocabulary of the pool's labels (default: the fitted directions' when given as `fit`). */
  classNames?: readonly string[];
  /** Fitted directions whose class names map the labels (alternative to `classNames`). */
  fit?: FailureDirections | DirectionsModel;
  labelsAs?: LabelsAs;
}

/** What {@link retrieveByCaptionStream} returns. */
export interface StreamedCaptionRetrieval {
  caption: string;
  k: number;
  /** The k nearest rows: `rank, shard, row, id, label, className, similarity, pred, correct`. */
  table: ColumnTable;
  /** The model's accuracy on the k rows (NaN without predictions). */
  accuracy: number;
  /** Its accuracy on the whole pool (or on `classId`'s rows), NaN without predictions. */
  splitAccuracy: number;
}

/**
 * `retrieveByCaption` over a streamed pool: the `k` rows nearest to a caption in the joint space
 * (cosine similarity), with the model's accuracy on them next to its accuracy on the pool (or the
 * class). The caption is embedded by a joint encoder, or given as a text embedding computed elsewhere
 * (e.g. with the CLIP text tower that produced the pool's image embeddings).
 *
 * @example
 * ```ts
 * const pool = await fd.clipRetrievalFolder('clip-out');
 * const r = await fd.retrieveByCaptionStream(joint, 'a photo of a dog in the snow', pool, 100, { fit: dirs, classId: 3 });
 * console.log(r.accuracy, r.splitAccuracy);
 * const clipText = new Float32Array(512); // a caption embedded elsewhere, e.g. by CLIP in Python
 * const r2 = await fd.retrieveByCaptionStream({ caption: 'a dog in the snow', embedding: clipText }, null, pool, 100, { fit: dirs });
 * ```
 */
export async function retrieveByCaptionStream(
  encoder: Encoder | { caption: string; embedding: Float32Array },
  caption: string | null,
  source: StreamSource,
  k: number,
  options: RetrieveByCaptionStreamOptions = {},
): Promise<StreamedCaptionRetrieval> {
  const caller = 'retrieveByCaptionStream';
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${caller}: k must be a positive integer, got ${k}`);
  let text: Float32Array;
  let captionText: string;
  if (encoder != null && 'embedding' in encoder && encoder.embedding instanceof Float32Array) {
    text = encoder.embedding;
    captionText = encoder.caption;
  } else {
    const enc = encoder as Encoder;
    if (!isJointEncoder(enc)) throw new TypeError(`${caller}: pass a joint image-text encoder, or { caption, embedding } with a text embedding computed elsewhere`);
    if (typeof caption !== 'string' || caption.trim() === '') throw new TypeError(`${caller}: caption must be a non-empty string`);
    text = (await enc.embedTexts([caption])).data;
    captionText = caption;
  }
  if (text.length !== source.cols) throw new RangeError(`${caller}: the caption embedding has ${text.length} values but the pool's embeddings have ${source.cols}`);
  const classNames = options.classNames ?? (options.fit ? streamModel(options.fit).classNames : null);
  if (!classNames) throw new TypeError(`${caller}: pass classNames (or fit) so that the pool's labels map to classes`);
  const classId = options.classId;
  if (classId !== undefined && !(Number.isInteger(classId) && classId >= 0 && classId < classNames.length)) throw new RangeError(`${caller}: classId ${classId} is not a class (0..${classNames.length - 1})`);
  let tn = 0;
  for (let j = 0; j < text.length; j++) tn += text[j] * text[j];
  tn = Math.sqrt(tn) || 1;
  // The kernel with no whitening, row normalisation and the caption as the only "class": x.t / |x|.
  const d = source.cols;
  const params: ScoreParams = { cols: d, mean: new Float64Array(d), invStd: new Float64Array(d).fill(1), normalize: true, coef: Float64Array.from(text), intercept: new Float64Array(1), hasSvm: new Uint8Array([1]), nClasses: 1 };
  const scorer = rowScorer(params);
  const top = new BoundedHeap(k, false);
  let zeros = new Int32Array(0);
  let sims = new Float64Array(0);
  let hits = 0;
  let n = 0;
  let withPred = 0;
  const hasPreds = source.columns.pred !== null || (source.predictions?.pred ?? null) !== null;
  const { db } = await streamPass(source, classNames, { labelsAs: options.labelsAs, preds: hasPreds, label: 'retrieve by caption' }, (w) => {
    if (zeros.length < w.rows) {
      zeros = new Int32Array(w.rows);
      sims = new Float64Array(w.rows);
    }
    const bad = scorer.score(w.raw, w.kind, w.rows, zeros, sims);
    if (bad >= 0) throw new RangeError(`shard ${w.shard} (${w.reader.label}): non-finite value at row ${w.start + bad}`);
    for (let i = 0; i < w.rows; i++) {
      if (classId !== undefined && w.labels[i] !== classId) continue;
      n++;
      const p = w.preds ? w.preds[i] : -1;
      if (p >= 0) {
        withPred++;
        if (p === w.labels[i]) hits++;
      }
      top.offer(sims[i] / tn, w.shard, w.start + i);
    }
  });
  try {
    if (n === 0) throw new RangeError(`${caller}: the pool has no rows${classId !== undefined ? ` of class ${classId} ('${classNames[classId]}')` : ''}`);
    const entries = top.sorted();
    const rows = new Map<string, { id: string; label: number; pred: number | null }>();
    const byShard = new Map<number, number[]>();
    for (const e of entries) {
      let l = byShard.get(e.shard);
      if (!l) byShard.set(e.shard, (l = []));
      l.push(e.row);
    }
    const labelsAs = await resolveLabels(db, source, classNames, options.labelsAs);
    for (const [shard, list] of byShard) {
      await db.int32Table('fd_pick', { row: list });
      const pred = `CASE WHEN m.__fd_pred IS NULL THEN NULL ELSE ${classIdSql('m.__fd_pred', labelsAs)} END`;
      const r = await db.rows(`SELECT m.__fd_row AS row, m.__fd_id AS id, ${classIdSql('m.__fd_label', labelsAs)} AS label, ${pred} AS pred FROM (${rowsSql(source, shard)}) m JOIN fd_pick p ON p.row = m.__fd_row`);
      for (const x of r) rows.set(`${shard}:${x.row}`, { id: String(x.id), label: Number(x.label), pred: x.pred === null ? null : Number(x.pred) });
    }
    const key = (e: { shard: number; row: number }) => `${e.shard}:${e.row}`;
    const label = entries.map((e) => rows.get(key(e))!.label);
    const pred = entries.map((e) => rows.get(key(e))!.pred);
    let topHits = 0;
    pred.forEach((p, i) => (topHits += p !== null && p === label[i] ? 1 : 0));
    const table = aq.table({
      rank: entries.map((_, r) => r),
      shard: entries.map((e) => e.shard),
      row: entries.map((e) => e.row),
      id: entries.map((e) => rows.get(key(e))!.id),
      label,
      className: label.map((c) => classNames[c]),
      similarity: Float64Array.from(entries, (e) => e.score),
      pred,
      correct: pred.map((p, i) => (p === null ? null : p === label[i])),
    } as never);
    return {
      caption: captionText,
      k: entries.length,
      table,
      accuracy: hasPreds ? topHits / entries.length : NaN,
      splitAccuracy: hasPreds && withPred > 0 ? hits / withPred : NaN,
    };
  } finally {
    db.close();
  }
}
