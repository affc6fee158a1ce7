/**
 * `npm run bench:onnx` — embedding a torchvision model exported to ONNX: ONNX Runtime (through
 * `onnxEncoder`) vs PyTorch CPU, on the same images, the same threads, the same machine, in one run.
 *
 *   npm run bench:onnx -- [--model resnet18|mobilenet_v3_small|...] [--threads 2] [--rounds 3] [--batch 32]
 *
 * The PyTorch peer (torch_peer.py, Debian's python3-torch) builds the torchvision architecture with
 * seeded weights and exports it; both sides then embed the 64 real Fashion-MNIST test images of the
 * parity fixtures, preprocessed once by our 'imagenet' transform (Resize 256, CenterCrop 224), to the
 * penultimate features. Rounds alternate the two engines; the best round of each is reported (a
 * loaded, shared machine only ever slows a run down). Also reported: the features' relative
 * difference, and preprocessing speed (our Pillow port vs torchvision on PIL images).
 * Writes bench/results/onnx.json.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { writeFileAtomic } from '../../src/util/fs-atomic';
import { onnxEncoder } from '../../src/embed/onnx-encoder';
import { loadNpy, saveNpy } from '../../src/embed/npy';
import { imageTransform, transformImages } from '../../src/model/image-transform';
import { onnxRuntimeStatus } from '../../src/model/onnx/runtime';
import { setProgressSink } from '../../src/util/progress';
import { fixtureImages } from '../../test/model/onnx-fixtures';

const PY = '/usr/bin/python3';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

class TorchPeer {
  private child: ChildProcessWithoutNullStreams;
  private lines: AsyncIterableIterator<string>;

  constructor(args: string[]) {
    this.child = spawn(PY, [path.join(__dirname, 'torch_peer.py'), ...args], { env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    this.child.stderr.on('data', (d) => {
      const s = String(d);
      if (!/Warning|warn/.test(s)) process.stderr.write(s);
    });
    this.lines = readline.createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async next(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error('the PyTorch peer exited');
    const v = JSON.parse(r.value);
    if (v.error) throw new Error(String(v.error));
    return v;
  }

  async ask(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.child.stdin.write(JSON.stringify(req) + '\n');
    return this.next();
  }

  close(): void {
    this.child.stdin.end();
  }
}

async function main(): Promise<void> {
  const model = arg('model', 'resnet18');
  const threads = Number(arg('threads', '2'));
  const rounds = Number(arg('rounds', '3'));
  const batch = Number(arg('batch', '32'));
  setProgressSink(null);
  if (!onnxRuntimeStatus().available) throw new Error(`onnxruntime-node is not available: ${onnxRuntimeStatus().reason}`);
  try {
    execFileSync(PY, ['-c', 'import torch, torchvision'], { env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  } catch {
    throw new Error(`PyTorch/torchvision are not importable with ${PY} (apt-get install python3-torch python3-torchvision)`);
  }
  const split = fixtureImages('gray');
  const n = split.labels.length;
  const t = imageTransform({ preset: 'imagenet' });
  const x = await transformImages(split, 0, n, t);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-bench-onnx-'));
  const inputNpy = path.join(tmp, 'input.npy');
  const imagesNpy = path.join(tmp, 'images.npy');
  const onnxFile = path.join(tmp, `${model}.onnx`);
  saveNpy(inputNpy, { data: x.data, shape: x.dims, dtype: 'f4' });
  saveNpy(imagesNpy, { data: split.images, shape: [n, split.height, split.width], dtype: 'u1' });

  const peer = new TorchPeer(['--model', model, '--onnx', onnxFile, '--input', inputNpy, '--images', imagesNpy, '--threads', String(threads)]);
  const hello = await peer.next();
  const enc = await onnxEncoder(onnxFile, { preset: 'imagenet', threads, batchSize: batch });
  const ort = { model: 0, endToEnd: 0, preprocess: 0 };
  const torch = { model: 0, preprocess: 0 };
  // ONNX Runtime on the very tensors PyTorch gets (model only), through the same session as onnxEncoder.
  const { OnnxSession, readOnnxFile } = await import('../../src/model/onnx/graph');
  const session = await OnnxSession.open(readOnnxFile(onnxFile), [enc.tensor], 'bench', threads);
  const per = 3 * 224 * 224;
  await session.run(x.data.subarray(0, batch * per), [batch, 3, 224, 224], 'bench'); // warm-up
  await peer.ask({ op: 'embed', batch }); // warm-up
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    for (let s = 0; s < n; s += batch) {
      const e = Math.min(n, s + batch);
      await session.run(x.data.subarray(s * per, e * per), [e - s, 3, 224, 224], 'bench');
    }
    ort.model = Math.max(ort.model, n / ((performance.now() - t0) / 1000));
    torch.model = Math.max(torch.model, Number((await peer.ask({ op: 'embed', batch })).imagesPerSec));
    t0 = performance.now();
    await enc.embedImages(split, { batchSize: batch });
    ort.endToEnd = Math.max(ort.endToEnd, n / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    await transformImages(split, 0, n, t);
    ort.preprocess = Math.max(ort.preprocess, n / ((performance.now() - t0) / 1000));
    torch.preprocess = Math.max(torch.preprocess, Number((await peer.ask({ op: 'preprocess' })).imagesPerSec));
  }
  const featNpy = path.join(tmp, 'features.npy');
  await peer.ask({ op: 'features', out: featNpy });
  peer.close();
  await session.release();
  const ref = loadNpy(featNpy);
  const z = await enc.embedImages(split);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    let d = 0;
    let s = 0;
    for (let j = 0; j < z.cols; j++) {
      d = Math.max(d, Math.abs(z.data[i * z.cols + j] - ref.data[i * z.cols + j]));
      s = Math.max(s, Math.abs(ref.data[i * z.cols + j]));
    }
    worst = Math.max(worst, d / (s || 1));
  }
  await enc.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
  const f = (v: number) => v.toFixed(1).padStart(8);
  const lines = [
    `ONNX Runtime vs PyTorch CPU: torchvision ${model} (seeded weights), ${n} real images at 224x224, batch ${batch}, ${threads} thread(s), best of ${rounds} alternating rounds`,
    `torch ${hello.torch}, torchvision ${hello.torchvision}; onnxruntime-node ${onnxRuntimeStatus().version}; penultimate tensor '${enc.tensor}' (${z.cols}-d)`,
    '',
    'work                                   ONNX Runtime   PyTorch   ratio',
    `model forward, same tensors (img/s)    ${f(ort.model)}  ${f(torch.model)}   ${(ort.model / torch.model).toFixed(2)}x`,
    `preprocessing (img/s, ours vs PIL)     ${f(ort.preprocess)}  ${f(torch.preprocess)}   ${(ort.preprocess / torch.preprocess).toFixed(2)}x`,
    `onnxEncoder end to end (img/s)         ${f(ort.endToEnd)}`,
    '',
    `features: max relative difference to PyTorch ${worst.toExponential(2)} (per image, max |diff| / max |feature|)`,
    'Timings on a shared 2-core machine are lower bounds; the ratio is what carries over.',
  ];
  console.log(lines.join('\n'));
  const out = path.join(__dirname, '..', 'results', 'onnx.json');
  writeFileAtomic(out, Buffer.from(JSON.stringify({ model, images: n, batch, threads, rounds, torch: hello, onnxRuntime: onnxRuntimeStatus().version, imagesPerSec: { ort, torch }, ratio: ort.model / torch.model, maxRelDiff: worst, when: new Date().toISOString() }, null, 1) + '\n'));
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
