/**
 * Streamed datasets: embedding shards (`.npy` float16 / float32, or `.npz` arrays) plus a metadata
 * table row-aligned with them (Parquet or CSV, read by DuckDB), in the layouts users have:
 *
 * - clip-retrieval's output folder: `img_emb/img_emb_{i}.npy`, `text_emb/text_emb_{i}.npy`,
 *   `metadata/metadata_{i}.parquet` (row i of a metadata shard describes row i of its embedding shard);
 * - a list of `.npy` shards with one Parquet / CSV of ids, labels and predictions covering their
 *   concatenation (or one table per shard);
 * - a single large `.npy` (a list of one), read in row windows.
 *
 * Labels and predictions come from columns of the metadata, or from a separate predictions table
 * joined by id (e.g. a model's predictions keyed by clip-retrieval's `image_path`). Opening a source
 * checks everything that can be checked without scoring: every shard's header and size (a truncated
 * shard fails here), that all shards have the same width, and that each metadata table has exactly
 * as many rows as its embeddings. Errors name the shard.
 */
import type { LabelsAs } from '../data/class-vocabulary';

export type { LabelsAs };
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openNpy, type NpyDtype } from '../embed/npy';
import { DuckSession, openDuck, sqlIdent, sqlString } from './duckdb';

/** Which metadata columns hold what (case-sensitive names; defaults in {@link SourceOptions}). */
export interface ColumnNames {
  /** Example id. Default: the first of `id`, `key`, `image_path`, `url` that exists, else `'<shard>:<row>'`. */
  id?: string;
  /** True class (a class name, or an integer class id). Default `label`. */
  label?: string;
  /** Predicted class (optional). Default `pred` when present. */
  pred?: string;
  /** Model confidence in the true class (optional). Default `confidence` when present. */
  confidence?: string;
}

/** A separate predictions table joined to the metadata by id. */
export interface PredictionsTableSpec {
  /** A Parquet or CSV file. */
  file: string;
  /** Its id column (matched against the metadata's id column). Default `id`. */
  key?: string;
  /** Its label / pred / confidence columns (defaults as in {@link ColumnNames}). */
  columns?: Omit<ColumnNames, 'id'>;
}

/** Options shared by the source constructors. */
export interface SourceOptions {
  columns?: ColumnNames;
  /** Labels and predictions from a separate table joined by id, instead of metadata columns. */
  predictions?: string | PredictionsTableSpec;
  /** Only rows whose `split` column equals this (single metadata table only), in file order. */
  split?: string;
}

/** One embedding shard. */
export interface StreamShard {
  /** Position in the source (0-based); the `shard` column of scores. */
  index: number;
  /** The embedding file. */
  embeddings: string;
  /** For an `.npz` archive: the array name. */
  array?: string;
  rows: number;
  cols: number;
  dtype: NpyDtype;
  /** Global row of this shard's first row (rows of all shards, in order). */
  offset: number;
  /** This shard's own metadata table, or null when one table covers all shards. */
  metadata: string | null;
}

/** A dataset to stream: shards + how to find each row's id, label, prediction and metadata. */
export interface StreamSource {
  kind: 'clip-retrieval' | 'npy-shards';
  /** The clip-retrieval folder, or null. */
  root: string | null;
  shards: StreamShard[];
  /** Total rows. */
  rows: number;
  /** Embedding width. */
  cols: number;
  /** The single metadata table covering all shards in order, or null (per-shard tables). */
  metadataTable: string | null;
  /** Columns of the metadata tables. */
  metadataColumns: string[];
  /** Resolved column names (null: absent). `id: null` means ids are `'<shard>:<row>'`. */
  columns: { id: string | null; label: string | null; pred: string | null; confidence: string | null };
  predictions: { file: string; key: string; label: string; pred: string | null; confidence: string | null } | null;
  split: string | null;
}

const fmt = (n: number) => n.toLocaleString('en-US');

