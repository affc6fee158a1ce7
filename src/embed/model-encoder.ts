/**
 * Turning a classifier into an {@link Encoder}: embeddings are the activations of one of its layers
 * (by default the penultimate one, the input of the final classification layer).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/image-dataset';
import { assertDataset } from '../data/subset';
import type { Matrix } from '../util/matrix';
import { progress } from '../util/progress';
import { ensureBackend } from '../model/backend';
import { FEATURE_LAYER } from '../model/architectures';
import { modelWeightsHash } from '../model/model-weights-hash';
import { AnyModel, batchTensor, classifierMetadata, InputOverrides, inputSpecOf } from '../model/model-input';
import type { EmbedOptions, Encoder } from './encoder';
import { exportOnnx, OnnxUnsupportedError } from '../model/onnx/export';
import { defaultThreads, OnnxEmbedder, onnxRuntime } from '../model/onnx/runtime';

/** Options of {@link modelEncoder}. */
export interface ModelEncoderOptions extends InputOverrides {
  /**
   * Layer (LayersModel) or node (GraphModel) whose output is the embedding. Default: the
   * penultimate layer, i.e. the input of the final classification layer (`features` in models
   * from `trainClassifier`).
   */
  layer?: string;
  /** How a spatial (4-D) activation becomes a row: `'flatten'` (default) or `'avg'` (global average pool). */
  pool?: 'flatten' | 'avg';
  /** Display name; the cache key always includes a hash of the weights and the layer. */
  name?: string;
  /**
   * Inference engine. `'auto'` (default): ONNX Runtime (native, multi-threaded) when the optional
   * `onnxruntime-node` package loads and every layer up to `layer` can be exported, else tfjs.
   * `'onnx'` insists (and throws naming the unsupported layer); `'tfjs'` never uses ONNX.
   */
  runtime?: 'auto' | 'onnx' | 'tfjs';
  /** Threads for ONNX Runtime (default `FD_THREADS` or all cores). The tfjs wasm backend uses one. */
  threads?: number;
}

/** An {@link Encoder} built from a model layer, telling which engine runs it. */
export interface ModelEncoder extends Encoder {
  /** The engine that runs the embedding: `'onnx'` (ONNX Runtime) or `'tfjs'`. */
  runtime: 'onnx' | 'tfjs';
  /** The layer (or GraphModel node) embedded. */
  layer: string;
  /** Why ONNX Runtime is not used, when it is not. */
  runtimeNote?: string;
}

