/**
 * Embeddings from any tensor of an ONNX image model (a PyTorch classifier's penultimate layer, a
 * backbone's last feature map, ...): the tensor is added as a graph output (through the onnx-proto
 * layer, in memory; the file is not touched), fetched from ONNX Runtime batch by batch, and pooled
 * or flattened into one row per image.
 */
import * as aq from 'arquero';
import type { ImageDataset } from '../data/image-dataset';
import { assertDataset } from '../data/subset';
import type { Matrix } from '../util/matrix';
import { imageTransform, type ImageTransform } from '../model/image-transform';
import { checkFits, type OnnxImageInput, type OnnxModelOptions, resolveImageInput, runOverSplit } from '../model/onnx-image-model';
import { featureCandidates, type OnnxFile, OnnxSession, penultimateTensor, probeTensors, readOnnxFile } from '../model/onnx/graph';
import { defaultThreads } from '../model/onnx/runtime';
import type { EmbedOptions, Encoder } from './encoder';

/** How a tensor with more than two axes becomes one row per image. */
export type OnnxPooling = 'avg' | 'max' | 'flatten' | 'cls' | 'none';

/** Options of {@link onnxEncoder}. */
export interface OnnxEncoderOptions extends OnnxModelOptions {
  /**
   * Name of the tensor to embed (any node output; see {@link onnxTensors}). Default: the penultimate
   * tensor, i.e. the input of the final `Gemm`/`MatMul` (for torchvision ResNets the flattened
   * average pool, for MobileNetV3 the hidden layer of the classifier).
   */
  tensor?: string;
  /**
   * Rank-4 tensors (feature maps): `'avg'` (default; global average pooling over the spatial axes,
   * as `AdaptiveAvgPool2d(1)`), `'max'`, or `'flatten'` (C-order, as `torch.flatten(x, 1)`).
   * Rank-3 tensors (tokens, `[N, T, D]`): `'avg'` (mean over tokens), `'cls'` (token 0), `'flatten'`.
   * `'none'` requires a rank-2 tensor.
   */
  pool?: OnnxPooling;
  /** Display name (default: file name + tensor). */
  name?: string;
}

/** An {@link Encoder} over an ONNX model's tensor. */
export interface OnnxEncoder extends Encoder {
  readonly file: string;
  /** The tensor embedded. */
  readonly tensor: string;
  /** Its shape per batch, as ONNX Runtime reports it (`[N, ...]`). */
  readonly tensorShape: number[];
  readonly pool: OnnxPooling;
  readonly input: OnnxImageInput;
  readonly transform: ImageTransform;
  /** Frees the ONNX Runtime session. */
  dispose(): Promise<void>;
}

/** A zero batch of 2 images the model accepts (for probing shapes). */
function zeroBatch(input: OnnxImageInput, t: ImageTransform): { data: Float32Array | Uint8Array; dims: number[] } {
  const [th, tw] = t.crop ?? (typeof t.resize === 'object' && t.resize ? t.resize : [224, 224]);
  const h = input.height ?? th;
  const w = input.width ?? tw;
  const dims = input.layout === 'nchw' ? [2, input.channels, h, w] : [2, h, w, input.channels];
  const size = dims.reduce((a, b) => a * b, 1);
  return { data: input.dtype === 'uint8' ? new Uint8Array(size) : new Float32Array(size), dims };
}

function candidatesMessage(f: OnnxFile): string {
  const names = featureCandidates(f).map((t) => t.name);
  const head = names.length > 40 ? `${names.length} tensors can be embedded; the 40 nearest the output` : 'tensors that can be embedded';
  return `${head}: ${names.slice(-40).join(', ')}; fd.onnxTensors(file) lists them all with shapes`;
}

/**
 * The tensors of an ONNX image model that can be embedded, as an Arquero table in graph order:
 * `name, op, dtype, shape` (per batch of 2 images, e.g. `[2, 512]`), `features` (values per image
 * after flattening), `pooled` (values per image after the default pooling), `penultimate` (true for
 * the default of {@link onnxEncoder}). Shapes come from one probe run of ONNX Runtime on a zero batch.
 *
 * @example
 * ```ts
 * (await fd.onnxTensors('resnet18.onnx', { preset: 'imagenet' })).filter((d) => d.features > 100).print();
 * ```
 */
