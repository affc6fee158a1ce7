/**
 * Feature-extraction benchmark: our embedding (images/s) and small-CNN training (samples/s) against
 * PyTorch CPU running the same architecture on the same images, measured in one run.
 *
 * `npm run bench:features` (or `node --import tsx bench/features/run.ts [--n 4096] [--repeats 3]`).
 * Our tfjs wasm backend runs on one thread, so the headline ratios use PyTorch with one thread
 * ("same threads"); PyTorch with all cores is reported alongside. Measurements alternate between
 * the two stacks and each keeps its best repeat, so load from other processes affects both alike.
 * Writes bench/results/features.json.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coloredMnist } from '../../src/data';
import { backendName, ensureBackend, trainClassifier } from '../../src/model';
import { embed, modelEncoder, saveNpy } from '../../src/embed';
import { setProgressSink } from '../../src/progress';

const PY = '/usr/bin/python3';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

async function waitForTorch(): Promise<string> {
  // The lead installs python3-torch with apt; wait for it rather than failing.
  for (let attempt = 0; attempt < 30; attempt++) {
    try {
      return execFileSync(PY, ['-c', 'import torch; print(torch.__version__)'], { env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } }).toString().trim();
    } catch {
      console.error(`torch not importable with ${PY} yet; retrying in 20 s (${attempt + 1}/30)`);
      await new Promise((r) => setTimeout(r, 20000));
    }
  }
  throw new Error(`PyTorch is not importable with ${PY} (install python3-torch)`);
}

interface TorchResult {
  torch: string;
  threads: number;
  embedImagesPerSec: number;
  trainSamplesPerSec: number;
  n: number;
}

function runTorch(images: string, labels: string, threads: number, repeats: number): TorchResult {
  const out = execFileSync(PY, [path.join(__dirname, 'torch_peer.py'), '--images', images, '--labels', labels, '--threads', String(threads), '--repeats', String(repeats)], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(threads) },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.toString().trim().split('\n').pop()!) as TorchResult;
}

async function main(): Promise<void> {
  const n = arg('n', 4096);
  const repeats = arg('repeats', 3);
  const rounds = arg('rounds', 2);
  setProgressSink(null);
  const torchVersion = await waitForTorch();
  await ensureBackend();
  const { train } = await coloredMnist({ trainCorr: 0.9, seed: 0, sizes: { train: Math.min(n, 8000), val: 0, unlabeled: 0, test: 0 } });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-bench-'));
  const imagesNpy = path.join(tmp, 'images.npy');
  const labelsNpy = path.join(tmp, 'labels.npy');
  saveNpy(imagesNpy, { data: train.images, shape: [train.labels.length, train.height, train.width, train.channels], dtype: 'u1' });
  saveNpy(labelsNpy, { data: train.labels, shape: [train.labels.length], dtype: 'i4' });

  const ours = { embedImagesPerSec: 0, trainSamplesPerSec: 0 };
  let torch1: TorchResult | undefined;
  let torchAll: TorchResult | undefined;
  const cores = os.cpus().length;
  const load0 = os.loadavg()[0];
  for (let round = 0; round < rounds; round++) {
    // Ours: embedding through the public API (uint8 -> float -> penultimate layer), cache off.
    const model = await trainClassifier(train, { epochs: 1, seed: 0 }); // warm-up epoch, also gives trained weights
    const enc = modelEncoder(model);
    await embed(enc, train, { cache: false }); // warm-up
    for (let r = 0; r < repeats; r++) {
      const t = performance.now();
      await embed(enc, train, { cache: false, batchSize: 256 });
      ours.embedImagesPerSec = Math.max(ours.embedImagesPerSec, train.labels.length / ((performance.now() - t) / 1000));
    }
    const t1 = runTorch(imagesNpy, labelsNpy, 1, repeats);
    if (!torch1 || t1.embedImagesPerSec > torch1.embedImagesPerSec) torch1 = { ...t1, trainSamplesPerSec: Math.max(t1.trainSamplesPerSec, torch1?.trainSamplesPerSec ?? 0) };
    else torch1.trainSamplesPerSec = Math.max(torch1.trainSamplesPerSec, t1.trainSamplesPerSec);
    // Ours: training samples/s over whole epochs (batch assembly included), as PyTorch's loop.
    const trained = await trainClassifier(train, { epochs: repeats + 1, seed: 0, batchSize: 128 });
    const history = (trained.getUserDefinedMetadata() as { failureDirections: { history: Array<{ seconds: number }> } }).failureDirections.history;
    for (const h of history.slice(1)) ours.trainSamplesPerSec = Math.max(ours.trainSamplesPerSec, train.labels.length / h.seconds);
    if (cores > 1) {
      const ta = runTorch(imagesNpy, labelsNpy, cores, repeats);
      torchAll = {
        ...ta,
        embedImagesPerSec: Math.max(ta.embedImagesPerSec, torchAll?.embedImagesPerSec ?? 0),
        trainSamplesPerSec: Math.max(ta.trainSamplesPerSec, torchAll?.trainSamplesPerSec ?? 0),
      };
    }
  }
  const t1 = torch1!;
  const result = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores, loadAverageAtStart: load0, loadAverageAtEnd: os.loadavg()[0], node: process.version },
    images: { n: train.labels.length, shape: [train.height, train.width, train.channels], source: 'coloredMnist train (real MNIST digits)' },
    architecture: 'small-cnn: conv16 5x5/2 + conv32 3x3/2 + dense128 (features) + dense K; embedding = features',
    ours: { backend: backendName(), threads: 1, ...ours },
    pytorch: { version: torchVersion, sameThreads: t1, allCores: torchAll ?? null },
    ratios: {
      embedVsTorchSameThreads: ours.embedImagesPerSec / t1.embedImagesPerSec,
      trainVsTorchSameThreads: ours.trainSamplesPerSec / t1.trainSamplesPerSec,
      ...(torchAll
        ? { embedVsTorchAllCores: ours.embedImagesPerSec / torchAll.embedImagesPerSec, trainVsTorchAllCores: ours.trainSamplesPerSec / torchAll.trainSamplesPerSec }
        : {}),
    },
    target: { embedVsTorchSameThreads: 1.0 },
  };
  const outDir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'features.json'), JSON.stringify(result, null, 2) + '\n');
  const f = (x: number) => x.toFixed(0).padStart(8);
  const r = (x: number) => `${x.toFixed(2)}x`;
  console.log(`features benchmark: ${train.labels.length} images 28x28x3, ${rounds} rounds x ${repeats} repeats, best of each (load avg ${load0.toFixed(1)} on ${cores} cores)`);
  console.log(`                         ours (${backendName()}, 1 thread)   PyTorch ${torchVersion} 1 thread   ratio`);
  console.log(`embedding images/s       ${f(ours.embedImagesPerSec)}                      ${f(t1.embedImagesPerSec)}            ${r(result.ratios.embedVsTorchSameThreads)}  (target >= 1.0x)`);
  console.log(`training samples/s       ${f(ours.trainSamplesPerSec)}                      ${f(t1.trainSamplesPerSec)}            ${r(result.ratios.trainVsTorchSameThreads)}`);
  if (torchAll) {
    console.log(`PyTorch with ${cores} threads: embedding ${f(torchAll.embedImagesPerSec)} images/s (ours ${r(result.ratios.embedVsTorchAllCores!)}), training ${f(torchAll.trainSamplesPerSec)} samples/s (ours ${r(result.ratios.trainVsTorchAllCores!)})`);
  }
  console.log(`wrote ${path.relative(process.cwd(), path.join(outDir, 'features.json'))}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
