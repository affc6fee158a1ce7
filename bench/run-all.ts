/**
 * `npm run bench`: every benchmark in turn, each printing its ratios against a peer measured in the
 * same run (scikit-learn, PyTorch via Debian's /usr/bin/python3) and writing bench/results/.
 * Arguments name a subset: `npm run bench -- svm features`.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ALL: Record<string, string> = {
  svm: 'bench/svm/run.ts',
  features: 'bench/features/run.ts',
  onnx: 'bench/onnx/run.ts',
  'failure-modes': 'bench/features/failure-modes.ts',
  encoder: 'bench/encoder/run.ts',
  science: 'bench/science/run.ts',
};

const root = path.resolve(__dirname, '..');
const wanted = process.argv.slice(2);
for (const w of wanted) {
  if (!(w in ALL)) throw new Error(`bench: unknown benchmark '${w}' (known: ${Object.keys(ALL).join(', ')})`);
}
const names = wanted.length ? wanted : Object.keys(ALL);
const env = { ...process.env, MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '1073741824' };
const failed: string[] = [];
for (const name of names) {
  console.log(`\n=== bench ${name} (${ALL[name]})`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', ALL[name]], { cwd: root, stdio: 'inherit', env });
  console.log(`=== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (r.status !== 0) failed.push(name);
}
if (failed.length) {
  console.error(`bench: failed: ${failed.join(', ')}`);
  process.exit(1);
}
