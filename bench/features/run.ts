/**
 * Feature-extraction benchmark: our embedding (images/s) and small-CNN training (samples/s) against
 * PyTorch CPU running the same architecture on the same images, measured in one run.
 *
 * `npm run bench:features` (or `node --import tsx bench/features/run.ts [--n 4096] [--repeats 3] [--rounds 2]`).
 * Thread counts are matched: our embedding engine (ONNX Runtime when onnxruntime-node is installed,
 * else tfjs wasm) runs with 1 thread against PyTorch with 1 thread, and with all cores against
 * PyTorch with all cores. Training runs on tfjs wasm, which is single-threaded, so its headline ratio
 * is against PyTorch with 1 thread. The tfjs-wasm embedding is reported too. Measurements alternate
 * between the stacks over several rounds and each keeps its best repeat, so load from other
 * processes affects both alike. Writes bench/results/features.json.
 */
import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import * as readline from 'node:readline';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requirePythonPeers } from '../peers';
import { coloredMnist, ImageDataset } from '../../src/data';
import { backendName, ensureBackend, onnxRuntimeStatus, trainClassifier } from '../../src/model';
import { embed, modelEncoder, saveNpy } from '../../src/embed';
import { setProgressSink } from '../../src/util/progress';

const PY = '/usr/bin/python3';

/**
 * glibc malloc settings that stop large freed blocks going back to the OS. Without them PyTorch on
 * this VM fell at random into a mode where every batch page-faults its buffers afresh (~37k minor
 * faults per pass) and ran 10-20x slower; with them it is consistently fast. The npm script sets
 * them for our process too, so both stacks run under the same allocator settings.
 */
const MALLOC_TUNING = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '1073741824' };

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

/** PyTorch's version; the peers are checked first, failing fast with the setup step when missing. */
function probeTorchVersion(): string {
  requirePythonPeers('bench:features', ['torch', 'numpy'], PY);
  return execFileSync(PY, ['-c', 'import torch; print(torch.__version__)'], { env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } }).toString().trim();
}

/** A long-lived PyTorch process answering one timing request per line (see torch_peer.py). */
class TorchPeer {
  private child: ChildProcessWithoutNullStreams;
  private lines: AsyncIterableIterator<string>;
  version = '';

  constructor(images: string, labels: string, readonly threads: number) {
    this.child = spawn(PY, [path.join(__dirname, 'torch_peer.py'), '--images', images, '--labels', labels, '--threads', String(threads)], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', ...MALLOC_TUNING },
    });
    this.child.stderr.on('data', (d) => process.stderr.write(d));
    this.lines = readline.createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  private async next(): Promise<Record<string, number | string | boolean>> {
    const r = await this.lines.next();
    if (r.done) throw new Error('the PyTorch peer exited');
    return JSON.parse(r.value);
  }

  async ready(): Promise<void> {
    const hello = await this.next();
    this.version = String(hello.torch);
  }