const ACTIVATION_ONLY = new Set(['Softmax', 'Activation', 'ReLU', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

/** The default embedding layer of a LayersModel: the input of its final classification layer. */
function penultimateLayer(model: tf.LayersModel): string {
  if (classifierMetadata(model) && model.layers.some((l) => l.name === FEATURE_LAYER)) return FEATURE_LAYER;
  const layers = model.layers;
  let i = layers.length - 1;
  while (i >= 0 && ACTIVATION_ONLY.has(layers[i].getClassName())) i--;
  // layers[i] is the classification layer; the one feeding it is the embedding.
  const cls = layers[i];
  const inbound = (cls as unknown as { inboundNodes?: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes?.[0]?.inboundLayers?.[0];
  const prev = inbound ?? layers[i - 1];
  if (!prev || prev.getClassName() === 'InputLayer') throw new Error(`cannot find a penultimate layer in model '${model.name}'; pass { layer } (layers: ${layers.map((l) => l.name).join(', ')})`);
  return prev.name;
}

/** The default embedding node of a GraphModel: the input of the final MatMul (through Softmax/BiasAdd). */
function penultimateNode(model: tf.GraphModel): string {
  const nodes = ((model as unknown as { artifacts?: { modelTopology?: { node?: Array<{ name: string; op: string; input?: string[] }> } } }).artifacts?.modelTopology?.node) ?? [];
  const byName = new Map(nodes.map((n) => [n.name, n]));
  let cur = byName.get(model.outputs[0]?.name?.split(':')[0] ?? '');
  for (let hops = 0; cur && hops < 8; hops++) {
    if (cur.op === 'MatMul' || cur.op === '_FusedMatMul') return (cur.input?.[0] ?? '').split(':')[0];
    if (['Softmax', 'BiasAdd', 'Add', 'AddV2', 'Identity', 'Relu'].includes(cur.op)) cur = byName.get((cur.input?.[0] ?? '').split(':')[0]);
    else break;
  }
  throw new Error(`cannot find the penultimate node of this GraphModel; pass { layer: '<node name>' } (outputs: ${model.outputs.map((o) => o.name).join(', ')})`);
}

/**
 * An {@link Encoder} whose embedding of an image is the activation of `layer` in `model` (default:
 * the penultimate layer). Works for LayersModels (any layer name) and GraphModels (any node name).
 * Its `cacheKey` is a hash of the weights plus the layer and pooling, so retrained weights never hit
 * stale cached embeddings.
 *
 * @example
 * ```ts
 * const enc = fd.modelEncoder(model);                  // layer 'features', 128-d
 * const z = await fd.embed(enc, test);                 // Matrix test.size x 128, cached on disk
 * const convEnc = fd.modelEncoder(model, { layer: 'conv2', pool: 'avg' }); // 32-d
 * ```
 */
export function modelEncoder(model: AnyModel, opts: ModelEncoderOptions = {}): ModelEncoder {
  const pool = opts.pool ?? 'flatten';
  if (pool !== 'flatten' && pool !== 'avg') throw new RangeError(`modelEncoder: pool must be 'flatten' or 'avg', got ${JSON.stringify(pool)}`);
  const isLayers = model instanceof tf.LayersModel;
  let run: (x: tf.Tensor4D) => tf.Tensor;
  let layer: string;
  let dim: number;
  if (isLayers) {
    const lm = model as tf.LayersModel;
    layer = opts.layer ?? penultimateLayer(lm);
    let target: tf.layers.Layer;
    try {
      target = lm.getLayer(layer);
    } catch {
      throw new Error(`modelEncoder: model '${lm.name}' has no layer '${layer}' (layers: ${lm.layers.map((l) => l.name).join(', ')})`);
    }
    const sub = tf.model({ inputs: lm.inputs, outputs: target.output as tf.SymbolicTensor });
    // predict() would re-slice each batch into 32s, which is slow on wasm; apply the batch whole.
    run = (x) => sub.apply(x, { training: false }) as tf.Tensor;
    const shape = (target.outputShape as Array<number | null>).slice(1);
    dim = pool === 'avg' && shape.length === 3 ? (shape[2] as number) : shape.reduce<number>((a, b) => a * (b ?? NaN), 1);
    if (!Number.isFinite(dim)) dim = -1; // known after the first batch
  } else {
    const gm = model as tf.GraphModel;
    layer = opts.layer ?? penultimateNode(gm);
    run = (x) => gm.execute(x, layer) as tf.Tensor;
    dim = -1;
  }
  const weightsHash = modelWeightsHash(model);
  const modelName = opts.name ?? ((model as tf.LayersModel).name || 'graph-model');
  const requested = opts.runtime ?? 'auto';
  if (!['auto', 'onnx', 'tfjs'].includes(requested)) throw new RangeError(`modelEncoder: runtime must be 'auto', 'onnx' or 'tfjs', got ${JSON.stringify(requested)}`);
  // Decide the engine now (export is synchronous); the ONNX session is created on first use.
  let onnxModel: Uint8Array | undefined;
  let runtimeNote: string | undefined;
  let onnxSpec: ReturnType<typeof inputSpecOf> | undefined;
  if (requested !== 'tfjs') {
    if (!onnxRuntime()) runtimeNote = 'onnxruntime-node is not installed';
    else if (!isLayers) runtimeNote = 'GraphModels run on tfjs';
    else {
      try {
        onnxSpec = inputSpecOf(model, undefined, opts);
        onnxModel = exportOnnx(model as tf.LayersModel, { layer, scale: onnxSpec.scale, offset: onnxSpec.offset, pool });
      } catch (e) {
        if (!(e instanceof OnnxUnsupportedError) && !/unknown; pass a split/.test((e as Error).message)) throw e;
        runtimeNote = `not exportable to ONNX: ${(e as Error).message}`;
      }
    }
    if (requested === 'onnx' && !onnxModel) throw new Error(`modelEncoder: runtime 'onnx' unavailable: ${runtimeNote}`);
  }
  const threads = opts.threads ?? defaultThreads();
  let session: Promise<OnnxEmbedder> | undefined;
  const encoder: ModelEncoder = {
    name: `${modelName}/${layer}`,
    dim,
    runtime: onnxModel ? 'onnx' : 'tfjs',
    layer,
    ...(runtimeNote ? { runtimeNote } : {}),
    // Both engines compute the same function (to float rounding); the key names the engine so a
    // cache never mixes their last bits.
    cacheKey: `model-weights:${weightsHash}|layer:${layer}|pool:${pool}|scale:${opts.scale ?? ''}|offset:${opts.offset ?? ''}|runtime:${onnxModel ? 'onnx' : 'tfjs'}`,
    async embedImages(split: ImageDataset, eopts: EmbedOptions = {}): Promise<Matrix> {
      assertDataset(split, split.name ?? 'split', { unlabeled: true }); // embedding needs no labels
      const batchSize = eopts.batchSize ?? 256;
      if (onnxModel && onnxSpec && split.height === onnxSpec.height && split.width === onnxSpec.width && split.channels === onnxSpec.channels) {
        session ??= OnnxEmbedder.create(onnxModel, threads);
        return embedWithOnnx(await session, split, batchSize, encoder);
      }
      await ensureBackend();
      const spec = inputSpecOf(model, split, opts);
      const n = split.labels.length;
      let data: Float32Array | undefined;
      let cols = dim;
      const p = progress(`embed ${split.name ?? ''}`.trim(), n);
      let lastYield = Date.now();
      for (let s = 0; s < n; s += batchSize) {
        const e = Math.min(n, s + batchSize);
        const out = tf.tidy(() => {
          let y = run(batchTensor(split, s, e, spec));
          if (pool === 'avg' && y.rank === 4) y = tf.mean(y, [1, 2]);
          return y.dataSync() as Float32Array;
        });
        const c = out.length / (e - s);
        if (!data) {
          cols = c;
          data = new Float32Array(n * cols);
        } else if (c !== cols) throw new Error(`modelEncoder: layer '${layer}' gave ${c} values per image in one batch and ${cols} in another`);
        data.set(out, s * cols);
        p.tick(e - s);
        if (Date.now() - lastYield > 100) {
          await new Promise((r) => setImmediate(r));
          lastYield = Date.now();
        }
      }
      p.done();
      if (encoder.dim < 0 && data) encoder.dim = cols;
      return { data: data ?? new Float32Array(0), rows: n, cols: data ? cols : Math.max(0, dim) };
    },
  };
  return encoder;
}

async function embedWithOnnx(session: OnnxEmbedder, split: ImageDataset, batchSize: number, encoder: Encoder): Promise<Matrix> {
  const n = split.labels.length;
  const stride = split.height * split.width * split.channels;
  const p = progress(`embed ${split.name ?? ''}`.trim(), n);
  let data: Float32Array | undefined;
  let cols = encoder.dim;
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const r = await session.run(split.images.subarray(s * stride, e * stride), e - s, split.height, split.width, split.channels);
    if (!data) {
      cols = r.cols;
      data = new Float32Array(n * cols);
    }
    data.set(r.data, s * cols);
    p.tick(e - s);
  }
  p.done();
  if (encoder.dim < 0 && data) encoder.dim = cols;
  return { data: data ?? new Float32Array(0), rows: n, cols: data ? cols : Math.max(0, encoder.dim) };
}
