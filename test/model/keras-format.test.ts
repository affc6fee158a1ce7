/**
 * A tfjs model.json written by Keras 3 (TensorFlow 2.16+ and tensorflowjs_converter) is refused with an
 * error naming the file, the Keras 3 markers and what works, instead of tfjs's bare "An InputLayer
 * should be passed either a `batchInputShape` or an `inputShape`".
 *
 * The fixtures are written by `writeKerasModel` below, following the converter's real output for
 * Keras 3.4 (tensorflow/tfjs#8328's model.json: `batch_shape`, `DTypePolicy` objects, `module` /
 * `registered_name` keys, `{args, kwargs}` inbound nodes with `__keras_tensor__` / `keras_history`,
 * weights named `layer/kernel`), with the same model in the Keras 2 shape as the control.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Keras3FormatError, keras3Markers, loadModel } from '../../src/model';
import { writeGraphModelFixture } from './graph-fixture';

type Json = Record<string, unknown>;
const policy = (name = 'float32') => ({ module: 'keras', class_name: 'DTypePolicy', config: { name }, registered_name: null });
const init = (class_name: string, config: Json = {}) => ({ module: 'keras.initializers', class_name, config, registered_name: null });

/** How one layer is called: Keras 3 call record or Keras 2 node list. */
function inbound(format: 2 | 3, from: string, shape: Array<number | null>): unknown[] {
  if (format === 2) return [[[from, 0, 0, {}]]];
  return [{ args: [{ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [from, 0, 0] } }], kwargs: {} }];
}

/**
 * Writes `dir/model.json` + `dir/group1-shard1of1.bin` for a small image classifier
 * (28x28x1 -> Conv2D(4, 3x3) -> Flatten -> Dense(8) -> Dense(3, softmax)) as the tfjs converter writes
 * it from Keras `format` 3 or 2, functional or sequential. Weights: kernels 0, last bias `bias`.
 */
function writeKerasModel(dir: string, opts: { format: 2 | 3; kind?: 'functional' | 'sequential'; bias?: number[] }): string {
  const { format, kind = 'functional', bias = [0, 0, 0] } = opts;
  const dtype = format === 3 ? policy() : 'float32';
  const inputConfig =
    format === 3
      ? { batch_shape: [null, 28, 28, 1], dtype: 'float32', sparse: false, name: 'input_layer' }
      : { batch_input_shape: [null, 28, 28, 1], dtype: 'float32', sparse: false, ragged: false, name: 'input_layer' };
  const conv = {
    name: 'conv2d', trainable: true, dtype, filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'valid',
    data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: true,
    kernel_initializer: init('GlorotUniform', { seed: null }), bias_initializer: init('Zeros'),
    kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
  };
  const dense = (name: string, units: number, activation: string) => ({
    name, trainable: true, dtype, units, activation, use_bias: true,
    kernel_initializer: init('GlorotUniform', { seed: null }), bias_initializer: init('Zeros'),
    kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null,
  });
  const specs: Array<[string, Json, Array<number | null>, string]> = [
    ['Conv2D', conv, [null, 28, 28, 1], 'input_layer'],
    ['Flatten', { name: 'flatten', trainable: true, dtype, data_format: 'channels_last' }, [null, 26, 26, 4], 'conv2d'],
    ['Dense', dense('dense', 8, 'relu'), [null, 2704], 'flatten'],
    ['Dense', dense('dense_1', 3, 'softmax'), [null, 8], 'dense'],
  ];
  let modelConfig: Json;
  if (kind === 'functional') {
    const layers: Json[] = [{ class_name: 'InputLayer', config: inputConfig, name: 'input_layer', inbound_nodes: [] }];
    for (const [cls, config, shape, from] of specs) layers.push({ class_name: cls, config, name: config.name, inbound_nodes: inbound(format, from, shape) });
    modelConfig = { class_name: 'Functional', config: { name: 'functional', trainable: true, layers, input_layers: [['input_layer', 0, 0]], output_layers: [['dense_1', 0, 0]] } };
  } else {
    const layers: Json[] = [{ module: 'keras.layers', class_name: 'InputLayer', config: inputConfig, registered_name: null }];
    for (const [cls, config, shape] of specs) layers.push({ module: 'keras.layers', class_name: cls, config, registered_name: null, build_config: { input_shape: shape } });
    modelConfig = { module: 'keras', class_name: 'Sequential', config: { name: 'sequential', trainable: true, dtype, layers, build_input_shape: [null, 28, 28, 1] }, registered_name: null, build_config: { input_shape: [null, 28, 28, 1] } };
  }
  const weights: Array<{ name: string; shape: number[]; values?: number[] }> = [
    { name: 'conv2d/kernel', shape: [3, 3, 1, 4] },
    { name: 'conv2d/bias', shape: [4] },
    { name: 'dense/kernel', shape: [2704, 8] },
    { name: 'dense/bias', shape: [8] },
    { name: 'dense_1/kernel', shape: [8, 3] },
    { name: 'dense_1/bias', shape: [3], values: bias },
  ];
  const version = format === 3 ? '3.4.1' : '2.15.0';
  const modelJson = {
    format: 'layers-model',
    generatedBy: `keras v${version}`,
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: version,
      backend: 'tensorflow',
      model_config: modelConfig,
      training_config: { loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'Adam', config: { name: 'adam', learning_rate: 0.001 } } },
    },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: weights.map(({ name, shape }) => ({ name, shape, dtype: 'float32' })) }],
  };
  const bin = new Float32Array(weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0));
  let off = 0;
  for (const w of weights) {
    if (w.values) bin.set(w.values, off);
    off += w.shape.reduce((a, b) => a * b, 1);
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Buffer.from(bin.buffer));
  return path.join(dir, 'model.json');
}

