#!/usr/bin/env node
/**
 * The command-line entry `failure-directions` (package.json "bin"), for batch jobs that score shards of
 * a large dataset: one process per shard range, e.g. one per Slurm / Ray / Spark array task, all
 * writing into one result folder (or into folders merged later by copying). See `--help`.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { FailureDirections } from '../directions/failure-directions';
import { progressLine, setProgressSink, terminalSink } from '../util/progress';
import { scoresDb } from './scores-db';
import { scoreShards } from './score-shards';
import { clipRetrievalFolder, npyShards, type ColumnNames, type LabelsAs, type StreamSource } from './sources';

const HELP = `failure-directions: score embedding shards with fitted failure directions, out of core.

usage:
  failure-directions score --model fd.json --out RESULTS (--clip-retrieval FOLDER | --metadata TABLE SHARD.npy...)
                           [--shard-range A:B | --row-range A:B | --array-task I --array-count N] [options]
  failure-directions info RESULTS
  failure-directions hardest RESULTS [--k 100] [--class C] [--columns caption,url]

score:
  --model FILE            a fitted FailureDirections saved as JSON (fs.writeFileSync(f, JSON.stringify(dirs)))
  --out DIR               the result folder (parts, top-K, runs/<range>.json); ranges of other processes may share it
  --clip-retrieval DIR    clip-retrieval's output folder ({img,text}_emb/, metadata/); --modality img|text
  --metadata TABLE        Parquet or CSV of ids / labels / predictions covering the .npy shards given after the options
  --predictions TABLE     labels / predictions in a separate table joined by id
  --id-column, --label-column, --pred-column, --confidence-column NAME   metadata column names
  --split NAME            only the rows of this split (a 'split' column of --metadata)
  --labels-as names|ids   how labels map to the model's classes (default: decided from the values)
  --shard-range A:B       score shards A..B-1 (default all)
  --row-range A:B         or global rows A..B-1 (one huge .npy split across workers)
  --array-task I --array-count N   score the I-th of N equal ranges (shards when there are at least N, else rows)
                          e.g. Slurm: --array-task $SLURM_ARRAY_TASK_ID --array-count $SLURM_ARRAY_TASK_COUNT
  --top-k K               per-class hardest / easiest kept (default 100)
  --part-rows N           rows per output Parquet part (default 262144)
  --threads N, --memory-limit 512MB   DuckDB settings
  --overwrite             replace an earlier run of the same range
  --quiet                 no progress on stderr

Prints a JSON summary on stdout. Exit status 1 with the reason on stderr on any error; a failed run
leaves nothing that looks complete.
`;

function fail(msg: string): never {
  process.stderr.write(`failure-directions: ${msg}\n`);
  process.exit(1);
}

function range(text: string | undefined, what: string): [number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(text);
  if (!m) fail(`${what} must look like A:B (start inclusive, end exclusive), got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

/** A progress sink for batch logs: a line every 10 s when stderr is not a terminal. */
function logSink() {
  let last = 0;
  return {
    update(s: Parameters<typeof terminalSink.update>[0]) {
      const now = Date.now();
      if (s.finished || now - last > 10000) {
        last = now;
        process.stderr.write(progressLine(s) + '\n');
      }
    },
  };
}

