/**
 * `npm run bench:scale`: out-of-core scoring at 0.5M, 1M and 2M rows x 512 (float16) in
 * clip-retrieval's layout, against NumPy on memory-mapped shards, in the same run on the same files.
 *
 *   npm run bench:scale                 # 0.5M, 1M, 2M rows (2 GB of float16 under out/bench-scale, deleted after)
 *   npm run bench:scale -- --quick      # 100k and 200k rows (a smoke run)
 *   npm run bench:scale -- --keep       # keep the generated data
 *
 * Steps: generate the shards with NumPy (gen.py; metadata Parquet through DuckDB from the same
 * closed-form labels), fit FailureDirections on a 30k-row validation sample, then per size: warm the
 * page cache, run the NumPy peer (peer.py) and our `scoreShards` each in its own process (peak RSS per
 * process), and time DuckDB's 100 hardest per class on our result folder. Writes
 * bench/results/scale.json and scale.md. Timings are lower bounds on a shared machine; the ratios come
 * from runs back to back on the same files.
 */
import { requirePythonPeers } from '../peers';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FailureDirections } from '../../src/directions/failure-directions';
import { loadNpy, readNpy, saveNpy } from '../../src/embed/npy';
import { setProgressSink } from '../../src/util/progress';
import { openDuck, sqlString } from '../../src/stream/duckdb';
import { streamModel } from '../../src/stream/model';

const root = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const keep = args.includes('--keep');
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizes = opt('--sizes', quick ? '100000,200000' : '500000,1000000,2000000').split(',').map(Number);
const shardRows = Number(opt('--shard-rows', quick ? '50000' : '250000'));
const d = Number(opt('--dim', '512'));
const C = Number(opt('--classes', '100'));
const dir = path.resolve(opt('--dir', path.join(root, 'out', 'bench-scale')));
const py = '/usr/bin/python3';
const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function sh(cmd: string, argv: string[]): string {
  return execFileSync('nice', ['-n', '10', cmd, ...argv], { env, cwd: root, maxBuffer: 1 << 26 }).toString();
}

function lastJson(out: string): Record<string, number> {
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`no JSON result in:\n${out}`);
  return JSON.parse(line);
}

async function writeMetadata(nShards: number): Promise<void> {
  const db = await openDuck({ threads: 2 });
  try {
    const names = `[${Array.from({ length: C }, (_, c) => sqlString(`class_${String(c).padStart(3, '0')}`)).join(', ')}]`;
    for (let k = 0; k < nShards; k++) {
      const f = path.join(dir, 'metadata', `metadata_${k}.parquet`);
      if (fs.existsSync(f)) continue;
      fs.mkdirSync(path.dirname(f), { recursive: true });
      // The same closed forms as gen.py: label_of, subgroup_of, pred_of.
      await db.run(
        `COPY (WITH r AS (SELECT ${k * shardRows} + range AS g FROM range(${shardRows})), ` +
          `l AS (SELECT g, ((g * 2654435761) % 4294967296) % ${C} AS lab, ((g * 40503) % 65536) < 13107 AS sub FROM r), ` +
          `w AS (SELECT *, CASE WHEN sub THEN (g * 97) % 10 < 7 ELSE (g * 31) % 100 < 5 END AS wrong FROM l) ` +
          `SELECT 'img/' || lpad(g::VARCHAR, 9, '0') || '.jpg' AS image_path, CASE WHEN sub THEN 'a photo in the rain' ELSE 'a photo' END AS caption, ` +
          `list_extract(${names}, lab + 1) AS label, list_extract(${names}, (CASE WHEN wrong THEN (lab + 1 + g % ${C - 1}) % ${C} ELSE lab END) + 1) AS pred, ` +
          `CASE WHEN wrong THEN 0.3 ELSE 0.8 END AS confidence FROM w ORDER BY g) TO ${sqlString(f + '.tmp')} (FORMAT parquet)`,
      );
      fs.renameSync(f + '.tmp', f);
    }
  } finally {
    db.close();
  }
}

function fmtBytes(b: number): string {
  return `${(b / 2 ** 20).toFixed(0)} MB`;
}

