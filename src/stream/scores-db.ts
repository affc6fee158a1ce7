/**
 * Queries over scored result folders (written by {@link scoreShards}, possibly by many processes and
 * merged by copying) with DuckDB, returning notebook-sized Arquero tables: the hardest / easiest rows
 * per class, flag rates by any column (of the scores or of the dataset's metadata), score histograms
 * as aggregates, per-class summaries, or any SQL. The full tables stay on disk.
 *
 * Views available to {@link ScoresDb.query}:
 * - `scores`: every scored row, `id, label, className, pred, predName, correct, confidence, score,
 *   flagged, shard, row`;
 * - `metadata`: the dataset's metadata rows with `shard, row` (read from the files the manifests name);
 * - `scored`: `scores` joined with `metadata` on `(shard, row)`.
 */
import type { ColumnTable } from 'arquero';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckSession, openDuck, sqlIdent, sqlString } from './duckdb';
import { SCORES_FORMAT, type ScoresManifest } from './score-shards';
import { prepareSource, rowsSql, type StreamSource } from './sources';

/** Options of {@link scoresDb}. */
export interface ScoresDbOptions {
  /** DuckDB threads (default 2) and memory limit (default '512MB'). */
  threads?: number;
  memoryLimit?: string;
  /** Check that no id repeats across the merged ranges (default true). */
  checkDuplicates?: boolean;
}

/** How much of the dataset the folder's ranges cover. */
export interface ScoresCoverage {
  /** Rows scored. */
  rows: number;
  /** Rows in the dataset. */
  total: number;
  /** Shards with rows not (yet) scored. */
  incompleteShards: number[];
  /** Range tags found (`runs/*.json`). */
  ranges: string[];
}

/** Options of {@link ScoresDb.hardest} / {@link ScoresDb.easiest}. */
export interface TopRowsOptions {
  /** Rows per class (default 100). */
  k?: number;
  /** Only this class. */
  classId?: number;
  /** Metadata columns to add (e.g. `['caption', 'url']`). */
  columns?: string[];
}

/** Options of {@link ScoresDb.histogram}. */
export interface HistogramOptions {
  /** Number of equal-width bins over the score range (default 40). */
  bins?: number;
  /** A column to split counts by (e.g. `'correct'`, `'className'`, or a metadata column). */
  by?: string;
  /** Only this class. */
  classId?: number;
}

const SCORE_COLUMNS = ['id', 'label', 'className', 'pred', 'predName', 'correct', 'confidence', 'score', 'flagged', 'shard', 'row'];

/** A DuckDB database over a result folder. Close it when done. */
export class ScoresDb {
  private metadataReady = false;

  /** @internal */
  constructor(
    readonly folder: string,
    readonly db: DuckSession,
    readonly manifests: ScoresManifest[],
    readonly classNames: string[],
    readonly coverage: ScoresCoverage,
    private readonly source: StreamSource,
  ) {}

  private classFilter(classId: number | undefined, caller: string, prefix = 'WHERE'): string {
    if (classId === undefined) return '';
    if (!Number.isInteger(classId) || classId < 0 || classId >= this.classNames.length) throw new RangeError(`${caller}: classId ${classId} is not one of the classes 0..${this.classNames.length - 1}`);
    return ` ${prefix} label = ${classId}`;
  }

  private async needMetadata(columns: string[], caller: string): Promise<void> {
    const missing = columns.filter((c) => !this.source.metadataColumns.includes(c));
    if (missing.length) {
      throw new Error(`${caller}: no column ${missing.map((c) => `'${c}'`).join(', ')} in the scores (${SCORE_COLUMNS.join(', ')}) or the metadata (${this.source.metadataColumns.join(', ')})`);
    }
    if (this.metadataReady) return;
    for (const s of this.source.shards) {
      const f = s.metadata ?? this.source.metadataTable!;
      if (!fs.existsSync(f)) throw new Error(`${caller}: the metadata file ${f} named by the manifests is gone; metadata columns need it`);
    }
    await prepareSource(this.db, this.source, this.classNames);
    await this.db.run(`CREATE OR REPLACE TEMP VIEW metadata AS SELECT __fd_shard AS shard, __fd_row AS row, * EXCLUDE (__fd_shard, __fd_row, __fd_id, __fd_label, __fd_pred, __fd_conf) FROM (${rowsSql(this.source, null)})`);
    await this.db.run(`CREATE OR REPLACE TEMP VIEW scored AS SELECT s.*, m.* EXCLUDE (shard, row) FROM scores s JOIN metadata m USING (shard, row)`);
    this.metadataReady = true;
  }