async function score(argv: string[]): Promise<void> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      out: { type: 'string' },
      'clip-retrieval': { type: 'string' },
      modality: { type: 'string' },
      metadata: { type: 'string' },
      predictions: { type: 'string' },
      'id-column': { type: 'string' },
      'label-column': { type: 'string' },
      'pred-column': { type: 'string' },
      'confidence-column': { type: 'string' },
      split: { type: 'string' },
      'labels-as': { type: 'string' },
      'shard-range': { type: 'string' },
      'row-range': { type: 'string' },
      'array-task': { type: 'string' },
      'array-count': { type: 'string' },
      'top-k': { type: 'string' },
      'part-rows': { type: 'string' },
      threads: { type: 'string' },
      'memory-limit': { type: 'string' },
      overwrite: { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
  });
  if (!v.model) fail('score needs --model fd.json');
  if (!v.out) fail('score needs --out RESULTS');
  const int = (x: string | undefined, what: string) => {
    if (x === undefined) return undefined;
    if (!/^\d+$/.test(x)) fail(`${what} must be a non-negative integer, got '${x}'`);
    return Number(x);
  };
  let dirs: FailureDirections;
  try {
    dirs = FailureDirections.fromJSON(fs.readFileSync(v.model, 'utf8'));
  } catch (e) {
    fail(`cannot load the model ${v.model}: ${(e as Error).message}`);
  }
  const columns: ColumnNames = {};
  if (v['id-column']) columns.id = v['id-column'];
  if (v['label-column']) columns.label = v['label-column'];
  if (v['pred-column']) columns.pred = v['pred-column'];
  if (v['confidence-column']) columns.confidence = v['confidence-column'];
  let source: StreamSource;
  if (v['clip-retrieval']) {
    if (positionals.length) fail(`unexpected arguments with --clip-retrieval: ${positionals.join(' ')}`);
    const modality = v.modality as 'img' | 'text' | undefined;
    source = await clipRetrievalFolder(v['clip-retrieval'], { modality, columns, predictions: v.predictions });
  } else if (v.metadata) {
    if (!positionals.length) fail('give the .npy shards after the options (e.g. emb/*.npy)');
    source = await npyShards(positionals, { metadata: v.metadata, columns, predictions: v.predictions, split: v.split });
  } else {
    fail('score needs --clip-retrieval FOLDER, or --metadata TABLE and .npy shards');
  }
  let shards = range(v['shard-range'], '--shard-range');
  let rows = range(v['row-range'], '--row-range');
  const task = int(v['array-task'], '--array-task');
  const count = int(v['array-count'], '--array-count');
  if ((task === undefined) !== (count === undefined)) fail('--array-task and --array-count go together');
  if (task !== undefined && count !== undefined) {
    if (shards || rows) fail('--array-task replaces --shard-range / --row-range');
    if (count < 1 || task >= count) fail(`--array-task must be in 0..${count - 1}`);
    const S = source.shards.length;
    if (S >= count) shards = [Math.floor((task * S) / count), Math.floor(((task + 1) * S) / count)];
    else rows = [Math.floor((task * source.rows) / count), Math.floor(((task + 1) * source.rows) / count)];
  }
  if (v['labels-as'] !== undefined && v['labels-as'] !== 'names' && v['labels-as'] !== 'ids') fail(`--labels-as must be names or ids`);
  setProgressSink(v.quiet ? null : process.stderr.isTTY ? terminalSink : logSink());
  const run = await scoreShards(dirs, source, {
    out: v.out,
    shards,
    rows,
    topK: int(v['top-k'], '--top-k'),
    partRows: int(v['part-rows'], '--part-rows'),
    threads: int(v.threads, '--threads'),
    memoryLimit: v['memory-limit'],
    labelsAs: v['labels-as'] as LabelsAs | undefined,
    overwrite: v.overwrite,
  });
  process.stdout.write(
    JSON.stringify({ out: run.out, range: run.range, manifest: run.manifest, rows: run.rows, flagged: run.flagged, seconds: +run.seconds.toFixed(3), rowsPerSecond: Math.round(run.rowsPerSecond), engine: run.engine }) + '\n',
  );
}

async function info(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length !== 1) fail('info needs one result folder');
  const db = await scoresDb(positionals[0]);
  try {
    process.stdout.write(JSON.stringify({ folder: positionals[0], coverage: db.coverage, classes: db.classNames.length }) + '\n');
    (await db.classSummary()).print({ limit: 1000 });
  } finally {
    db.close();
  }
}

async function hardest(argv: string[]): Promise<void> {
  const { values: v, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { k: { type: 'string' }, class: { type: 'string' }, columns: { type: 'string' } } });
  if (positionals.length !== 1) fail('hardest needs one result folder');
  const db = await scoresDb(positionals[0]);
  try {
    const t = await db.hardest({ k: v.k ? Number(v.k) : 100, classId: v.class !== undefined ? Number(v.class) : undefined, columns: v.columns ? v.columns.split(',') : undefined });
    process.stdout.write(t.toCSV() + '\n');
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (cmd === 'score') return score(rest);
  if (cmd === 'info') return info(rest);
  if (cmd === 'hardest') return hardest(rest);
  fail(`unknown command '${cmd}' (score, info, hardest; --help)`);
}

main().catch((e: Error) => fail(process.env.FD_DEBUG ? String(e.stack) : e.message));