async function main() {
  setProgressSink(null);
  const maxRows = Math.max(...sizes);
  if (maxRows % shardRows !== 0 || sizes.some((s) => s % shardRows !== 0)) throw new Error('sizes must be multiples of --shard-rows');
  const nShards = maxRows / shardRows;
  requirePythonPeers('bench:scale', ['numpy'], py);
  fs.mkdirSync(dir, { recursive: true });
  console.log(`[bench:scale] generating ${maxRows.toLocaleString('en-US')} rows x ${d} (float16) in ${nShards} shards under ${dir}`);
  sh(py, [path.join(__dirname, 'gen.py'), dir, String(nShards), String(shardRows), String(d), String(C)]);
  await writeMetadata(nShards);
  // Fit on the validation sample (the small, in-memory part of the workflow).
  const modelFile = path.join(dir, 'model.json');
  const modelDir = path.join(dir, 'model');
  console.log(`[bench:scale] fitting ${C} per-class SVMs on a 30,000-row validation sample`);
  const dirs = new FailureDirections({ seed: 0, Cs: [0.001, 0.01, 0.1, 1] }).setPreprocess(loadNpy(path.join(dir, 'fit', 'train.npy')));
  const classNames = Array.from({ length: C }, (_, c) => `class_${String(c).padStart(3, '0')}`);
  const valLabels = readNpy(path.join(dir, 'fit', 'val_labels.npy')).data as Int32Array;
  dirs.fit({ latents: loadNpy(path.join(dir, 'fit', 'val.npy')), labels: valLabels, preds: readNpy(path.join(dir, 'fit', 'val_preds.npy')).data as Int32Array, classNames, ids: Array.from(valLabels, (_, i) => i), split: 'val' });
  fs.writeFileSync(modelFile, JSON.stringify(dirs.toJSON({ data: false })));
  const m = streamModel(dirs);
  const p = m.params;
  saveNpy(path.join(modelDir, 'mean.npy'), { data: p.mean, shape: [d], dtype: 'f8' });
  saveNpy(path.join(modelDir, 'inv_std.npy'), { data: p.invStd, shape: [d], dtype: 'f8' });
  saveNpy(path.join(modelDir, 'coef.npy'), { data: p.coef, shape: [C, d], dtype: 'f8' });
  saveNpy(path.join(modelDir, 'intercept.npy'), { data: p.intercept, shape: [C], dtype: 'f8' });
  saveNpy(path.join(modelDir, 'has_svm.npy'), { data: p.hasSvm, shape: [C], dtype: 'u1' });
  const results: Array<Record<string, unknown>> = [];
  for (const n of sizes) {
    const k = n / shardRows;
    // Warm the page cache for both peers alike.
    for (let i = 0; i < k; i++) fs.readFileSync(path.join(dir, 'img_emb', `img_emb_${i}.npy`));
    const peerOut = path.join(dir, `peer-out-${n}`);
    const ours = path.join(dir, `scores-${n}`);
    fs.rmSync(peerOut, { recursive: true, force: true });
    fs.rmSync(ours, { recursive: true, force: true });
    console.log(`[bench:scale] ${n.toLocaleString('en-US')} rows: NumPy peer`);
    const np = lastJson(sh(py, [path.join(__dirname, 'peer.py'), dir, String(k), modelDir, peerOut]));
    console.log(`[bench:scale] ${n.toLocaleString('en-US')} rows: failure-directions scoreShards`);
    const fd = lastJson(sh('node', ['--import', 'tsx', path.join(__dirname, 'score-worker.ts'), dir, String(k), modelFile, ours]));
    const q = lastJson(sh('node', ['--import', 'tsx', path.join(__dirname, 'query-worker.ts'), ours]));
    // The two agree: compare the scores of shard 0.
    const peerScores = readNpy(path.join(peerOut, 'scores_0.npy')).data as Float64Array;
    const db = await openDuck();
    const ourScores = (await db.table(`SELECT score FROM read_parquet(${sqlString(path.join(ours, 'scores', '*.parquet'))}) WHERE shard = 0 ORDER BY row`)).array('score') as Float64Array;
    db.close();
    let maxDiff = 0;
    for (let i = 0; i < peerScores.length; i++) if (!Number.isNaN(peerScores[i])) maxDiff = Math.max(maxDiff, Math.abs(peerScores[i] - ourScores[i]));
    const r = {
      rows: n,
      numpy: { rowsPerSecond: np.rowsPerSecond, seconds: np.seconds, cpuSeconds: np.cpuSeconds, peakRssBytes: np.peakRssBytes },
      failureDirections: { rowsPerSecond: fd.rowsPerSecond, seconds: fd.seconds, cpuSeconds: fd.cpuSeconds, peakRssBytes: fd.peakRssBytes, engine: fd.engine },
      throughputRatio: fd.rowsPerSecond / np.rowsPerSecond,
      cpuRatio: np.cpuSeconds / fd.cpuSeconds,
      duckdb: q,
      maxAbsScoreDifference: maxDiff,
    };
    console.log(JSON.stringify(r));
    results.push(r);
    fs.rmSync(peerOut, { recursive: true, force: true });
    if (!keep) fs.rmSync(ours, { recursive: true, force: true });
  }
  const outJson = { command: `npm run bench:scale${args.length ? ' -- ' + args.join(' ') : ''}`, dim: d, classes: C, shardRows, dtype: 'float16', results };
  // A quick (smoke) run reports under out/, the full run in bench/results/.
  const resultsDir = quick ? path.join(root, 'out') : path.join(root, 'bench', 'results');
  const name = quick ? 'bench-scale-quick' : 'scale';
  fs.writeFileSync(path.join(resultsDir, `${name}.json`), JSON.stringify(outJson, null, 1) + '\n');
  const lines = [
    `| rows (x ${d}, float16) | NumPy mmap rows/s | failure-directions rows/s | ratio (wall) | ratio (CPU time) | NumPy peak RSS | failure-directions peak RSS | 100 hardest per class (DuckDB) | 101 hardest (full scan) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map((r: any) =>
      `| ${r.rows.toLocaleString('en-US')} | ${Math.round(r.numpy.rowsPerSecond).toLocaleString('en-US')} | ${Math.round(r.failureDirections.rowsPerSecond).toLocaleString('en-US')} | **${r.throughputRatio.toFixed(2)}x** | ${r.cpuRatio.toFixed(2)}x | ` +
      `${fmtBytes(r.numpy.peakRssBytes)} | ${fmtBytes(r.failureDirections.peakRssBytes)} | ${r.duckdb.hardestSeconds.toFixed(2)} s | ${r.duckdb.hardestFullScanSeconds.toFixed(2)} s |`),
  ];
  fs.writeFileSync(path.join(resultsDir, `${name}.md`), `# bench:scale\n\n\`${outJson.command}\`: ${C} classes, shards of ${shardRows.toLocaleString('en-US')} rows.\n\n${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
