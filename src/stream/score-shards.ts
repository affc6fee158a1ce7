/**
 * Out-of-core scoring: apply fitted failure directions (their preprocessing and per-class SVMs) to
 * every row of a streamed dataset in bounded memory, and write one row of results per example
 * (`id, label, pred, correct, confidence, score, flagged, shard, row`) as Parquet parts, with the K
 * hardest and easiest rows of every class kept in heaps while streaming.
 *
 * Memory is bounded by the window (rows read and scored at once) and the part size (rows written per
 * Parquet file), not by the dataset: embeddings are read from disk window by window, labels are
 * fetched and results written part by part by DuckDB (on its own thread, overlapping the scoring).
 *
 * A run covers a range of shards (or of rows), so an array job (Slurm, Ray, Spark) can run one
 * process per range into the same folder, or into folders that merge by copying their files together:
 * every file is named by the range or the shard and rows it holds. Output is atomic: parts are written
 * into `.partial-<range>-<pid>/` and moved into place only when the whole range is done, then the
 * range's manifest `runs/<range>.json` is written; readers ({@link scoresDb}) only see ranges with a
 * manifest. A failed run removes its partial folder.
 */
import type { ColumnTable } from 'arquero';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/fs-atomic';
import type { FailureDirections } from '../directions/failure-directions';
import { openNpy, type NpyReader } from '../embed/npy';
import { progress } from '../util/progress';
import { DuckSession, openDuck, sqlString } from './duckdb';
import { streamModel, type DirectionsModel, type StreamModel } from './model';
import { rowScorer } from './score-kernel';
import { classIdSql, describeSource, duplicateId, prepareSource, resolveLabels, rowsSql, type LabelsAs, type StreamSource } from './sources';
import { ClassTopK } from './top-k';

/** Format tag of result folders. */
export const SCORES_FORMAT = 'failure-directions/scores';

/** Options of {@link scoreShards}. */
export interface ScoreShardsOptions {
  /** The result folder (created; other ranges may already be in it). */
  out: string;
  /** Shards `[start, end)` to score (default all). */
  shards?: [number, number];
  /** Or global rows `[start, end)` (for one huge file split across workers); not with `shards`. */
  rows?: [number, number];
  /** K of the per-class hardest / easiest heaps. Default 100. */
  topK?: number;
  /** Force how labels map to classes (default: decided from the values, see `resolveLabels`). */
  labelsAs?: LabelsAs;
  /** Rows per output Parquet part (and per label fetch). Default 262144. */
  partRows?: number;
  /** Rows read and scored at once. Default 8192. */
  windowRows?: number;
  /** Replace an earlier complete run of the same range (default false: that is an error). */
  overwrite?: boolean;
  /** Check that no id repeats within the range before scoring (default true). */
  checkDuplicates?: boolean;
  /** DuckDB threads (default 1) and memory limit (default '384MB'). */
  threads?: number;
  memoryLimit?: string;
  /** `'js'` forces the JavaScript kernel (default: wasm SIMD when available). */
  engine?: 'auto' | 'js';
}

/** What {@link scoreShards} returns. */
export interface ScoreShardsResult {
  out: string;
  /** The range's manifest file. */
  manifest: string;
  /** Range tag, e.g. `'s000000-000020'`. */
  range: string;
  rows: number;
  flagged: number;
  seconds: number;
  rowsPerSecond: number;
  /** Kernel used: `'wasm-simd'` or `'js'`. */
  engine: string;
  /** K hardest rows per class: `label, className, rankInClass, score, id, pred, correct, confidence, flagged, shard, row`. */
  hardest: ColumnTable;
  /** K easiest rows per class (same columns). */
  easiest: ColumnTable;
  /** Written Parquet parts, relative to `out`. */
  parts: string[];
}

/** One unit of work: rows `[start, end)` of a shard, written as one part. */
interface Unit {
  shard: number;
  start: number;
  end: number;
  file: string;
}

