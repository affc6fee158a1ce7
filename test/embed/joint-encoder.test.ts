import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../src/data/image-dataset';
import { coloredMnist } from '../../src/data/colored-mnist';
import { loadFashionMnist } from '../../src/data/load-fashion-mnist';
import { subset } from '../../src/data/subset';
import { isJointEncoder } from '../../src/embed/encoder';
import { defaultEncoderDir, jointEncoder, readJointEncoderFiles, saveJointEncoder } from '../../src/embed/joint-encoder';
import { JointEncoderNetwork } from '../../src/embed/joint-encoder-model';
import { TrainingPool } from '../../src/embed/training-pool';
import { trainJointEncoder } from '../../src/embed/train-joint-encoder';
import { zeroShotClassify } from '../../src/embed/zero-shot';
import { ensureBackend } from '../../src/model/backend';
import { setProgressSink } from '../../src/util/progress';

function rowNorms(m: { data: Float32Array; rows: number; cols: number }): number[] {
  return Array.from({ length: m.rows }, (_, i) => Math.hypot(...m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

describe('embed: the shipped joint encoder', function () {
  this.timeout(120000);
  let fashionTest: ImageDataset;
  before(async () => {
    setProgressSink(null);
    await ensureBackend();
    const fm = loadFashionMnist();
    // 600 test images (ids 60000..69999), every class.
    const rows = Array.from({ length: 600 }, (_, i) => 60000 + i * 16);
    fashionTest = subset(fm, rows, 'fashion-test-600');
  });

  it('loads offline from data/encoder, with a weights hash in its name, and is shared', async () => {
    const enc = await jointEncoder();
    assert.ok(isJointEncoder(enc));
    assert.equal(enc.dim, 64);
    const { manifest } = readJointEncoderFiles(defaultEncoderDir());
    assert.match(enc.name, /^joint-encoder@[0-9a-f]{12}$/);
    assert.equal(enc.manifest.weightsSha256, manifest.weightsSha256);
    assert.equal(await jointEncoder(), enc, 'repeated calls share one instance');
    const bytes = fs.statSync(path.join(defaultEncoderDir(), manifest.weightsFile)).size;
    assert.ok(bytes < 4 * 1024 * 1024, `shipped weights are ${bytes} bytes`);
  });

  it('embeds images and texts into unit vectors, without leaking tensors', async () => {
    const enc = await jointEncoder();
    const before = tf.memory().numTensors;
    const z = await enc.embedImages(fashionTest);
    const t = await enc.embedTexts(['a photo of a sneaker', 'a red digit']);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(z.rows, 600);
    assert.equal(z.cols, 64);
    assert.equal(t.rows, 2);
    for (const n of [...rowNorms(z), ...rowNorms(t)]) assert.ok(Math.abs(n - 1) < 1e-4, `norm ${n}`);
    const again = await enc.embedImages(fashionTest, { batchSize: 37 });
    assert.deepEqual(again.data, z.data, 'batch size does not change the result');
  });

  it('treats gray, RGB and RGBA alike and resizes other sizes', async () => {
    const enc = await jointEncoder();
    const gray = subset(fashionTest, [0, 1, 2, 3], 'four');
    const rgb: ImageDataset = { ...gray, channels: 3, images: new Uint8Array(4 * 784 * 3) };
    const rgba: ImageDataset = { ...gray, channels: 4, images: new Uint8Array(4 * 784 * 4) };
    for (let p = 0; p < 4 * 784; p++) {
      for (let c = 0; c < 3; c++) rgb.images[p * 3 + c] = gray.images[p];
      for (let c = 0; c < 3; c++) rgba.images[p * 4 + c] = gray.images[p];
      rgba.images[p * 4 + 3] = 255;
    }
    const [a, b, c] = [await enc.embedImages(gray), await enc.embedImages(rgb), await enc.embedImages(rgba)];
    assert.deepEqual(a.data, b.data);
    assert.deepEqual(a.data, c.data);
    // 56x56 upscaled copies land close to the originals.
    const big: ImageDataset = { ...gray, height: 56, width: 56, images: new Uint8Array(4 * 56 * 56) };
    for (let i = 0; i < 4; i++) for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) big.images[i * 3136 + y * 56 + x] = gray.images[i * 784 + (y >> 1) * 28 + (x >> 1)];
    const d = await enc.embedImages(big);
    for (let i = 0; i < 4; i++) {
      let cos = 0;
      for (let j = 0; j < 64; j++) cos += a.data[i * 64 + j] * d.data[i * 64 + j];
      assert.ok(cos > 0.8, `cosine ${cos} between a 28px image and its 56px copy`);
    }
    await assert.rejects(enc.embedImages({ ...gray, channels: 2, images: new Uint8Array(4 * 784 * 2) }), /2 channels; the joint encoder takes 1 \(gray\), 3 \(RGB\) or 4/);
    await assert.rejects(enc.embedImages({ ...gray, images: new Uint8Array(10) }), /images has 10 bytes, expected 4 x 28 x 28 x 1/);
  });

  it('reads captions as bags of known words and reports the unknown ones', async () => {
    const enc = await jointEncoder();
    assert.deepEqual(enc.unknownWords('a photo of a plaid sneaker'), ['plaid']);
    assert.deepEqual(enc.unknownWords('two grey Sneakers, upside-down'), []);
    const [a, b] = [await enc.embedTexts(['a photo of a sneaker']), await enc.embedTexts(['a photo of a plaid sneaker'])];
    assert.deepEqual(a.data, b.data, 'unknown words are ignored');
    await assert.rejects(enc.embedTexts(['plaid tartan']), /text 0 \("plaid tartan"\) has no word the encoder knows/);
    assert.equal((await enc.embedTexts([])).rows, 0);
  });

  it('classifies Fashion-MNIST test images zero-shot (>= 80% on this subset)', async () => {
    const enc = await jointEncoder();
    const r = await zeroShotClassify(enc, fashionTest);
    assert.deepEqual(r.prompts.slice(0, 2), ['a photo of a T-shirt/top', 'a photo of a Trouser']);
    assert.ok(r.accuracy >= 0.8, `zero-shot accuracy ${r.accuracy}`);
  });

  it('tells red from green digits by caption (top-50 precision >= 0.9)', async () => {
    const enc = await jointEncoder();
    const { test } = coloredMnist({ trainCorr: 0.95, seed: 0, sizes: { train: 10, val: 10, unlabeled: 0, test: 400 } });
    const z = await enc.embedImages(test);
    const isRed = Array.from(test.labels, (y, i) => (test.groups![i] === 'agrees') === (y === 0));
    for (const [caption, want] of [['a photo of a red digit', true], ['a photo of a green digit', false]] as const) {
      const t = await enc.embedTexts([caption]);
      const sim = Array.from({ length: z.rows }, (_, i) => {
        let s = 0;
        for (let j = 0; j < 64; j++) s += z.data[i * 64 + j] * t.data[j];
        return s;
      });
      const top = sim.map((s, i) => [s, i]).sort((p, q) => q[0] - p[0]).slice(0, 50);
      const precision = top.filter(([, i]) => isRed[i] === want).length / 50;
      assert.ok(precision >= 0.9, `"${caption}": top-50 precision ${precision}`);
    }
  });

  it('round-trips through save and load, and refuses corrupt weights naming the file', async () => {
    const enc = await jointEncoder();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-enc-'));
    try {
      saveJointEncoder(enc, dir, enc.manifest.training);
      const copy = await jointEncoder({ dir });
      assert.equal(copy.name, enc.name, 'same weights, same name');
      const four = subset(fashionTest, [5, 6, 7, 8]);
      assert.deepEqual((await copy.embedImages(four)).data, (await enc.embedImages(four)).data);
      copy.dispose();
      await assert.rejects(copy.embedTexts(['a digit']), /disposed/);
      const bin = path.join(dir, 'joint-encoder.bin');
      const bytes = fs.readFileSync(bin);
      bytes[100] ^= 0xff;
      fs.writeFileSync(bin, bytes);
      await assert.rejects(jointEncoder({ dir }), new RegExp(`${bin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is corrupt or stale`));
      await assert.rejects(jointEncoder({ dir: path.join(dir, 'nope') }), /joint-encoder.json not found/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('embed: contrastive training (tiny smoke run)', function () {
  this.timeout(120000);
  it('is deterministic for a seed and lowers the loss', async () => {
    setProgressSink(null);
    await ensureBackend();
    const fm = loadFashionMnist({ part: 'encoder' });
    const rows = Array.from({ length: 192 }, (_, i) => i);
    const small = subset(fm, rows);
    const pool = new TrainingPool({ images: small.images, size: 28, groups: Int32Array.from(small.labels, (l) => l + 10) });
    const config = { imageSize: 28, convChannels: [8, 8, 8] as [number, number, number], imageHidden: 16, wordDim: 8, textHidden: 8, dim: 8 };
    const run = () => trainJointEncoder(pool, { seed: 3, epochs: 3, batchSize: 64, warmupSteps: 2, learningRate: 5e-3, config });
    const a = await run();
    const b = await run();
    const wa = a.network.readWeights();
    const wb = b.network.readWeights();
    for (const [name, v] of wa) assert.deepEqual(v, wb.get(name), `weight ${name} differs between two runs with seed 3`);
    assert.ok(a.history[2].loss < a.history[0].loss, `loss ${a.history.map((h) => h.loss.toFixed(3)).join(' -> ')}`);
    assert.ok(a.network instanceof JointEncoderNetwork);
    a.network.dispose();
    b.network.dispose();
  });
});
