import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { jointEncoder, type LoadedJointEncoder } from '../../src/embed/joint-encoder';
import { TrainingPool } from '../../src/embed/training-pool';
import { readImageGeneratorFiles, saveImageGenerator } from '../../src/generate/generator-files';
import { DEFAULT_GENERATOR_CONFIG, type GeneratorConfig } from '../../src/generate/generator-model';
import { trainGenerator } from '../../src/generate/train-generator';
import { ensureBackend } from '../../src/model/backend';
import { setProgressSink } from '../../src/util/progress';
import { Random } from '../../src/util/random';

/** A tiny pool of random blobs over groups 0..19 (the trainer only needs shapes and captions). */
function tinyPool(n: number, seed: number): TrainingPool {
  const rng = new Random(seed);
  const images = new Uint8Array(n * 784);
  const groups = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    groups[i] = i % 20;
    const cx = 8 + rng.int(12), cy = 8 + rng.int(12);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) images[i * 784 + y * 28 + x] = Math.max(0, 255 - 40 * Math.hypot(x - cx, y - cy)) | 0;
  }
  return new TrainingPool({ images, size: 28, groups }, { digitRepeats: 1 });
}

const TINY: GeneratorConfig = { ...DEFAULT_GENERATOR_CONFIG, encoderChannels: [4, 8], decoderChannels: [8, 8], denoiserWidth: 32, denoiserBlocks: 1 };

describe('generate: training the generator', function () {
  this.timeout(300000);
  let encoder: LoadedJointEncoder;
  before(async () => {
    setProgressSink(null);
    await ensureBackend();
    encoder = await jointEncoder();
  });

  const opts = (seed: number) => ({ seed, config: TINY, autoencoderEpochs: 1, autoencoderBatchSize: 16, denoiserEpochs: 2, denoiserBatchSize: 32, warmupSteps: 2, statsSamples: 64, autoencoderDigitRepeats: 1, denoiserDigitRepeats: 1 });

  it('is bit-for-bit reproducible from a seed, differs across seeds, and leaks no tensors', async () => {
    const pool = tinyPool(96, 0);
    const before = tf.memory().numTensors;
    const a = await trainGenerator(pool, encoder, opts(0));
    const b = await trainGenerator(pool, encoder, opts(0));
    const c = await trainGenerator(pool, encoder, opts(1));
    const wa = a.network.readWeights(), wb = b.network.readWeights(), wc = c.network.readWeights();
    for (const [name, v] of wa) assert.deepEqual(v, wb.get(name), `weight ${name} differs between two runs with seed 0`);
    assert.notDeepEqual(wa.get('denoiser/out/kernel'), wc.get('denoiser/out/kernel'));
    assert.deepEqual(a.latentMean, b.latentMean);
    assert.equal(a.history.length, 3);
    assert.deepEqual(a.history.map((h) => h.stage), ['autoencoder', 'denoiser', 'denoiser']);
    for (const h of a.history) assert.ok(Number.isFinite(h.loss));
    for (const r of [a, b, c]) r.network.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('saves atomically with a hash that the reader checks', async () => {
    const pool = tinyPool(48, 1);
    const r = await trainGenerator(pool, encoder, { ...opts(0), denoiserEpochs: 1 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-gen-'));
    const conditioning = { encoder: 'joint-encoder@test', encoderSha256: 'x', dim: 64, imageMean: new Array(64).fill(0.1), imageCosineP01: 0.5 };
    const m = saveImageGenerator(r.network, dir, { latentMean: r.latentMean, latentStd: r.latentStd, conditioning });
    const back = readImageGeneratorFiles(dir);
    assert.equal(back.manifest.weightsSha256, m.weightsSha256);
    for (const [name, v] of r.network.readWeights()) assert.deepEqual(back.weights.get(name), v);
    r.network.dispose();
    const bin = path.join(dir, 'image-generator.bin');
    const bytes = fs.readFileSync(bin);
    bytes[100] ^= 1;
    fs.writeFileSync(bin, bytes);
    assert.throws(() => readImageGeneratorFiles(dir), /image-generator\.bin is corrupt or stale: SHA-256/);
    fs.writeFileSync(path.join(dir, 'image-generator.json'), '{"format": "something else"}');
    assert.throws(() => readImageGeneratorFiles(dir), /is not a failure-directions\/image-generator v1 manifest/);
    assert.throws(() => readImageGeneratorFiles(path.join(dir, 'missing')), /not found \(train one with `npm run train:generator`/);
  });

  it('rejects a pool of the wrong image size and an encoder of the wrong dimension', async () => {
    const pool = tinyPool(8, 2);
    await assert.rejects(trainGenerator(pool, encoder, { ...opts(0), config: { ...TINY, imageSize: 32 } }), /pool images are 28px but config.imageSize is 32/);
    await assert.rejects(trainGenerator(pool, encoder, { ...opts(0), config: { ...TINY, conditionDim: 32 } }), /embeds into 64 dimensions but config.conditionDim is 32/);
  });
});
