/**
 * "Done when" check for the data/model/features layer: build the seeded benchmarks, train the small
 * CNN on each, report minority vs majority test accuracy and train time, then extract and cache the
 * embeddings (cold, then warm from the cache). `npm run bench:failure-modes`; writes
 * bench/results/failure-modes.json. Set FD_CACHE_DIR to share the dataset/embedding caches.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { coloredMnist, DatasetSplits, hiddenSubclass, ImageDataset } from '../../src/data';
import { backendName, ensureBackend, predictArrays, trainClassifier } from '../../src/model';
import { embed, embeddingCachePath, modelEncoder } from '../../src/embed';
import { setProgressSink } from '../../src/util/progress';

interface GroupAcc {
  n: number;
  accuracy: number;
}

function groupAccuracy(split: ImageDataset, correct: Uint8Array): Record<string, GroupAcc> {
  const acc: Record<string, { n: number; hits: number }> = {};
  split.groups!.forEach((g, i) => {
    acc[g] ??= { n: 0, hits: 0 };
    acc[g].n++;
    acc[g].hits += correct[i];
  });
  return Object.fromEntries(Object.entries(acc).map(([g, v]) => [g, { n: v.n, accuracy: v.hits / v.n }]));
}

function pooled(groups: Record<string, GroupAcc>, names: string[]): GroupAcc {
  let n = 0;
  let hits = 0;
  for (const g of names) {
    if (!groups[g]) continue;
    n += groups[g].n;
    hits += groups[g].accuracy * groups[g].n;
  }
  return { n, accuracy: n ? hits / n : NaN };
}

async function run(name: string, splits: DatasetSplits & { unlabeled?: ImageDataset }, minority: string[], epochs: number) {
  const t0 = performance.now();
  const model = await trainClassifier(splits.train, { arch: 'small-cnn', epochs, seed: 0 });
  const trainSeconds = (performance.now() - t0) / 1000;
  const test = await predictArrays(model, splits.test);
  const groups = groupAccuracy(splits.test, test.correct);
  const majority = Object.keys(groups).filter((g) => !minority.includes(g));
  const enc = modelEncoder(model);
  const parts: Array<[string, ImageDataset]> = [['train', splits.train], ['val', splits.val], ['test', splits.test]];
  if (splits.unlabeled) parts.push(['unlabeled', splits.unlabeled]);
  const embeddings: Record<string, { rows: number; cols: number; coldSeconds: number; warmSeconds: number; cache: string; wasAlreadyCached: boolean }> = {};
  for (const [split, ds] of parts) {
    // Training is deterministic, so an earlier run (or another worktree sharing FD_CACHE_DIR) may
    // already have cached these exact embeddings; say so rather than report a cache hit as "cold".
    const wasAlreadyCached = fs.existsSync(embeddingCachePath(enc, ds));
    const c0 = performance.now();
    const z = await embed(enc, ds);
    const c1 = performance.now();
    const z2 = await embed(enc, ds);
    const c2 = performance.now();
    if (z2.rows !== z.rows) throw new Error('cache returned a different matrix');
    embeddings[split] = { rows: z.rows, cols: z.cols, coldSeconds: (c1 - c0) / 1000, warmSeconds: (c2 - c1) / 1000, cache: embeddingCachePath(enc, ds), wasAlreadyCached };
  }
  const overall = test.correct.reduce((a, b) => a + b, 0) / test.correct.length;
  const result = {
    name,
    trainImages: splits.train.labels.length,
    epochs,
    trainSeconds,
    trainSamplesPerSec: (splits.train.labels.length * epochs) / trainSeconds,
    testAccuracy: overall,
    minority: { groups: minority, ...pooled(groups, minority) },
    majority: { groups: majority, ...pooled(groups, majority) },
    testGroups: groups,
    embeddingRuntime: enc.runtime,
    embeddings,
  };
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(`\n${name}: ${result.trainImages} train images x ${epochs} epochs in ${trainSeconds.toFixed(1)} s (${result.trainSamplesPerSec.toFixed(0)} samples/s)`);
  console.log(`  test accuracy ${pct(overall)}; minority [${minority.join(', ')}] ${pct(result.minority.accuracy)} (n=${result.minority.n}) vs majority ${pct(result.majority.accuracy)} (n=${result.majority.n})`);
  console.log(`  per group: ${Object.entries(groups).map(([g, v]) => `${g} ${pct(v.accuracy)}`).join(', ')}`);
  console.log(`  embeddings (${enc.name}, ${enc.dim}-d, ${enc.runtime}): ${Object.entries(embeddings).map(([s, e]) => `${s} ${e.rows} rows ${e.wasAlreadyCached ? 'already cached' : `${e.coldSeconds.toFixed(2)} s to compute`} / ${(1000 * e.warmSeconds).toFixed(0)} ms from cache`).join('; ')}`);
  return result;
}

async function main(): Promise<void> {
  setProgressSink(null);
  await ensureBackend();
  const results = [];
  for (const trainCorr of [0.9, 0.99]) {
    const splits = coloredMnist({ trainCorr, seed: 0 });
    results.push(await run(`coloredMnist trainCorr=${trainCorr}`, splits, ['disagrees'], 5));
  }
  const hs = hiddenSubclass({ seed: 0 });
  results.push(await run(`hiddenSubclass subsample=${hs.protocol.subsample}`, hs, hs.protocol.hidden, 5));
  const out = { date: new Date().toISOString(), backend: backendName(), results };
  const file = path.join(__dirname, '..', 'results', 'failure-modes.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