/** The artifacts tfjs would get from the file, without our checks. */
function artifactsOf(jsonPath: string): tf.io.ModelArtifacts {
  const j = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
  const bin = fs.readFileSync(path.join(path.dirname(jsonPath), j.weightsManifest[0].paths[0]));
  return {
    modelTopology: j.modelTopology,
    weightSpecs: j.weightsManifest[0].weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  };
}

describe('model: Keras 3 model.json files', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-keras3-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the fixture reproduces what users see from tfjs alone: the bare InputLayer error', async () => {
    for (const kind of ['functional', 'sequential'] as const) {
      const file = writeKerasModel(path.join(tmp, `raw-${kind}`), { format: 3, kind });
      await assert.rejects(tf.loadLayersModel(tf.io.fromMemory(artifactsOf(file))), /An InputLayer should be passed either a `batchInputShape` or an `inputShape`/);
    }
  });

  it('loadModel names the file, says it is Keras 3 format, shows the markers and what works', async () => {
    const file = writeKerasModel(path.join(tmp, 'k3'), { format: 3 });
    const err = await loadModel(path.join(tmp, 'k3')).then(
      () => assert.fail('a Keras 3 model.json must not load'),
      (e: Error) => e,
    );
    assert.ok(err instanceof Keras3FormatError);
    assert.equal(err.file, file);
    assert.equal(err.kerasVersion, '3.4.1');
    assert.ok(err.message.startsWith(`${file} is a Keras 3 model (keras_version 3.4.1, converted by TensorFlow.js Converter v4.22.0): its layers topology is in the Keras 3 format`));
    assert.deepEqual(err.evidence, [
      `InputLayer 'input_layer' has 'batch_shape' [null,28,28,1] where tfjs needs 'batch_input_shape'`,
      `layer 'conv2d' has a Keras 3 dtype policy object (DTypePolicy) where tfjs needs a dtype string (4 layers)`,
      `layer 'conv2d' lists its inputs as Keras 3 call records ({args, kwargs} with __keras_tensor__ / keras_history) where tfjs needs [[layer, node, tensor, kwargs]] (4 layers)`,
    ]);
    assert.match(err.message, /What works: \(1\) export a TensorFlow SavedModel from Keras 3 \(`model\.export\("exported"\)`\), convert it to a tfjs graph model \(`tensorflowjs_converter --input_format=tf_saved_model exported tfjs_model`\)/);
    assert.match(err.message, /\(2\) or re-save in the Keras 2 format: build the model with tf_keras/);
    assert.match(err.message, /\(3\) or compute predictions and embeddings in Python and load them with fd\.readPredictionsCsv and fd\.loadNpy/);
  });

  it('a Keras 3 Sequential file and a model.json path or file:// URL get the same error', async () => {
    const file = writeKerasModel(path.join(tmp, 'k3seq'), { format: 3, kind: 'sequential' });
    await assert.rejects(loadModel(file), (e: Error) => e instanceof Keras3FormatError && e.message.startsWith(`${file} is a Keras 3 model`) && /'batch_shape'/.test(e.message));
    // tfjs's own loader goes through this package's file:// route, so it is caught there too.
    await assert.rejects(tf.loadLayersModel(`file://${file}`), (e: Error) => e instanceof Keras3FormatError && e.message.startsWith(`${file} is a Keras 3 model`));
  });

  it('an http(s) URL is checked before tfjs reads it', async () => {
    writeKerasModel(path.join(tmp, 'served'), { format: 3 });
    const server = http.createServer((req, res) => {
      const f = path.join(tmp, 'served', path.basename(req.url ?? ''));
      if (!fs.existsSync(f)) return void res.writeHead(404).end();
      res.writeHead(200).end(fs.readFileSync(f));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`;
      await assert.rejects(loadModel(url), (e: Error) => e instanceof Keras3FormatError && e.message.startsWith(`${url} is a Keras 3 model (keras_version 3.4.1`));
    } finally {
      server.close();
    }
  });

  it('the same model in the Keras 2 shape loads and predicts, even when it says keras_version 3.x', async () => {
    const dir = path.join(tmp, 'k2');
    const file = writeKerasModel(dir, { format: 2, bias: [0, Math.log(2), Math.log(5)] });
    const rewritten = JSON.parse(fs.readFileSync(file, 'utf8'));
    rewritten.modelTopology.keras_version = '3.4.1'; // e.g. fixed up by a script: the shape decides
    fs.writeFileSync(file, JSON.stringify(rewritten));
    const model = (await loadModel(dir)) as tf.LayersModel;
    const p = tf.tidy(() => (model.predict(tf.zeros([1, 28, 28, 1])) as tf.Tensor).dataSync());
    // Zero kernels: softmax of the last bias, exp(0) : 2 : 5.
    assert.deepEqual(Array.from(p, (v) => Math.round(v * 800)), [100, 200, 500]);
    model.dispose();
    assert.deepEqual(keras3Markers(rewritten.modelTopology), []);
  });

  it('graph models and tfjs-written layers models have no Keras 3 markers', async () => {
    const g = writeGraphModelFixture();
    const gj = JSON.parse(fs.readFileSync(path.join(g, 'model.json'), 'utf8'));
    assert.deepEqual(keras3Markers(gj.modelTopology), []);
    assert.ok((await loadModel(g)) instanceof tf.GraphModel);
    fs.rmSync(g, { recursive: true, force: true });
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
    const topo = m.toJSON(null, false) as unknown as Json;
    assert.equal(topo.class_name, 'Sequential');
    assert.deepEqual(keras3Markers(topo), []);
    assert.deepEqual(keras3Markers({ model_config: topo }), []);
    m.dispose();
  });
});
