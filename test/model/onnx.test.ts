import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { ImageDataset } from '../../src/data';
import { buildClassifier, ensureBackend, onnxRuntimeStatus, predictArrays } from '../../src/model';
import { modelEncoder } from '../../src/embed';
import { onnx, withExtraOutputs } from '../../src/model/onnx/proto';
import { exportOnnx } from '../../src/model/onnx/export';

function randomImages(n: number, h: number, w: number, c: number, seed: number): ImageDataset {
  let s = seed >>> 0;
  const images = new Uint8Array(n * h * w * c).map(() => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24));
  return { images, height: h, width: w, channels: c, labels: new Int32Array(n), classNames: ['a', 'b'], ids: Array.from({ length: n }, (_, i) => i), name: 'random' };
}

/** Randomises every weight (and BN statistics) so the comparison is not against trivial zeros/ones. */
function randomise(model: tf.LayersModel, seed: number): void {
  model.layers.forEach((l, li) => {
    const ws = l.getWeights();
    if (!ws.length) return;
    l.setWeights(ws.map((w, wi) => (l.getClassName() === 'BatchNormalization' && wi === ws.length - 1 ? tf.randomUniform(w.shape, 0.5, 2, 'float32', seed + li * 10 + wi) : tf.randomNormal(w.shape, 0, 0.3, 'float32', seed + li * 10 + wi))));
  });
}

async function maxDiff(model: tf.LayersModel, layer: string, split: ImageDataset, pool: 'flatten' | 'avg' = 'flatten'): Promise<number> {
  const onnx = modelEncoder(model, { layer, runtime: 'onnx', pool, threads: 1 });
  const ref = modelEncoder(model, { layer, runtime: 'tfjs', pool });
  assert.equal(onnx.runtime, 'onnx');
  const [a, b] = [await onnx.embedImages(split, { batchSize: 7 }), await ref.embedImages(split)];
  assert.equal(a.cols, b.cols);
  assert.equal(onnx.dim, ref.dim);
  let d = 0;
  for (let i = 0; i < a.data.length; i++) d = Math.max(d, Math.abs(a.data[i] - b.data[i]) / (1 + Math.abs(b.data[i])));
  return d;
}

describe('embed: ONNX Runtime export', function () {
  before(async function () {
    if (!onnxRuntimeStatus().available) this.skip();
    await ensureBackend();
  });

  it('writes a ModelProto that the onnx-proto classes decode: opset 17, uint8 pixels in, embedding out, raw float weights', () => {
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 3, 1] }), tf.layers.dense({ units: 4, name: 'emb' })] });
    const m = onnx.ModelProto.decode(exportOnnx(model, { layer: 'emb', scale: 1 / 255, offset: 0 }));
    assert.equal(Number(m.irVersion), 8);
    assert.deepEqual(m.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', 17]]);
    const g = m.graph as onnx.GraphProto;
    assert.equal(g.input[0].name, 'pixels');
    assert.equal(g.input[0].type!.tensorType!.elemType, onnx.TensorProto.DataType.UINT8);
    assert.deepEqual(g.input[0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue)), ['N', 2, 3, 1]);
    assert.equal(g.output[0].name, 'embedding');
    assert.deepEqual(g.node.map((n) => n.opType), ['Cast', 'Mul', 'Flatten', 'Gemm', 'Identity']);
    const w = g.initializer.find((t) => (t.dims ?? []).map(Number).join('x') === '6x4')!;
    const expected = model.getLayer('emb').getWeights()[0].dataSync();
    const raw = w.rawData!;
    assert.deepEqual(Array.from(new Float32Array(Uint8Array.from(raw).buffer)), Array.from(expected));
    // Extra graph outputs: decoded, added, re-encoded; nothing else changes.
    const patched = onnx.ModelProto.decode(withExtraOutputs(m, [{ name: 'cast_0' }]));
    assert.deepEqual((patched.graph as onnx.GraphProto).output.map((o) => o.name), ['embedding', 'cast_0']);
    assert.equal((patched.graph as onnx.GraphProto).node.length, 5);
    assert.deepEqual(Array.from((patched.graph as onnx.GraphProto).initializer[1].rawData!), Array.from(g.initializer[1].rawData!));
  });

  it('matches tfjs on convolutions (strides 1 and 2, same and valid), depthwise, pooling, batch norm and dense layers', async () => {
    const input = tf.input({ shape: [13, 11, 3] });
    let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({}).apply(h) as tf.SymbolicTensor;
    h = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'pool' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.conv2d({ filters: 5, kernelSize: [2, 3], strides: 1, padding: 'valid', activation: 'tanh', name: 'conv_valid' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(h) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
    let d = tf.layers.dense({ units: 6, activation: 'elu', name: 'emb' }).apply(flat) as tf.SymbolicTensor;
    d = tf.layers.dropout({ rate: 0.5 }).apply(d) as tf.SymbolicTensor;
    d = tf.layers.leakyReLU({ alpha: 0.2 }).apply(d) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(d) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    randomise(model, 1);
    const split = randomImages(20, 13, 11, 3, 5);
    for (const layer of ['emb', 'out', 'pool', 'conv_valid']) {
      const diff = await maxDiff(model, layer, split);
      assert.ok(diff < 1e-4, `${layer}: max rel diff ${diff}`);
    }
    assert.ok((await maxDiff(model, 'conv_valid', split, 'avg')) < 1e-4);
    const gap = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [9, 9, 1], filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'sigmoid' }), tf.layers.globalAveragePooling2d({ name: 'gap' })] });
    randomise(gap, 2);
    assert.ok((await maxDiff(gap, 'gap', randomImages(9, 9, 9, 1, 3))) < 1e-4);
  });

  it('falls back to tfjs for layers it cannot export, or names them when ONNX is required', () => {
    const input = tf.input({ shape: [4, 4, 1] });
    const a = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const r = tf.layers.reshape({ targetShape: [16], name: 'reshaped' }).apply(a) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, name: 'out' }).apply(r) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const enc = modelEncoder(model, { layer: 'out' });
    assert.equal(enc.runtime, 'tfjs');
    assert.match(enc.runtimeNote!, /reshaped \(Reshape\)/);
    assert.throws(() => modelEncoder(model, { layer: 'out', runtime: 'onnx' }), /runtime 'onnx' unavailable: not exportable to ONNX: layer reshaped \(Reshape\)/);
  });

  it('predictArrays runs the whole classifier on ONNX Runtime with the same results as tfjs, and notices retrained weights', async () => {
    const model = buildClassifier('small-cnn', [12, 12, 3], 4, 3);
    randomise(model, 4);
    const split = { ...randomImages(40, 12, 12, 3, 9), classNames: ['a', 'b', 'c', 'd'], labels: Int32Array.from({ length: 40 }, (_, i) => i % 4) };
    const a = await predictArrays(model, split, { batchSize: 16 });
    const b = await predictArrays(model, split, { runtime: 'tfjs' });
    let d = 0;
    for (let i = 0; i < a.probs.data.length; i++) d = Math.max(d, Math.abs(a.probs.data[i] - b.probs.data[i]));
    assert.ok(d < 1e-5, `max abs diff ${d}`);
    assert.deepEqual(a.pred, b.pred);
    // New weights must not reuse the compiled session.
    randomise(model, 5);
    const c = await predictArrays(model, split);
    const e = await predictArrays(model, split, { runtime: 'tfjs' });
    for (let i = 0; i < c.probs.data.length; i++) assert.ok(Math.abs(c.probs.data[i] - e.probs.data[i]) < 1e-5);
    assert.notDeepEqual(c.probs.data, a.probs.data);
  });
});