export async function onnxTensors(file: string, opts: OnnxModelOptions = {}): Promise<aq.ColumnTable> {
  const what = 'onnxTensors';
  const f = readOnnxFile(file, what);
  const input = resolveImageInput(f, opts, what);
  const t = imageTransform(opts, { height: input.height ?? undefined, width: input.width ?? undefined, channels: input.channels, layout: input.layout });
  const cands = featureCandidates(f);
  const probed = await probeTensors(f, cands.map((c) => c.name), zeroBatch(input, t), what);
  const pen = penultimateTensor(f);
  const rows = cands
    .map((c) => ({ c, p: probed.get(c.name) }))
    .filter(({ p }) => p && (p.dtype === 'float32' || p.dtype === 'float') && p.dims.length >= 2 && p.dims[0] === 2);
  return aq.table({
    name: rows.map(({ c }) => c.name),
    op: rows.map(({ c }) => c.op),
    dtype: rows.map(({ p }) => p!.dtype),
    shape: rows.map(({ p }) => `[${p!.dims.join(', ')}]`),
    features: rows.map(({ p }) => p!.dims.slice(1).reduce((a, b) => a * b, 1)),
    pooled: rows.map(({ p }) => pooledSize(p!.dims, defaultPool(p!.dims.length), input.layout)),
    penultimate: rows.map(({ c }) => c.name === pen),
  });
}

function defaultPool(rank: number): OnnxPooling {
  return rank === 4 || rank === 3 ? 'avg' : 'none';
}

function pooledSize(dims: readonly number[], pool: OnnxPooling, layout: 'nchw' | 'nhwc'): number {
  if (dims.length === 2 || pool === 'flatten') return dims.slice(1).reduce((a, b) => a * b, 1);
  if (dims.length === 4) return layout === 'nchw' ? dims[1] : dims[3];
  return dims[2];
}

/**
 * An {@link Encoder} whose embedding of an image is tensor `tensor` of the ONNX model in `file`
 * (default: the penultimate tensor, the input of the final classification layer), after the model's
 * preprocessing (see {@link imageTransform}) and optional pooling. Runs on ONNX Runtime; `cacheKey`
 * hashes the file's bytes, the tensor, the pooling and the preprocessing.
 *
 * Errors name the file: not ONNX, not an image input, an unknown tensor (listing the valid ones), a
 * pooling that does not fit the tensor's rank, and images the preprocessing cannot fit to the input.
 *
 * @example
 * ```ts
 * const enc = await fd.onnxEncoder('resnet18.onnx', { preset: 'imagenet' });          // penultimate, 512-d
 * const z = await fd.embed(enc, test);
 * const maps = await fd.onnxEncoder('resnet18.onnx', { preset: 'imagenet', tensor: '/layer3/layer3.1/relu_1/Relu_output_0', pool: 'avg' });
 * ```
 */