  /**
   * Runs any SQL over the views `scores`, `metadata`, `scored` (see the module header) and returns an
   * Arquero table. Results above `maxRows` (default 1,000,000) are an error: aggregate or `LIMIT` in SQL.
   *
   * @example
   * ```ts
   * const db = await fd.scoresDb('scored/');
   * (await db.query(`SELECT className, avg(score) AS meanScore FROM scores GROUP BY ALL ORDER BY 2`)).print();
   * ```
   */
  async query(sql: string, options: { maxRows?: number } = {}): Promise<ColumnTable> {
    if (/\b(metadata|scored)\b/.test(sql)) await this.needMetadata([], 'ScoresDb.query');
    const max = options.maxRows ?? 1_000_000;
    const n = Number((await this.db.rows(`SELECT count(*) AS n FROM (${sql.replace(/;\s*$/, '')})`))[0].n);
    if (n > max) throw new RangeError(`ScoresDb.query: the result has ${n.toLocaleString('en-US')} rows, more than maxRows ${max.toLocaleString('en-US')}; aggregate or LIMIT it in SQL`);
    return this.db.table(sql);
  }

  private async top(side: 'hardest' | 'easiest', options: TopRowsOptions): Promise<ColumnTable> {
    const caller = `ScoresDb.${side}`;
    const k = options.k ?? 100;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`${caller}: k must be a positive integer, got ${k}`);
    const cols = options.columns ?? [];
    if (cols.length) await this.needMetadata(cols, caller);
    const order = side === 'hardest' ? 'score ASC' : 'score DESC';
    const where = `WHERE NOT isnan(score)${this.classFilter(options.classId, caller, ' AND')}`;
    // Every range kept its K most extreme rows per class in heaps while scoring: when k fits in K, the
    // answer lies in the union of those small files (exact), not in a scan of every row.
    const heapK = Math.min(...this.manifests.map((m) => m.topK.k));
    const from =
      k <= heapK
        ? `(SELECT * EXCLUDE (rankInClass) FROM read_parquet([${this.manifests.map((m) => sqlString(path.join(this.folder, m.topK[side]))).join(', ')}]))`
        : 'scores';
    const ranked = `SELECT *, (row_number() OVER (PARTITION BY label ORDER BY ${order}, shard, row) - 1)::INTEGER AS rankInClass FROM ${from} ${where} QUALIFY rankInClass < ${k}`;
    const base = `SELECT label, className, rankInClass, score, id, pred, predName, correct, confidence, flagged, shard, row FROM (${ranked})`;
    if (!cols.length) return this.db.table(`${base} ORDER BY label, rankInClass`);
    // Join the metadata of the selected rows only, shard by shard.
    const sel = cols.map((c) => `m.${sqlIdent(c)}`).join(', ');
    return this.db.table(`WITH t AS (${base}) SELECT t.*, ${sel} FROM t JOIN metadata m USING (shard, row) ORDER BY t.label, t.rankInClass`);
  }

  /**
   * The `k` (default 100) lowest-scoring rows of every class (or of `classId`): `label, className,
   * rankInClass, score, id, pred, predName, correct, confidence, flagged, shard, row` plus the asked
   * metadata `columns`. Ties break by shard, then row.
   *
   * @example
   * ```ts
   * const db = await fd.scoresDb('scored/');
   * (await db.hardest({ k: 100, columns: ['caption'] })).print();
   * ```
   */
  hardest(options: TopRowsOptions = {}): Promise<ColumnTable> {
    return this.top('hardest', options);
  }

  /**
   * The `k` highest-scoring rows per class (as {@link ScoresDb.hardest}).
   *
   * @example
   * ```ts
   * const db = await fd.scoresDb('scored/');
   * (await db.easiest({ classId: 3, k: 20 })).print();
   * ```
   */
  easiest(options: TopRowsOptions = {}): Promise<ColumnTable> {
    return this.top('easiest', options);
  }

  /**
   * Per group of `by` (one or more columns of the scores or the metadata): `n`, `nFlagged`,
   * `flagRate`, `nErrors`, `errorRate` (null without predictions) and `meanScore`, largest groups first.
   *
   * @example
   * ```ts
   * const db = await fd.scoresDb('scored/');
   * (await db.flagRates(['className', 'source'])).print();
   * ```
   */
  async flagRates(by: string | string[], options: { classId?: number } = {}): Promise<ColumnTable> {
    const caller = 'ScoresDb.flagRates';
    const cols = Array.isArray(by) ? by : [by];
    if (cols.length === 0) throw new RangeError(`${caller}: name at least one column`);
    const meta = cols.filter((c) => !SCORE_COLUMNS.includes(c));
    if (meta.length) await this.needMetadata(meta, caller);
    const from = meta.length ? 'scored' : 'scores';
    const g = cols.map(sqlIdent).join(', ');
    return this.db.table(
      `SELECT ${g}, count(*)::BIGINT AS n, count(*) FILTER (WHERE flagged)::BIGINT AS nFlagged, avg(flagged::INTEGER) AS flagRate, ` +
        `count(*) FILTER (WHERE correct = false)::BIGINT AS nErrors, avg(CASE WHEN correct IS NULL THEN NULL ELSE (NOT correct)::INTEGER END) AS errorRate, ` +
        `avg(CASE WHEN isnan(score) THEN NULL ELSE score END) AS meanScore FROM ${from}${this.classFilter(options.classId, caller)} GROUP BY ${g} ORDER BY n DESC, ${g}`,
    );
  }

  /**
   * A histogram of scores as aggregates: `bin, x0, x1, count` (+ the `by` column), equal-width bins
   * over the scores' range (of `classId`'s rows when given); NaN scores are left out.
   *
   * @example
   * ```ts
   * const db = await fd.scoresDb('scored/');
   * const h = await db.histogram({ bins: 50, by: 'correct', classId: 0 });
   * ```
   */
  async histogram(options: HistogramOptions = {}): Promise<ColumnTable> {
    const caller = 'ScoresDb.histogram';
    const bins = options.bins ?? 40;
    if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`${caller}: bins must be a positive integer, got ${bins}`);
    const by = options.by;
    if (by !== undefined && !SCORE_COLUMNS.includes(by)) await this.needMetadata([by], caller);
    const from = by !== undefined && !SCORE_COLUMNS.includes(by) ? 'scored' : 'scores';
    const filt = `WHERE NOT isnan(score)${this.classFilter(options.classId, caller, ' AND')}`;
    const r = (await this.db.rows(`SELECT min(score) AS lo, max(score) AS hi FROM ${from} ${filt}`))[0];
    if (r.lo === null) return this.db.table(`SELECT 0 AS bin, 0.0 AS x0, 0.0 AS x1, 0::BIGINT AS count WHERE false`);
    const lo = Number(r.lo);
    const hi = Number(r.hi);
    const w = hi > lo ? (hi - lo) / bins : 1;
    const bin = `least(${bins - 1}, floor((score - ${lo}) / ${w}))::INTEGER`;
    const byCol = by !== undefined ? `, ${sqlIdent(by)}` : '';
    return this.db.table(
      `SELECT ${bin} AS bin, ${lo} + ${bin} * ${w} AS x0, ${lo} + (${bin} + 1) * ${w} AS x1${byCol}, count(*)::BIGINT AS count ` +
        `FROM ${from} ${filt} GROUP BY ALL ORDER BY bin${byCol}`,
    );
  }

  /**
   * Per class: `label, className, n, nErrors, accuracy, nFlagged, flagRate, meanScore`.
   *
   * @example
   * ```ts
   * const db = await fd.scoresDb('scored/');
   * (await db.classSummary()).print();
   * ```
   */
  classSummary(): Promise<ColumnTable> {
    return this.db.table(
      `SELECT label, className, count(*)::BIGINT AS n, count(*) FILTER (WHERE correct = false)::BIGINT AS nErrors, avg(correct::INTEGER) AS accuracy, ` +
        `count(*) FILTER (WHERE flagged)::BIGINT AS nFlagged, avg(flagged::INTEGER) AS flagRate, avg(CASE WHEN isnan(score) THEN NULL ELSE score END) AS meanScore ` +
        `FROM scores GROUP BY label, className ORDER BY label`,
    );
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}

