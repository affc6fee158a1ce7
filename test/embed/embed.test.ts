import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { coloredMnist, ImageDataset, subset } from '../../src/data';
import { loadModel, trainClassifier } from '../../src/model';
import { writeGraphModelFixture } from '../model/graph-fixture';
import { embed, embeddingCachePath, Encoder, modelEncoder } from '../../src/embed';

describe('embed: modelEncoder and embed', function () {
  let train: ImageDataset;
  let test: ImageDataset;
  let model: tf.LayersModel;
  before(async () => {
    const s = coloredMnist({ trainCorr: 0.9, seed: 4, sizes: { train: 256, val: 0, unlabeled: 0, test: 300 } });
    train = s.train;
    test = s.test;
    model = await trainClassifier(train, { epochs: 1, seed: 0 });
  });

  it('embeds with the penultimate layer by default and matches the layer output', async () => {
    const enc = modelEncoder(model);
    assert.equal(enc.dim, 128);
    assert.match(enc.name, /\/features$/);
    const z = await enc.embedImages(test, { batchSize: 100 });
    assert.equal(z.rows, 300);
    assert.equal(z.cols, 128);
    const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer('features').output as tf.SymbolicTensor });
    const x = tf.tensor4d(Float32Array.from(test.images.subarray(0, 2 * 28 * 28 * 3), (v) => v / 255), [2, 28, 28, 3]);
    const ref = (sub.predict(x) as tf.Tensor).dataSync();
    for (let j = 0; j < 256; j++) assert.ok(Math.abs(ref[j] - z.data[j]) < 1e-5);
  });

  it('supports other layers, average pooling, foreign models, and names unknown layers', async () => {
    const conv = modelEncoder(model, { layer: 'conv2', pool: 'avg' });
    assert.equal(conv.dim, 32);
    assert.equal((await conv.embedImages(subset(test, [0, 1, 2]))).cols, 32);
    assert.equal(modelEncoder(model, { layer: 'conv2' }).dim, 7 * 7 * 32);
    assert.throws(() => modelEncoder(model, { layer: 'nope' }), /has no layer 'nope' \(layers: image, conv1, conv2/);
    const foreign = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 7, name: 'h' }), tf.layers.dense({ units: 2, activation: 'softmax', name: 'out' })] });
    const fe = modelEncoder(foreign);
    assert.equal(fe.dim, 7);
    assert.equal((await fe.embedImages(subset(test, [0, 1]))).cols, 7);
    // A GraphModel: the default is the input of the final MatMul.
    const g = await loadModel(writeGraphModelFixture());
    const ge = modelEncoder(g);
    assert.match(ge.name, /\/flat$/);
    const zg = await ge.embedImages(subset(test, [0, 1, 2]));
    assert.equal(zg.cols, 16);
    assert.equal(ge.dim, 16);
  });

  it('caches on disk keyed by weights, layer and pixels; rebuilds a damaged cache', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-embed-'));
    const base = modelEncoder(model);
    let calls = 0;
    const counting: Encoder = { ...base, embedImages: (s, o) => (calls++, base.embedImages(s, o)) };
    const z1 = await embed(counting, test, { cache: dir });
    const z2 = await embed(counting, test, { cache: dir });
    assert.equal(calls, 1);
    assert.deepEqual(z2, z1);
    const file = embeddingCachePath(base, test, dir);
    assert.ok(fs.existsSync(file));
    // Another layer, other pixels, and changed weights each get their own entry.
    assert.notEqual(embeddingCachePath(modelEncoder(model, { layer: 'conv2' }), test, dir), file);
    assert.notEqual(embeddingCachePath(base, subset(test, [0, 1]), dir), file);
    const w = model.getLayer('features').getWeights();
    const saved = w.map((t) => t.clone());
    model.getLayer('features').setWeights([tf.add(w[0], 0.01), w[1]]);
    try {
      assert.notEqual(embeddingCachePath(modelEncoder(model), test, dir), file);
    } finally {
      model.getLayer('features').setWeights(saved);
    }
    assert.equal(embeddingCachePath(modelEncoder(model), test, dir), file);
    // A damaged file is recomputed with a warning; cache: false never touches the disk.
    fs.writeFileSync(file, 'junk');
    const warn = process.emitWarning;
    const warnings: string[] = [];
    process.emitWarning = ((m: string) => warnings.push(String(m))) as typeof process.emitWarning;
    try {
      const z3 = await embed(counting, test, { cache: dir });
      assert.deepEqual(z3, z1);
    } finally {
      process.emitWarning = warn;
    }
    assert.equal(calls, 2);
    assert.match(warnings[0], /not a \.npy file/);
    const before = fs.readdirSync(dir).length;
    await embed(counting, subset(test, [5, 6, 7]), { cache: false });
    assert.equal(fs.readdirSync(dir).length, before);
  });
});