/** `FD_TRACE=1` prints the time of each phase to stderr (to see where a slow run spends it). */
function tracer(): (what: string) => void {
  if (!process.env.FD_TRACE) return () => undefined;
  let t = performance.now();
  return (what) => {
    const n = performance.now();
    process.stderr.write(`[scoreShards] ${what}: ${((n - t) / 1000).toFixed(3)}s\n`);
    t = n;
  };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

function unitsOf(source: StreamSource, options: ScoreShardsOptions): { units: Unit[]; tag: string; shardIdx: number[] } {
  const partRows = options.partRows ?? 262144;
  if (!Number.isInteger(partRows) || partRows < 1) throw new RangeError(`scoreShards: partRows must be a positive integer, got ${partRows}`);
  if (options.shards && options.rows) throw new RangeError('scoreShards: pass shards or rows, not both');
  let g0: number;
  let g1: number;
  let tag: string;
  if (options.rows) {
    const [a, b] = options.rows;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b > source.rows || a >= b) throw new RangeError(`scoreShards: rows [${a}, ${b}) is not a range inside 0..${source.rows}`);
    [g0, g1] = [a, b];
    tag = `r${pad(a, 12)}-${pad(b, 12)}`;
  } else {
    const [a, b] = options.shards ?? [0, source.shards.length];
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b > source.shards.length || a >= b) {
      throw new RangeError(`scoreShards: shards [${a}, ${b}) is not a range inside 0..${source.shards.length} (the source has ${source.shards.length} shards)`);
    }
    g0 = source.shards[a].offset;
    g1 = source.shards[b - 1].offset + source.shards[b - 1].rows;
    tag = `s${pad(a, 6)}-${pad(b, 6)}`;
  }
  const units: Unit[] = [];
  const shardIdx: number[] = [];
  for (const sh of source.shards) {
    const a = Math.max(g0, sh.offset) - sh.offset;
    const b = Math.min(g1, sh.offset + sh.rows) - sh.offset;
    if (b <= a) continue;
    shardIdx.push(sh.index);
    for (let s = a; s < b; s += partRows) {
      const e = Math.min(b, s + partRows);
      units.push({ shard: sh.index, start: s, end: e, file: `scores/part-s${pad(sh.index, 6)}-r${pad(s, 10)}.parquet` });
    }
  }
  return { units, tag, shardIdx };
}

/** The manifest of one scored range (`runs/<range>.json`). */
export interface ScoresManifest {
  format: typeof SCORES_FORMAT;
  version: 1;
  range: string;
  model: { hash: string; classNames: string[]; nFeatures: number; undirected: number[] };
  source: {
    kind: StreamSource['kind'];
    root: string | null;
    rows: number;
    cols: number;
    metadataTable: string | null;
    metadataColumns: string[];
    columns: StreamSource['columns'];
    split: string | null;
    shards: Array<{ index: number; embeddings: string; array?: string; rows: number; offset: number; metadata: string | null }>;
  };
  labelsAs: LabelsAs;
  parts: Array<{ file: string; shard: number; start: number; end: number; flagged: number }>;
  topK: { k: number; hardest: string; easiest: string };
  rows: number;
  flagged: number;
}