export async function onnxEncoder(file: string, opts: OnnxEncoderOptions = {}): Promise<OnnxEncoder> {
  const what = 'onnxEncoder';
  const f = readOnnxFile(file, what);
  const input = resolveImageInput(f, opts, what);
  const transform = imageTransform(opts, { height: input.height ?? undefined, width: input.width ?? undefined, channels: input.channels, layout: input.layout });
  let tensor = opts.tensor;
  if (tensor === undefined) {
    tensor = penultimateTensor(f);
    if (!tensor) throw new Error(`${what}: cannot find the penultimate tensor of ${f.file} (its output is not made by a final Gemm/MatMul); pass { tensor }. ${candidatesMessage(f)}`);
  } else if (typeof tensor !== 'string' || !(featureCandidates(f).some((t) => t.name === tensor) || f.outputs.some((o) => o.name === tensor))) {
    throw new Error(`${what}: ${f.file} has no tensor '${tensor}'. ${candidatesMessage(f)}`);
  }
  const session = await OnnxSession.open(f, [tensor], what, opts.threads ?? defaultThreads());
  // One probe batch: the tensor's shape (and a check that it has a batch axis).
  const zeros = zeroBatch(input, transform);
  const probe = (await session.run(zeros.data, zeros.dims, what))[tensor];
  const shape = [...probe.dims];
  if (shape.length < 2 || shape[0] !== 2) {
    await session.release();
    throw new Error(`${what}: tensor '${tensor}' of ${f.file} has shape [${shape.join(', ')}] for a batch of 2 images: no leading batch axis to embed`);
  }
  const pool = opts.pool ?? defaultPool(shape.length);
  const valid: Record<number, OnnxPooling[]> = { 2: ['none', 'flatten', 'avg'], 3: ['avg', 'cls', 'flatten'], 4: ['avg', 'max', 'flatten'] };
  if (!(valid[shape.length] ?? ['flatten']).includes(pool)) {
    await session.release();
    throw new Error(`${what}: pool '${pool}' does not apply to tensor '${tensor}' of shape [${shape.join(', ')}]; use ${(valid[shape.length] ?? ['flatten']).map((p) => `'${p}'`).join(' or ')}`);
  }
  const dim = pooledSize(shape, shape.length === 2 ? 'none' : pool, input.layout);
  const base = f.file.split('/').pop()!;
  const batchDefault = opts.batchSize ?? 64;
  const encoder: OnnxEncoder = {
    name: opts.name ?? `${base}/${tensor}`,
    dim,
    cacheKey: `onnx:${f.sha256}|tensor:${tensor}|pool:${pool}|transform:${JSON.stringify(transform)}`,
    file: f.file,
    tensor,
    tensorShape: shape,
    pool,
    input,
    transform,
    async embedImages(split: ImageDataset, eopts: EmbedOptions = {}): Promise<Matrix> {
      assertDataset(split, split.name ?? 'split');
      checkFits(f, input, transform, split, what);
      const n = split.labels.length;
      const out = new Float32Array(n * dim);
      await runOverSplit(session, input, transform, split, eopts.batchSize ?? batchDefault, `embed ${split.name ?? ''}`.trim(), (s, _e, r) => {
        const y = r[tensor!];
        poolInto(y.data, y.dims, pool, input.layout, out, s * dim, dim, tensor!);
      });
      return { data: out, rows: n, cols: dim };
    },
    dispose: () => session.release(),
  };
  return encoder;
}

/** Pools (or copies) a fetched `[b, ...]` tensor into rows of `out`; Float64 accumulators. */
function poolInto(data: ArrayLike<number>, dims: readonly number[], pool: OnnxPooling, layout: 'nchw' | 'nhwc', out: Float32Array, offset: number, dim: number, name: string): void {
  const b = dims[0];
  const per = data.length / b;
  if (dims.length === 2 || pool === 'flatten') {
    if (per !== dim) throw new Error(`onnxEncoder: tensor '${name}' gave ${per} values per image, expected ${dim}`);
    for (let i = 0; i < b * per; i++) out[offset + i] = data[i];
    return;
  }
  const acc = new Float64Array(dim);
  for (let i = 0; i < b; i++) {
    const o = i * per;
    acc.fill(pool === 'max' ? -Infinity : 0);
    if (dims.length === 4) {
      const [C, S] = layout === 'nchw' ? [dims[1], dims[2] * dims[3]] : [dims[3], dims[1] * dims[2]];
      if (C !== dim) throw new Error(`onnxEncoder: tensor '${name}' has ${C} channels in one batch and ${dim} in another`);
      for (let c = 0; c < C; c++) {
        for (let q = 0; q < S; q++) {
          const v = layout === 'nchw' ? data[o + c * S + q] : data[o + q * C + c];
          if (pool === 'max') {
            if (v > acc[c]) acc[c] = v;
          } else acc[c] += v;
        }
        if (pool === 'avg') acc[c] /= S;
      }
    } else {
      const [T, D] = [dims[1], dims[2]];
      if (D !== dim) throw new Error(`onnxEncoder: tensor '${name}' has width ${D} in one batch and ${dim} in another`);
      if (pool === 'cls') for (let d = 0; d < D; d++) acc[d] = data[o + d];
      else {
        for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) acc[d] += data[o + t * D + d];
        for (let d = 0; d < D; d++) acc[d] /= T;
      }
    }
    for (let d = 0; d < dim; d++) out[offset + i * dim + d] = acc[d];
  }
}