function readManifest(file: string): ScoresManifest {
  let m: ScoresManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: unreadable manifest (${(e as Error).message})`, { cause: e });
  }
  if (m == null || m.format !== SCORES_FORMAT || m.version !== 1) throw new Error(`${file}: not a failure-directions scores manifest (format ${m && (m as { format?: unknown }).format})`);
  return m;
}

/**
 * Opens a result folder of {@link scoreShards} (one run, or many ranges merged by copying their
 * folders together) for queries. Checks that every range was scored by the same model on the same
 * dataset, that no two ranges overlap, and (by default) that no id repeats; reports how much of the
 * dataset is covered in `coverage` (a folder still being filled is fine to query).
 *
 * @example
 * ```ts
 * const db = await fd.scoresDb('/data/pool-scores');
 * db.coverage;                          // { rows: 2000000, total: 2000000, incompleteShards: [], ... }
 * (await db.hardest({ k: 100 })).print();
 * (await db.flagRates('className')).print();
 * db.close();
 * ```
 */
export async function scoresDb(folder: string, options: ScoresDbOptions = {}): Promise<ScoresDb> {
  const runs = path.join(folder, 'runs');
  const files = fs.existsSync(runs) ? fs.readdirSync(runs).filter((f) => f.endsWith('.json')).sort() : [];
  if (files.length === 0) {
    const partial = fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => f.startsWith('.partial-')) : [];
    throw new Error(`${folder}: no scored ranges (no runs/*.json)${partial.length ? `; ${partial.join(', ')} is an unfinished or failed run` : ''}`);
  }
  const manifests = files.map((f) => readManifest(path.join(runs, f)));
  const first = manifests[0];
  for (let i = 1; i < manifests.length; i++) {
    const m = manifests[i];
    if (m.model.hash !== first.model.hash) throw new Error(`${folder}: ranges ${first.range} and ${m.range} were scored by different models (hashes ${first.model.hash.slice(0, 12)} and ${m.model.hash.slice(0, 12)})`);
    if (m.source.rows !== first.source.rows || m.source.shards.length !== first.source.shards.length) {
      throw new Error(`${folder}: ranges ${first.range} and ${m.range} come from different datasets (${first.source.rows} vs ${m.source.rows} rows)`);
    }
  }
  // Overlaps and coverage, per shard.
  const byShard = new Map<number, Array<{ start: number; end: number; range: string }>>();
  const parts: string[] = [];
  for (const m of manifests) {
    for (const p of m.parts) {
      const file = path.join(folder, p.file);
      if (!fs.existsSync(file)) throw new Error(`${folder}: part ${p.file} of range ${m.range} is missing`);
      parts.push(file);
      let l = byShard.get(p.shard);
      if (!l) byShard.set(p.shard, (l = []));
      l.push({ start: p.start, end: p.end, range: m.range });
    }
  }
  let covered = 0;
  const incomplete: number[] = [];
  for (const s of first.source.shards) {
    const l = (byShard.get(s.index) ?? []).sort((a, b) => a.start - b.start);
    let have = 0;
    for (let i = 0; i < l.length; i++) {
      if (i > 0 && l[i].start < l[i - 1].end) {
        throw new Error(`${folder}: ranges ${l[i - 1].range} and ${l[i].range} both scored shard ${s.index} rows ${l[i].start}..${Math.min(l[i].end, l[i - 1].end) - 1}; remove one of them`);
      }
      have += l[i].end - l[i].start;
    }
    covered += have;
    if (have < s.rows) incomplete.push(s.index);
  }
  const src = first.source;
  const source: StreamSource = {
    kind: src.kind,
    root: src.root,
    shards: src.shards.map((s) => ({ index: s.index, embeddings: s.embeddings, array: s.array, rows: s.rows, cols: src.cols, dtype: 'f4', offset: s.offset, metadata: s.metadata })),
    rows: src.rows,
    cols: src.cols,
    metadataTable: src.metadataTable,
    metadataColumns: src.metadataColumns,
    columns: src.columns,
    predictions: null,
    split: src.split,
  };
  // The predictions table (if any) was folded into the scores; metadata rows need no labels here.
  const db = await openDuck({ threads: options.threads ?? 2, memoryLimit: options.memoryLimit ?? '512MB' });
  try {
    const names = `[${first.model.classNames.map(sqlString).join(', ')}]`;
    await db.run(
      `CREATE OR REPLACE TEMP VIEW scores AS SELECT id, label, list_extract(${names}, label + 1) AS className, pred, ` +
        `CASE WHEN pred IS NULL THEN NULL ELSE list_extract(${names}, pred + 1) END AS predName, correct, confidence, score, flagged, shard, row ` +
        `FROM read_parquet([${parts.map(sqlString).join(', ')}])`,
    );
    if (options.checkDuplicates !== false && manifests.length > 1) {
      const dup = await db.rows(`SELECT id, list({'shard': shard, 'row': "row"} ORDER BY shard, row)[1:2] AS at FROM scores GROUP BY id HAVING count(*) > 1 ORDER BY id LIMIT 1`);
      if (dup.length) {
        const at = (dup[0].at as Array<{ shard: unknown; row: unknown }>).map((x) => `shard ${x.shard} row ${x.row}`).join(' and ');
        throw new Error(`${folder}: id ${JSON.stringify(dup[0].id)} was scored more than once (${at}); ids must be unique across the merged ranges`);
      }
    }
    return new ScoresDb(folder, db, manifests, [...first.model.classNames], { rows: covered, total: src.rows, incompleteShards: incomplete, ranges: manifests.map((m) => m.range) }, source);
  } catch (e) {
    db.close();
    throw e;
  }
}