function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(Math.round(s % 60), 2)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.round((s % 3600) / 60), 2)}m`;
}

/**
 * Scores every row of `source` (or of a range of its shards / rows) with fitted failure directions,
 * in bounded memory, into the result folder `options.out` (see the module header for the layout and
 * its atomicity). Rows of a class without a direction get NaN scores (`flagged` false), as in
 * `FailureDirections.scores`. Reports progress with rows/s and the time left.
 *
 * Checks before scoring: labels and predictions map to the model's classes (an unknown one is named
 * with its shard and row), no id repeats within the range (both places named). While scoring: a
 * non-finite embedding value is an error naming its shard, row and column. Nothing of a failed run
 * is left looking complete.
 *
 * @example
 * ```ts
 * const src = await fd.clipRetrievalFolder('/data/pool', { predictions: 'preds.parquet' });
 * const run = await fd.scoreShards(dirs, src, { out: '/data/pool-scores', topK: 100 });
 * run.rowsPerSecond; run.hardest.print(10);
 * // one range per array task: fd.scoreShards(dirs, src, { out, shards: [8, 16] })
 * ```
 */
export async function scoreShards(dirs: FailureDirections | DirectionsModel, source: StreamSource, options: ScoreShardsOptions): Promise<ScoreShardsResult> {
  if (options == null || typeof options.out !== 'string') throw new TypeError('scoreShards: pass { out: folder }');
  const model = streamModel(dirs);
  if (model.params.cols !== source.cols) {
    throw new RangeError(`scoreShards: the failure directions were fit on ${model.params.cols}-d embeddings but ${describeSource(source)} has ${source.cols} columns`);
  }
  const topK = options.topK ?? 100;
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`scoreShards: topK must be a non-negative integer, got ${topK}`);
  const windowRows = options.windowRows ?? 8192;
  if (!Number.isInteger(windowRows) || windowRows < 1) throw new RangeError(`scoreShards: windowRows must be a positive integer, got ${windowRows}`);
  const { units, tag } = unitsOf(source, options);
  const shardIdx = [...new Set(units.map((u) => u.shard))];
  const out = path.resolve(options.out);
  fs.mkdirSync(out, { recursive: true });
  const manifestFile = path.join(out, 'runs', `${tag}.json`);
  if (fs.existsSync(manifestFile) && !options.overwrite) {
    throw new Error(`${manifestFile} exists: range ${tag} was already scored into ${out}; pass overwrite: true (--overwrite) to score it again`);
  }
  for (const f of fs.readdirSync(out)) if (f.startsWith(`.partial-${tag}-`)) removeDir(path.join(out, f)); // left by a killed run
  const staging = path.join(out, `.partial-${tag}-${process.pid}`);
  fs.mkdirSync(path.join(staging, 'scores'), { recursive: true });
  fs.mkdirSync(path.join(staging, 'topk'), { recursive: true });
  const started = performance.now();
  const db = await openDuck({ threads: options.threads ?? 1, memoryLimit: options.memoryLimit, tempDirectory: staging });
  const readers = new Map<number, NpyReader>();
  const trace = tracer();
  try {
    await prepareSource(db, source, model.classNames);
    trace('prepare');
    const labelsAs = await resolveLabels(db, source, model.classNames, options.labelsAs, shardIdx);
    trace('labels checked');
    // The duplicate-id check runs on its own connection, overlapping the scoring; a duplicate stops the run.
    const dupCon = await db.connect();
    let dupState: { done: boolean; error: Error | null } = { done: false, error: null };
    const dupCheck =
      options.checkDuplicates === false
        ? Promise.resolve()
        : duplicateId(db, source, shardIdx, dupCon).then((dup) => {
            if (dup) {
              const where = dup.where.map((w) => `shard ${w.shard} (${path.basename(source.shards[w.shard].embeddings)}) row ${w.row}`).join(' and ');
              throw new Error(`id ${JSON.stringify(dup.id)} appears more than once: at ${where}; ids must be unique (name another id column with columns: { id })`);
            }
          });
    dupCheck.then(
      () => (dupState = { done: true, error: null }),
      (e: Error) => (dupState = { done: true, error: e }),
    );
    trace('ids checked');
    const scorer = rowScorer(model.params, { engine: options.engine });
    const topk = new ClassTopK(model.classNames.length, topK);
    const total = units.reduce((a, u) => a + u.end - u.start, 0);
    const bar = progress('score shards', total);
    const writer = await db.connect();
    const labelSql = (u: Unit) => `SELECT ${classIdSql('__fd_label', labelsAs)} FROM (${rowsSql(source, u.shard, u.start, u.end)}) ORDER BY __fd_row`;
    const fetchLabels = (u: Unit) => db.int32Column(labelSql(u), u.end - u.start, -1);
    let pendingLabels = fetchLabels(units[0]);
    let pendingWrite: Promise<void> = Promise.resolve();
    let done = 0;
    let flagged = 0;
    const partInfo: ScoresManifest['parts'] = [];
    let raw: Buffer | undefined;
    for (let k = 0; k < units.length; k++) {
      const u = units[k];
      const { values: labels, nulls } = await pendingLabels;
      trace(`part ${k}: labels`);
      if (dupState.error) throw dupState.error;
      if (nulls) throw new Error(`shard ${u.shard}: ${nulls} rows of ${u.start}..${u.end - 1} have no label`);
      if (k + 1 < units.length) pendingLabels = fetchLabels(units[k + 1]);
      const sh = source.shards[u.shard];
      let reader = readers.get(u.shard);
      if (!reader) {
        for (const [i, r] of readers) {
          if (i !== u.shard) {
            r.close();
            readers.delete(i);
          }
        }
        reader = await openNpy(sh.embeddings, sh.array !== undefined ? { array: sh.array } : {});
        readers.set(u.shard, reader);
      }
      const n = u.end - u.start;
      const scores = new Float64Array(n);
      const kind = sh.dtype === 'f2' ? 'f2' : 'f4';
      for (let w = 0; w < n; w += windowRows) {
        const m = Math.min(windowRows, n - w);
        // Read straight into the kernel's memory when it has some (no copy).
        raw = await reader.readRaw(u.start + w, m, scorer.inputBuffer?.(m * reader.rowBytes) ?? raw);
        const bad = scorer.score(raw, kind, m, labels.subarray(w, w + m), scores.subarray(w, w + m));
        if (bad >= 0) {
          const row = u.start + w + bad;
          const vals = (await reader.read(row, 1)).data;
          const col = vals.findIndex((v) => !Number.isFinite(v));
          throw new RangeError(`shard ${u.shard} (${reader.label}): non-finite value ${vals[col]} at row ${row}, column ${col}`);
        }
        topk.offerRows(labels.subarray(w, w + m), scores.subarray(w, w + m), m, u.shard, u.start + w);
        done += m;
        const secs = (performance.now() - started) / 1000;
        const rate = done / secs;
        bar.tick(m, `${Math.round(rate).toLocaleString('en-US')} rows/s, ETA ${fmtDuration((total - done) / rate)}`);
      }
      trace(`part ${k}: scored`);
      let f = 0;
      for (let i = 0; i < n; i++) if (scores[i] < 0) f++;
      flagged += f;
      partInfo.push({ file: u.file, shard: u.shard, start: u.start, end: u.end, flagged: f });
      // The previous part's write overlaps with this part's scoring; one write at a time.
      await pendingWrite;
      trace(`part ${k}: previous write done`);
      pendingWrite = writePart(db, writer, source, u, scores, labelsAs, path.join(staging, u.file));
    }
    await pendingWrite;
    trace('last write done');
    await pendingLabels.catch(() => undefined);
    await dupCheck;
    dupCon.closeSync();
    trace('ids checked');
    writer.closeSync();
    for (const r of readers.values()) r.close();
    readers.clear();
    // Resolve the heaps' rows (ids, predictions) from the written parts.
    const stagedParts = partInfo.map((p) => path.join(staging, p.file));
    const hardestFile = `topk/hardest-${tag}.parquet`;
    const easiestFile = `topk/easiest-${tag}.parquet`;
    const { hardest, easiest } = await writeTopK(db, topk, model, stagedParts, { hardest: path.join(staging, hardestFile), easiest: path.join(staging, easiestFile) });
    trace('top-K resolved');
    db.close();
    bar.done();
    // Move into place, then the manifest (the range becomes visible only now).
    for (const rel of [...partInfo.map((p) => p.file), hardestFile, easiestFile]) {
      fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
      fs.renameSync(path.join(staging, rel), path.join(out, rel));
    }
    const manifest: ScoresManifest = {
      format: SCORES_FORMAT,
      version: 1,
      range: tag,
      model: { hash: model.hash, classNames: model.classNames, nFeatures: model.params.cols, undirected: model.undirected },
      source: {
        kind: source.kind,
        root: source.root && path.resolve(source.root),
        rows: source.rows,
        cols: source.cols,
        metadataTable: source.metadataTable && path.resolve(source.metadataTable),
        metadataColumns: source.metadataColumns,
        columns: source.columns,
        split: source.split,
        shards: source.shards.map((s) => ({ index: s.index, embeddings: path.resolve(s.embeddings), ...(s.array !== undefined ? { array: s.array } : {}), rows: s.rows, offset: s.offset, metadata: s.metadata && path.resolve(s.metadata) })),
      },
      labelsAs,
      parts: partInfo,
      topK: { k: topK, hardest: hardestFile, easiest: easiestFile },
      rows: total,
      flagged,
    };
    writeJsonAtomic(manifestFile, manifest);
    removeDir(staging);
    const seconds = (performance.now() - started) / 1000;
    return { out, manifest: manifestFile, range: tag, rows: total, flagged, seconds, rowsPerSecond: total / seconds, engine: scorer.engine, hardest, easiest, parts: partInfo.map((p) => p.file) };
  } catch (e) {
    for (const r of readers.values()) r.close();
    db.close();
    removeDir(staging);
    throw e;
  }
}

/**
 * Writes one part: the unit's metadata rows next to their scores, as Parquet. Both sides are in row
 * order, so they are paired by position (no hash join, no sort); a check on every row turns any
 * misalignment into an error instead of a wrong pairing.
 */
async function writePart(db: DuckSession, con: Awaited<ReturnType<DuckSession['connect']>>, source: StreamSource, u: Unit, scores: Float64Array, labelsAs: LabelsAs, file: string): Promise<void> {
  await db.rowScoreTable('fd_part', u.start, scores, con);
  const label = classIdSql('m.__fd_label', labelsAs);
  const pred = `CASE WHEN m.__fd_pred IS NULL THEN NULL ELSE ${classIdSql('m.__fd_pred', labelsAs)} END`;
  await db.run(
    `COPY (SELECT m.__fd_id AS id, ${label} AS label, ${pred} AS pred, (${label} = ${pred}) AS correct, m.__fd_conf AS confidence, ` +
      `CASE WHEN s.row = m.__fd_row THEN s.score ELSE error('scoreShards: rows out of order in shard ${u.shard}') END AS score, ` +
      `(s.score < 0) AS flagged, m.__fd_shard AS shard, m.__fd_row AS row ` +
      // A predictions table joined by id does not keep the metadata's order: sort those rows first.
      `FROM (${rowsSql(source, u.shard, u.start, u.end)}${source.predictions ? ' ORDER BY __fd_row' : ''}) m POSITIONAL JOIN fd_part s) ` +
      `TO ${sqlString(file)} (FORMAT parquet, COMPRESSION snappy)`,
    con,
  );
}

/**
 * The heaps' rows as Arquero tables (joined with the written parts for their ids and predictions,
 * in one scan for both sides) and as Parquet files.
 */
async function writeTopK(db: DuckSession, topk: ClassTopK, model: StreamModel, parts: string[], files: { hardest: string; easiest: string }): Promise<{ hardest: ColumnTable; easiest: ColumnTable }> {
  const h = topk.entries('hardest');
  const e = topk.entries('easiest');
  const cat = <T>(a: T[], b: T[]) => [...a, ...b];
  await db.int32Table('fd_top', {
    side: [...new Array(h.label.length).fill(0), ...new Array(e.label.length).fill(1)],
    label: cat(h.label, e.label),
    rankInClass: cat(h.rankInClass, e.rankInClass),
    shard: cat(h.shard, e.shard),
    row: cat(h.row, e.row),
  });
  const names = `[${model.classNames.map(sqlString).join(', ')}]`;
  const trace = tracer();
  await db.run(
    `CREATE OR REPLACE TEMP TABLE fd_top_rows AS SELECT t.side, t.label, list_extract(${names}, t.label + 1) AS className, t.rankInClass, p.score, p.id, p.pred, ` +
      `CASE WHEN p.pred IS NULL THEN NULL ELSE list_extract(${names}, p.pred + 1) END AS predName, p.correct, p.confidence, p.flagged, t.shard, p.row ` +
      `FROM fd_top t JOIN read_parquet([${parts.map(sqlString).join(', ')}]) p ON p.shard = t.shard AND p.row = t.row`,
  );
  trace('top-K joined');
  const out: Record<string, ColumnTable> = {};
  for (const [side, k] of [['hardest', 0], ['easiest', 1]] as const) {
    const sel = `SELECT * EXCLUDE (side) FROM fd_top_rows WHERE side = ${k} ORDER BY label, rankInClass`;
    await db.run(`COPY (${sel}) TO ${sqlString(files[side])} (FORMAT parquet)`);
    out[side] = await db.table(sel);
    trace(`top-K ${side}`);
  }
  return { hardest: out.hardest, easiest: out.easiest };
}

/** JSON with a trailing newline, written atomically. */
function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, Buffer.from(JSON.stringify(value, null, 1) + '\n'));
}