function formatOf(file: string): 'parquet' | 'csv' {
  const f = file.toLowerCase();
  if (f.endsWith('.parquet') || f.endsWith('.pq')) return 'parquet';
  if (f.endsWith('.csv') || f.endsWith('.tsv') || f.endsWith('.txt') || f.endsWith('.csv.gz')) return 'csv';
  throw new Error(`${file}: metadata must be a Parquet (.parquet) or CSV (.csv, .tsv) file`);
}

/** SQL reading a metadata/predictions file (all columns). */
export function readerSql(file: string, rowNumber = false): string {
  if (formatOf(file) === 'parquet') return `read_parquet(${sqlString(file)}${rowNumber ? ', file_row_number = true' : ''})`;
  return `read_csv(${sqlString(file)}, header = true, sample_size = -1)`;
}

function checkReadable(file: string, what: string): void {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new Error(`${what} ${file}: no such file`);
  }
}

async function describeColumns(db: DuckSession, file: string): Promise<string[]> {
  try {
    const rows = await db.rows(`DESCRIBE SELECT * FROM ${readerSql(file)}`);
    return rows.map((r) => String(r.column_name));
  } catch (e) {
    throw new Error(`${file}: cannot read as ${formatOf(file)}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
}

async function countRows(db: DuckSession, file: string, split: string | null, splitCol: boolean): Promise<number> {
  const where = split !== null && splitCol ? ` WHERE split = ${sqlString(split)}` : '';
  try {
    const r = await db.rows(`SELECT count(*) AS n FROM ${readerSql(file)}${where}`);
    return Number(r[0].n);
  } catch (e) {
    throw new Error(`${file}: cannot read as ${formatOf(file)}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
}

function pick(available: string[], wanted: string | undefined, defaults: string[], what: string, file: string, required: boolean): string | null {
  if (wanted !== undefined) {
    if (!available.includes(wanted)) throw new Error(`${file}: no ${what} column '${wanted}' (columns: ${available.join(', ')})`);
    return wanted;
  }
  for (const d of defaults) if (available.includes(d)) return d;
  if (required) throw new Error(`${file}: no ${what} column (looked for ${defaults.map((d) => `'${d}'`).join(', ')}; columns: ${available.join(', ')}); name it with columns: { ${what}: '...' } or pass predictions`);
  return null;
}

async function finishSource(
  kind: StreamSource['kind'],
  root: string | null,
  embeddings: Array<{ file: string; array?: string; metadata: string | null }>,
  metadataTable: string | null,
  options: SourceOptions,
): Promise<StreamSource> {
  if (embeddings.length === 0) throw new Error('no embedding shards given');
  const shards: StreamShard[] = [];
  let offset = 0;
  for (let i = 0; i < embeddings.length; i++) {
    const e = embeddings[i];
    let r;
    try {
      r = await openNpy(e.file, e.array !== undefined ? { array: e.array } : {});
    } catch (err) {
      throw new Error(`shard ${i}: ${(err as Error).message}`, { cause: err });
    }
    r.close();
    if (r.dtype !== 'f2' && r.dtype !== 'f4') {
      throw new Error(`shard ${i} (${r.label}): embeddings are ${r.header.descr}; streaming scores float16 or float32 shards (convert with a.astype(np.float32))`);
    }
    if (shards.length > 0 && r.cols !== shards[0].cols) {
      throw new Error(`shard ${i} (${r.label}) has ${r.cols} columns but shard 0 (${shards[0].embeddings}) has ${shards[0].cols}: all shards must come from the same encoder`);
    }
    shards.push({ index: i, embeddings: e.file, array: e.array, rows: r.rows, cols: r.cols, dtype: r.dtype, offset, metadata: e.metadata });
    offset += r.rows;
  }
  const db = await openDuck();
  try {
    const split = options.split ?? null;
    let metadataColumns: string[];
    if (metadataTable !== null) {
      checkReadable(metadataTable, 'metadata');
      metadataColumns = await describeColumns(db, metadataTable);
      if (split !== null && !metadataColumns.includes('split')) throw new Error(`${metadataTable}: split '${split}' asked for but the table has no 'split' column (columns: ${metadataColumns.join(', ')})`);
      const n = await countRows(db, metadataTable, split, true);
      if (n !== offset) {
        throw new Error(
          `${metadataTable} has ${fmt(n)} rows${split !== null ? ` in split '${split}'` : ''} but the ${shards.length} embedding shard(s) have ${fmt(offset)} ` +
            `(${shards.map((s) => `${path.basename(s.embeddings)}: ${fmt(s.rows)}`).join(', ')}); the table must list the shards' rows in order`,
        );
      }
    } else {
      if (split !== null) throw new Error(`split '${split}' needs one metadata table covering all shards`);
      metadataColumns = [];
      for (const s of shards) {
        checkReadable(s.metadata!, `shard ${s.index}: metadata`);
        const cols = await describeColumns(db, s.metadata!);
        if (s.index === 0) metadataColumns = cols;
        const n = await countRows(db, s.metadata!, null, false);
        if (n !== s.rows) {
          throw new Error(`shard ${s.index}: metadata ${s.metadata} has ${fmt(n)} rows but its embeddings ${s.embeddings} have ${fmt(s.rows)}; row i of one must describe row i of the other`);
        }
        for (const c of metadataColumns) {
          if (!cols.includes(c)) throw new Error(`shard ${s.index}: metadata ${s.metadata} lacks column '${c}' that shard 0's has (columns: ${cols.join(', ')})`);
        }
      }
    }
    const metaName = metadataTable ?? shards[0].metadata!;
    const c = options.columns ?? {};
    const id = pick(metadataColumns, c.id, ['id', 'key', 'image_path', 'url'], 'id', metaName, false);
    let predictions: StreamSource['predictions'] = null;
    let label: string | null = null;
    let pred: string | null = null;
    let confidence: string | null = null;
    if (options.predictions !== undefined) {
      const spec: PredictionsTableSpec = typeof options.predictions === 'string' ? { file: options.predictions } : options.predictions;
      checkReadable(spec.file, 'predictions');
      if (id === null) throw new Error(`${metaName}: a predictions table is joined by id, but the metadata has no id column (columns: ${metadataColumns.join(', ')}); name it with columns: { id: '...' }`);
      const pc = await describeColumns(db, spec.file);
      const key = pick(pc, spec.key, ['id', 'key', 'image_path', 'url'], 'id', spec.file, true)!;
      predictions = {
        file: spec.file,
        key,
        label: pick(pc, spec.columns?.label, ['label'], 'label', spec.file, true)!,
        pred: pick(pc, spec.columns?.pred, ['pred', 'prediction'], 'pred', spec.file, false),
        confidence: pick(pc, spec.columns?.confidence, ['confidence'], 'confidence', spec.file, false),
      };
    } else {
      label = pick(metadataColumns, c.label, ['label'], 'label', metaName, true);
      pred = pick(metadataColumns, c.pred, ['pred', 'prediction'], 'pred', metaName, false);
      confidence = pick(metadataColumns, c.confidence, ['confidence'], 'confidence', metaName, false);
    }
    return { kind, root, shards, rows: offset, cols: shards[0].cols, metadataTable, metadataColumns, columns: { id, label, pred, confidence }, predictions, split };
  } finally {
    db.close();
  }
}

/** Options of {@link clipRetrievalFolder}. */
export interface ClipRetrievalOptions extends Omit<SourceOptions, 'split'> {
  /** `'img'` (default) reads `img_emb/`, `'text'` reads `text_emb/`. */
  modality?: 'img' | 'text';
}

/**
 * Opens clip-retrieval's output folder (`clip-retrieval inference --output_folder ...`):
 * `{img,text}_emb/{img,text}_emb_{i}.npy` with `metadata/metadata_{i}.parquet`, shard i's metadata
 * row-aligned with its embeddings. Labels come from a `label` column of the metadata (rename with
 * `columns`), or from a predictions table joined by id (`predictions`, matched on `image_path`,
 * `key` or `url`). Checks every shard (see the module header): a missing shard number, a truncated
 * file, a width or row-count mismatch is an error naming it.
 *
 * @example
 * ```ts
 * const src = await fd.clipRetrievalFolder('/data/laion-subset', { predictions: 'preds.parquet' });
 * src.rows; src.shards.length; // 2000000, 20
 * ```
 */
export async function clipRetrievalFolder(folder: string, options: ClipRetrievalOptions = {}): Promise<StreamSource> {
  const modality = options.modality ?? 'img';
  if (modality !== 'img' && modality !== 'text') throw new RangeError(`clipRetrievalFolder: modality must be 'img' or 'text', got ${modality}`);
  const embDir = path.join(folder, `${modality}_emb`);
  const metaDir = path.join(folder, 'metadata');
  if (!fs.existsSync(embDir)) throw new Error(`${folder} is not a clip-retrieval output folder: no ${modality}_emb/ (it holds: ${fs.existsSync(folder) ? fs.readdirSync(folder).join(', ') : 'nothing, it does not exist'})`);
  const re = new RegExp(`^${modality}_emb_(\\d+)\\.npy$`);
  const found = new Map<number, string>();
  for (const f of fs.readdirSync(embDir)) {
    const m = re.exec(f);
    if (m) found.set(Number(m[1]), path.join(embDir, f));
  }
  if (found.size === 0) throw new Error(`${embDir}: no ${modality}_emb_{i}.npy shards`);
  const ids = [...found.keys()].sort((a, b) => a - b);
  const shards: Array<{ file: string; metadata: string | null }> = [];
  for (let k = 0; k < ids.length; k++) {
    if (ids[k] !== k) throw new Error(`${embDir}: shard ${k} (${modality}_emb_${k}.npy) is missing (found shards ${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', ...' : ''}); clip-retrieval numbers its shards from 0 without gaps`);
    shards.push({ file: found.get(k)!, metadata: path.join(metaDir, `metadata_${k}.parquet`) });
  }
  return finishSource('clip-retrieval', folder, shards, null, options);
}

/** Options of {@link npyShards}. */
export interface NpyShardsOptions extends SourceOptions {
  /**
   * One Parquet / CSV table whose rows describe the shards' rows in order (row i of the table = global
   * row i), or one table per shard.
   */
  metadata: string | string[];
  /** For `.npz` shards: the array name in every archive. */
  array?: string;
}

/**
 * Opens a list of `.npy` (or `.npz`) embedding shards, float16 or float32, read in row windows, with
 * a Parquet or CSV table of ids / labels / predictions covering their concatenation in order (or one
 * table per shard). A single large `.npy` is a list of one. Checks every shard (see the module header).
 *
 * @example
 * ```ts
 * const src = await fd.npyShards(['emb_0.npy', 'emb_1.npy'], { metadata: 'predictions.csv' });
 * const big = await fd.npyShards(['clip_train.npy'], { metadata: 'train.parquet' });
 * ```
 */
export async function npyShards(files: string[], options: NpyShardsOptions): Promise<StreamSource> {
  if (!Array.isArray(files) || files.length === 0) throw new TypeError('npyShards: pass a non-empty array of .npy files');
  if (options == null || options.metadata == null) throw new TypeError('npyShards: pass { metadata: table } (a Parquet or CSV of ids, labels and predictions)');
  const per = Array.isArray(options.metadata);
  if (per && options.metadata.length !== files.length) throw new RangeError(`npyShards: ${options.metadata.length} metadata tables for ${files.length} shards`);
  if (per) {
    const csv = (options.metadata as string[]).find((f) => formatOf(f) === 'csv');
    if (csv !== undefined) throw new Error(`npyShards: ${csv}: per-shard metadata tables must be Parquet (row order is read from the file); for CSV, pass one table covering all shards in order`);
  }
  const list = files.map((file, i) => ({ file, array: options.array, metadata: per ? (options.metadata as string[])[i] : null }));
  return finishSource('npy-shards', null, list, per ? null : (options.metadata as string), options);
}

// ---------------------------------------------------------------- SQL over a source

/** A short, human description of a source. */
export function describeSource(s: StreamSource): string {
  return `${s.kind === 'clip-retrieval' ? `clip-retrieval folder ${s.root}` : `${s.shards.length} .npy shard(s)`}: ${fmt(s.rows)} rows x ${s.cols} (${s.shards[0].dtype === 'f2' ? 'float16' : 'float32'})`;
}

/**
 * Creates the session objects a source's queries use: the class vocabulary enum, the materialised
 * single metadata table (with its global row number) and the predictions table joined by id.
 */
export async function prepareSource(db: DuckSession, s: StreamSource, classNames: readonly string[]): Promise<void> {
  await db.run(`DROP TYPE IF EXISTS fd_class`);
  await db.run(`CREATE TYPE fd_class AS ENUM (${classNames.map((c) => sqlString(c)).join(', ')})`);
  if (s.metadataTable !== null) {
    const t = s.metadataTable;
    const where = s.split !== null ? `WHERE split = ${sqlString(s.split)}` : '';
    if (formatOf(t) === 'parquet') {
      await db.run(
        `CREATE OR REPLACE TABLE fd_meta AS SELECT (row_number() OVER (ORDER BY file_row_number) - 1)::BIGINT AS __fd_grow, * EXCLUDE (file_row_number) ` +
          `FROM ${readerSql(t, true)} ${where} ORDER BY __fd_grow`,
      );
    } else {
      // CSV: DuckDB keeps insertion order (preserve_insertion_order), so a table's rowid is the line order.
      await db.run(`CREATE OR REPLACE TABLE fd_meta_raw AS SELECT * FROM ${readerSql(t)}`);
      await db.run(`CREATE OR REPLACE TABLE fd_meta AS SELECT (row_number() OVER (ORDER BY rowid) - 1)::BIGINT AS __fd_grow, * FROM fd_meta_raw ${where} ORDER BY __fd_grow`);
      await db.run(`DROP TABLE fd_meta_raw`);
    }
  }
  if (s.predictions) {
    const p = s.predictions;
    await db.run(
      `CREATE OR REPLACE TABLE fd_pred AS SELECT CAST(${sqlIdent(p.key)} AS VARCHAR) AS __fd_key, ${sqlIdent(p.label)} AS __fd_label, ` +
        `${p.pred ? sqlIdent(p.pred) : 'NULL'} AS __fd_pred, ${p.confidence ? sqlIdent(p.confidence) : 'NULL'} AS __fd_conf FROM ${readerSql(p.file)}`,
    );
    const dup = await db.rows(`SELECT __fd_key AS k, count(*) AS n FROM fd_pred GROUP BY __fd_key HAVING count(*) > 1 ORDER BY n DESC, k LIMIT 3`);
    if (dup.length) throw new Error(`${p.file}: id ${JSON.stringify(dup[0].k)} appears ${dup[0].n} times (each id needs one prediction)`);
  }
}

/**
 * SQL for the metadata rows `[start, end)` of shard `k` (or of all shards when `k` is null), in order,
 * with `__fd_shard`, `__fd_row`, the raw `__fd_id`, `__fd_label`, `__fd_pred`, `__fd_conf` and every
 * metadata column. Needs {@link prepareSource}.
 */
export function rowsSql(s: StreamSource, k: number | null, start = 0, end?: number): string {
  const parts: string[] = [];
  const shardList = k === null ? s.shards : [s.shards[k]];
  const c = s.columns;
  const base = (from: string, shard: string, row: string, where: string) => {
    const idExpr = c.id ? `CAST(m.${sqlIdent(c.id)} AS VARCHAR)` : `(${shard})::VARCHAR || ':' || (${row})::VARCHAR`;
    const pj = s.predictions !== null;
    const label = pj ? 'p.__fd_label' : c.label ? `m.${sqlIdent(c.label)}` : 'NULL';
    const pred = pj ? 'p.__fd_pred' : c.pred ? `m.${sqlIdent(c.pred)}` : 'NULL';
    const conf = pj ? 'p.__fd_conf' : c.confidence ? `m.${sqlIdent(c.confidence)}` : 'NULL';
    return (
      `SELECT (${shard})::INTEGER AS __fd_shard, (${row})::BIGINT AS __fd_row, ${idExpr} AS __fd_id, ${label} AS __fd_label, ${pred} AS __fd_pred, ` +
      `TRY_CAST(${conf} AS DOUBLE) AS __fd_conf, m.* FROM ${from} m${pj ? ` LEFT JOIN fd_pred p ON p.__fd_key = ${idExpr}` : ''} ${where}`
    );
  };
  if (s.metadataTable !== null) {
    if (k === null) {
      // the shard of a global row: the last shard whose offset <= row
      const g = 'm.__fd_grow';
      const sh = s.shards.length === 1 ? '0' : `CASE ${s.shards.slice(1).map((x, i) => `WHEN ${g} < ${x.offset} THEN ${i}`).join(' ')} ELSE ${s.shards.length - 1} END`;
      const off = s.shards.length === 1 ? '0' : `CASE ${s.shards.slice(1).map((x, i) => `WHEN ${g} < ${x.offset} THEN ${s.shards[i].offset}`).join(' ')} ELSE ${s.shards[s.shards.length - 1].offset} END`;
      return base('fd_meta', sh, `${g} - (${off})`, '');
    }
    const sh = s.shards[k];
    const a = sh.offset + start;
    const b = sh.offset + (end ?? sh.rows);
    return base('fd_meta', String(k), `m.__fd_grow - ${sh.offset}`, `WHERE m.__fd_grow >= ${a} AND m.__fd_grow < ${b}`);
  }
  for (const sh of shardList) {
    const where = k === null ? '' : `WHERE m.file_row_number >= ${start} AND m.file_row_number < ${end ?? sh.rows}`;
    parts.push(base(`(SELECT * FROM ${readerSql(sh.metadata!, true)})`, String(sh.index), 'm.file_row_number', where));
  }
  return parts.join(' UNION ALL ');
}

/** {@link rowsSql} over the given shards (default all). */
export function shardsSql(s: StreamSource, shardIdx?: number[]): string {
  if (!shardIdx || shardIdx.length === s.shards.length) return rowsSql(s, null);
  return shardIdx.map((k) => rowsSql(s, k)).join(' UNION ALL ');
}


/**
 * Decides (and checks) how the label values of a source map to the model's classes: every distinct
 * value a class name -> by name; else all integers in range -> ids; else an error naming an offending
 * value and where it is. Prediction values must follow the same rule.
 */
export async function resolveLabels(db: DuckSession, s: StreamSource, classNames: readonly string[], forced?: LabelsAs, shardIdx?: number[]): Promise<LabelsAs> {
  const rel = shardsSql(s, shardIdx);
  const names = new Set(classNames);
  const where = (col: string, v: string) => `SELECT __fd_shard AS shard, __fd_row AS row FROM (${rel}) WHERE CAST(${col} AS VARCHAR) = ${sqlString(v)} ORDER BY 1, 2 LIMIT 1`;
  const locate = async (col: string, v: string) => {
    const r = (await db.rows(where(col, v)))[0];
    if (!r) return '';
    const sh = s.shards[Number(r.shard)];
    return ` (first at shard ${r.shard}, row ${r.row}${sh.metadata ? ` of ${sh.metadata}` : ''})`;
  };
  // One scan: missing labels, and the distinct label and prediction values.
  const scan = (
    await db.rows(
      `SELECT count(*) FILTER (WHERE __fd_label IS NULL) AS nulls, list(DISTINCT CAST(__fd_label AS VARCHAR)) FILTER (WHERE __fd_label IS NOT NULL) AS labels, ` +
        `list(DISTINCT CAST(__fd_pred AS VARCHAR)) FILTER (WHERE __fd_pred IS NOT NULL) AS preds FROM (${rel})`,
    )
  )[0];
  const labels = ((scan.labels as string[] | null) ?? []).map(String);
  const preds = ((scan.preds as string[] | null) ?? []).map(String);
  if (Number(scan.nulls) > 0) {
    const nulls = await db.rows(`SELECT __fd_shard AS shard, __fd_row AS row, __fd_id AS id FROM (${rel}) WHERE __fd_label IS NULL ORDER BY 1, 2 LIMIT 1`);
    const sh = s.shards[Number(nulls[0].shard)];
    throw new Error(`no label for id ${JSON.stringify(nulls[0].id)} at shard ${nulls[0].shard}, row ${nulls[0].row} (${s.predictions ? `not in the predictions table ${s.predictions.file}` : `empty in ${sh.metadata ?? s.metadataTable}`})`);
  }
  const all = [...new Set([...labels, ...preds])];
  const isId = (v: string) => /^\d+$/.test(v) && Number(v) < classNames.length;
  let mode: LabelsAs;
  if (forced) mode = forced;
  else if (all.every((v) => names.has(v))) mode = 'names';
  else if (all.every(isId) && !all.some((v) => names.has(v))) mode = 'ids';
  else if (all.every(isId)) {
    const both = all.filter((v) => names.has(v)).slice(0, 3);
    const notName = all.find((v) => !names.has(v));
    throw new Error(
      `labels are ambiguous: values ${both.join(', ')} are class names of the model but ${notName} is not, and all are valid class ids; ` +
        `pass labelsAs: 'names' or 'ids'`,
    );
  } else {
    mode = all.some((v) => names.has(v)) || !all.every((v) => /^\d+$/.test(v)) ? 'names' : 'ids';
  }
  for (const [col, vals, what] of [['__fd_label', labels, 'label'], ['__fd_pred', preds, 'prediction']] as const) {
    for (const v of vals) {
      const ok = mode === 'names' ? names.has(v) : isId(v);
      if (!ok) {
        const vocab = classNames.length <= 12 ? classNames.join(', ') : `${classNames.slice(0, 12).join(', ')}, ...`;
        throw new Error(
          `${what} ${JSON.stringify(v)}${await locate(col, v)} is not ${mode === 'names' ? 'one of the model\'s class names' : `a class id of the model (0..${classNames.length - 1})`} ` +
            `(${classNames.length} classes: ${vocab})`,
        );
      }
    }
  }
  return mode;
}

/** SQL turning a raw label / prediction expression into an INTEGER class id. */
export function classIdSql(expr: string, mode: LabelsAs): string {
  return mode === 'names' ? `CAST(enum_code(CAST(CAST(${expr} AS VARCHAR) AS fd_class)) AS INTEGER)` : `CAST(${expr} AS INTEGER)`;
}

/**
 * The first duplicated id among the given shards, with its first two places, or null. One hash
 * aggregate finds whether any id repeats; only then is the repeated id located.
 */
export async function duplicateId(db: DuckSession, s: StreamSource, shardIdx: number[], con?: Parameters<DuckSession['rows']>[1]): Promise<null | { id: string; where: Array<{ shard: number; row: number }> }> {
  if (s.columns.id === null) return null;
  const rel = shardsSql(s, shardIdx);
  // Aggregate 64-bit hashes of the ids (a much smaller hash table than the strings); a repeated hash
  // is then confirmed on the ids themselves, so a hash collision is never reported as a duplicate.
  const hashes = await db.rows(`SELECT h FROM (SELECT hash(__fd_id) AS h FROM (${rel})) GROUP BY h HAVING count(*) > 1 LIMIT 16`, con);
  for (const { h } of hashes) {
    const r = await db.rows(
      `SELECT __fd_id AS id, list({'shard': __fd_shard, 'row': __fd_row} ORDER BY __fd_shard, __fd_row)[1:2] AS at FROM (${rel}) WHERE hash(__fd_id) = ${String(h)}::UBIGINT ` +
        `GROUP BY __fd_id HAVING count(*) > 1 ORDER BY min(__fd_shard), min(__fd_row) LIMIT 1`,
      con,
    );
    if (r.length) {
      const at = (r[0].at as Array<{ shard: unknown; row: unknown }>).map((x) => ({ shard: Number(x.shard), row: Number(x.row) }));
      return { id: String(r[0].id), where: at };
    }
  }
  return null;
}