  async measure(op: 'embed' | 'train'): Promise<number> {
    this.child.stdin.write(JSON.stringify({ op }) + '\n');
    const r = await this.next();
    if (r.error) throw new Error(String(r.error));
    return Number(op === 'embed' ? r.imagesPerSec : r.samplesPerSec);
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** One embedding pass through the public API (uint8 -> penultimate layer), cache off; images/s. */
async function embedRate(enc: ReturnType<typeof modelEncoder>, split: ImageDataset): Promise<number> {
  const t = performance.now();
  await embed(enc, split, { cache: false, batchSize: 256 });
  return split.labels.length / ((performance.now() - t) / 1000);
}

const maxInto = (acc: Record<string, number>, key: string, v: number) => (acc[key] = Math.max(acc[key] ?? 0, v));

async function main(): Promise<void> {
  const n = arg('n', 4096);
  const repeats = arg('repeats', 3);
  const rounds = arg('rounds', 3);
  setProgressSink(null);
  const torchVersionProbe = probeTorchVersion();
  await ensureBackend();
  const onnx = onnxRuntimeStatus();
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const { train } = coloredMnist({ trainCorr: 0.9, seed: 0, sizes: { train: Math.min(n, 8000), val: 0, unlabeled: 0, test: 0 } });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-bench-'));
  const imagesNpy = path.join(tmp, 'images.npy');
  const labelsNpy = path.join(tmp, 'labels.npy');
  saveNpy(imagesNpy, { data: train.images, shape: [train.labels.length, train.height, train.width, train.channels], dtype: 'u1' });
  saveNpy(labelsNpy, { data: train.labels, shape: [train.labels.length], dtype: 'i4' });

  const ours: Record<string, number> = {};
  const torch: Record<string, number> = {};
  const load0 = os.loadavg()[0];
  const threadCounts = cores > 1 ? [1, cores] : [1];
  const peers: Record<number, TorchPeer> = {};
  for (const t of threadCounts) {
    peers[t] = new TorchPeer(imagesNpy, labelsNpy, t);
    await peers[t].ready();
  }
  // Trained weights for the embedding (the values do not change the speed), one warm-up epoch.
  const model = await trainClassifier(train, { epochs: 1, seed: 0 });
  const encoders: Record<string, ReturnType<typeof modelEncoder>> = { 'embed-tfjs@1': modelEncoder(model, { runtime: 'tfjs' }) };
  if (onnx.available) for (const t of threadCounts) encoders[`embed-onnx@${t}`] = modelEncoder(model, { runtime: 'onnx', threads: t });
  for (const enc of Object.values(encoders)) await embedRate(enc, train); // warm-up
  for (const t of threadCounts) await peers[t].measure('embed'); // warm-up; training comes after all embedding passes
  // Embedding: single passes, finely interleaved between the stacks, best of each.
  for (let r = 0; r < rounds * repeats; r++) {
    for (const [key, enc] of Object.entries(encoders)) maxInto(ours, key, await embedRate(enc, train));
    for (const t of threadCounts) maxInto(torch, `embed@${t}`, await peers[t].measure('embed'));
  }
  // Training: one epoch at a time, interleaved; ours on tfjs wasm (1 thread).
  for (let r = 0; r < rounds; r++) {
    const trained = await trainClassifier(train, { epochs: repeats, seed: 0, batchSize: 128 });
    const history = (trained.getUserDefinedMetadata() as { failureDirections: { history: Array<{ seconds: number }> } }).failureDirections.history;
    for (const h of history) maxInto(ours, 'train@1', train.labels.length / h.seconds);
    for (const t of threadCounts) for (let k = 0; k < repeats; k++) maxInto(torch, `train@${t}`, await peers[t].measure('train'));
  }
  for (const p of Object.values(peers)) p.close();
  const torchVersion = peers[1].version || torchVersionProbe;
  const engine = onnx.available ? 'onnx' : 'tfjs';
  const ourEmbed = (t: number) => (engine === 'onnx' ? ours[`embed-onnx@${t}`] : t === 1 ? ours['embed-tfjs@1'] : NaN);
  const ratios: Record<string, number> = {
    embedSameThreads1: ourEmbed(1) / torch['embed@1'],
    trainSameThreads1: ours['train@1'] / torch['train@1'],
    embedTfjsWasmVsTorch1: ours['embed-tfjs@1'] / torch['embed@1'],
  };
  if (cores > 1) {
    if (engine === 'onnx') ratios[`embedSameThreads${cores}`] = ourEmbed(cores) / torch[`embed@${cores}`];
    ratios[`trainVsTorch${cores}Threads`] = ours['train@1'] / torch[`train@${cores}`];
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores, loadAverageAtStart: load0, loadAverageAtEnd: os.loadavg()[0], node: process.version, mallocTuning: MALLOC_TUNING, mallocTuningInOurProcess: process.env.MALLOC_TRIM_THRESHOLD_ === MALLOC_TUNING.MALLOC_TRIM_THRESHOLD_ },
    images: { n: train.labels.length, shape: [train.height, train.width, train.channels], source: 'coloredMnist train (real MNIST digits)' },
    architecture: 'small-cnn: conv16 5x5/2 + conv32 3x3/2 + dense128 (features) + dense K; embedding = features',
    method: `embedding: ${rounds * repeats} single passes per configuration, interleaved with PyTorch's; training: ${rounds} x ${repeats} epochs each; best of each; batch 256 (embedding), 128 (training); one long-lived PyTorch process per thread count`,
    ours: { embeddingEngine: engine, onnxRuntime: onnx, trainingBackend: backendName(), ratesPerSec: ours },
    pytorch: { version: torchVersion, env: 'OPENBLAS_NUM_THREADS=1, torch.set_num_threads(t)', ratesPerSec: torch },
    ratios,
    target: { embedSameThreads1: 1.0 },
  };
  const outDir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'features.json'), JSON.stringify(result, null, 2) + '\n');
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '-').padStart(8);
  const r = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : '-');
  console.log(`features benchmark: ${train.labels.length} images 28x28x3, ${result.method} (load avg ${load0.toFixed(1)} on ${cores} cores)`);
  console.log(`                               ours                 PyTorch ${torchVersion}   ratio`);
  for (const t of threadCounts) {
    console.log(`embedding images/s, ${t} thread${t > 1 ? 's' : ' '}  ${f(ourEmbed(t))} (${engine})      ${f(torch[`embed@${t}`])}          ${r(ourEmbed(t) / torch[`embed@${t}`])}${t === 1 ? '  (target >= 1.0x)' : ''}`);
  }
  console.log(`embedding images/s, tfjs wasm  ${f(ours['embed-tfjs@1'])} (1 thread)  ${f(torch['embed@1'])} (1 thread)  ${r(ratios.embedTfjsWasmVsTorch1)}`);
  console.log(`training samples/s, 1 thread   ${f(ours['train@1'])} (tfjs wasm)  ${f(torch['train@1'])}          ${r(ratios.trainSameThreads1)}`);
  if (cores > 1) console.log(`training vs PyTorch ${cores} threads ${f(ours['train@1'])}                ${f(torch[`train@${cores}`])}          ${r(ratios[`trainVsTorch${cores}Threads`])}`);
  console.log(`wrote ${path.relative(process.cwd(), path.join(outDir, 'features.json'))}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
