/**
 * Image models from ONNX files (exported from PyTorch with `torch.onnx.export`, or from any other
 * framework), run with ONNX Runtime: the input resolution (layout, size, channels, dtype), the
 * preprocessing ({@link imageTransform}), and a batched runner that fetches any tensors of the graph.
 * {@link onnxClassifier} is the classifier facade `predict` accepts; `onnxEncoder` (in `embed/`)
 * builds on the same runner.
 */
import type { ImageDataset } from '../data/image-dataset';
import { assertDataset } from '../data/subset';
import type { Matrix } from '../util/matrix';
import { progress } from '../util/progress';
import { type ImageTransform, type ImageTransformOptions, imageTransform, outputSize, transformImages, transformPixels } from './image-transform';
import { type OnnxFile, OnnxSession, readOnnxFile } from './onnx/graph';
import { defaultThreads } from './onnx/runtime';

/** Options shared by ONNX image models: preprocessing plus engine settings. */
export interface OnnxModelOptions extends ImageTransformOptions {
  /** ONNX Runtime intra-op threads (default `FD_THREADS`, else all cores). */
  threads?: number;
  /** Images per forward pass (default 64). */
  batchSize?: number;
}

/** What an ONNX image model takes, resolved from its input and the options. */
export interface OnnxImageInput {
  name: string;
  dtype: 'float32' | 'uint8';
  layout: 'nchw' | 'nhwc';
  channels: number;
  /** Fixed input size, or `null` where the model takes any size. */
  height: number | null;
  width: number | null;
}

/** Resolves the image input of an ONNX model; throws naming the file when it is not an image input. */
export function resolveImageInput(f: OnnxFile, opts: ImageTransformOptions, what: string): OnnxImageInput {
  const { name, dtype } = f.input;
  const dims = f.input.dims;
  const shape = `[${dims.map((d) => d ?? '?').join(', ')}]`;
  if (dtype !== 'float32' && dtype !== 'uint8') throw new Error(`${what}: ${f.file} takes '${name}' as ${dtype} ${shape}; image models must take float32 or uint8 pixels`);
  if (dims.length !== 4) throw new Error(`${what}: ${f.file} takes '${name}' with shape ${shape}, not an image batch [N, C, H, W] or [N, H, W, C]`);
  const isC = (d: unknown) => d === 1 || d === 3;
  let layout = opts.layout;
  if (!layout) {
    if (isC(dims[1]) && !isC(dims[3])) layout = 'nchw';
    else if (isC(dims[3]) && !isC(dims[1])) layout = 'nhwc';
    else if (isC(dims[1])) layout = 'nchw';
    else throw new Error(`${what}: cannot tell whether input '${name}' ${shape} of ${f.file} is NCHW or NHWC; pass { layout: 'nchw' | 'nhwc' }`);
  }
  const [c, h, w] = layout === 'nchw' ? [dims[1], dims[2], dims[3]] : [dims[3], dims[1], dims[2]];
  const num = (d: unknown) => (typeof d === 'number' ? d : null);
  const channels = num(c) ?? opts.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new Error(`${what}: input '${name}' ${shape} of ${f.file} has ${channels} channels; image models take 1 or 3`);
  return { name, dtype, layout, channels, height: num(h), width: num(w) };
}

/** Checks that `t` turns `split`'s images into what `input` takes; throws naming the model file and the sizes. */
export function checkFits(f: OnnxFile, input: OnnxImageInput, t: ImageTransform, split: ImageDataset, what: string): void {
  const [oh, ow] = outputSize(split.height, split.width, t);
  if ((input.height !== null && input.height !== oh) || (input.width !== null && input.width !== ow)) {
    throw new Error(
      `${what}: ${f.file} takes ${input.height ?? '?'}x${input.width ?? '?'} images (input '${input.name}' [${f.input.dims.map((d) => d ?? '?').join(', ')}]) ` +
        `but the preprocessing makes ${oh}x${ow} from the ${split.height}x${split.width} images of ${split.name ?? 'the split'}; ` +
        `set resize/crop (e.g. { preset: 'imagenet' } or { resize: [${input.height ?? oh}, ${input.width ?? ow}] })`,
    );
  }
}

/**
 * Runs `session` over every image of `split` in batches (with progress), calling `onBatch` with the
 * fetched tensors of rows `start..end-1`.
 */
export async function runOverSplit(
  session: OnnxSession,
  input: OnnxImageInput,
  t: ImageTransform,
  split: ImageDataset,
  batchSize: number,
  label: string,
  onBatch: (start: number, end: number, out: Record<string, { data: ArrayLike<number>; dims: readonly number[] }>) => void,
): Promise<void> {
  const n = split.labels.length;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new RangeError(`${label}: batchSize must be a positive integer, got ${batchSize}`);
  const p = progress(label, n);
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    let data: Float32Array | Uint8Array;
    let dims: number[];
    if (input.dtype === 'uint8') {
      const px = await transformPixels(split, s, e, t);
      const C = t.channels;
      dims = input.layout === 'nhwc' ? [e - s, px.height, px.width, C] : [e - s, C, px.height, px.width];
      data = input.layout === 'nhwc' ? px.data : toPlanar(px.data, e - s, px.height * px.width, C);
    } else {
      const x = await transformImages(split, s, e, t);
      data = x.data;
      dims = x.dims;
    }
    onBatch(s, e, await session.run(data, dims, label));
    p.tick(e - s);
  }
  p.done();
}

function toPlanar(px: Uint8Array, n: number, plane: number, C: number): Uint8Array {
  const out = new Uint8Array(px.length);
  for (let i = 0; i < n; i++) for (let q = 0; q < plane; q++) for (let c = 0; c < C; c++) out[(i * C + c) * plane + q] = px[(i * plane + q) * C + c];
  return out;
}

/** Options of {@link onnxClassifier}. */
export interface OnnxClassifierOptions extends OnnxModelOptions {
  /** The graph output holding the class scores (default: the first output). */
  output?: string;
}

/**
 * A classifier from an ONNX file, as returned by {@link onnxClassifier}; `predict` and
 * `predictArrays` accept it wherever they accept a tfjs model.
 */
export interface OnnxClassifier {
  readonly kind: 'onnx-classifier';
  /** Absolute path of the model file. */
  readonly file: string;
  /** SHA-256 of the file (keys caches). */
  readonly sha256: string;
  /** The image input, resolved. */
  readonly input: OnnxImageInput;
  /** The output read as class scores. */
  readonly output: string;
  /** The preprocessing applied to every image. */
  readonly transform: ImageTransform;
  /** Raw class scores (logits or probabilities, as the model outputs them), one row per image of `split`. */
  scores(split: ImageDataset, opts?: { batchSize?: number }): Promise<Matrix>;
  /** Frees the ONNX Runtime session. */
  dispose(): Promise<void>;
}

/** True when `m` is an {@link OnnxClassifier}. */
export function isOnnxClassifier(m: unknown): m is OnnxClassifier {
  return m != null && typeof m === 'object' && (m as OnnxClassifier).kind === 'onnx-classifier';
}

/**
 * Loads an image classifier from an ONNX file (e.g. a PyTorch model exported with
 * `torch.onnx.export`) to run on ONNX Runtime. Images are preprocessed as the model was trained:
 * pass the torchvision pipeline as a preset or options (see {@link imageTransform}); without any,
 * images are resized to the model's fixed input size and scaled to [0, 1]. `predict(clf, split)` then
 * gives the usual predictions table (`id, split, label, className, pred, predName, correct,
 * confidence`), softmax applied to logits.
 *
 * Errors name the file: missing, not ONNX (a PyTorch checkpoint is recognised), not an image input,
 * an output that does not exist, or (at predict time) images the preprocessing cannot fit to the
 * model's input.
 *
 * @example
 * ```ts
 * const clf = await fd.onnxClassifier('resnet18.onnx', { preset: 'imagenet' });
 * const preds = await fd.predict(clf, test);
 * ```
 */
export async function onnxClassifier(file: string, opts: OnnxClassifierOptions = {}): Promise<OnnxClassifier> {
  const what = 'onnxClassifier';
  const f = readOnnxFile(file, what);
  const input = resolveImageInput(f, opts, what);
  const transform = imageTransform(opts, { height: input.height ?? undefined, width: input.width ?? undefined, channels: input.channels, layout: input.layout });
  if (transform.channels !== input.channels) throw new Error(`${what}: ${f.file} takes ${input.channels}-channel images but the options say channels: ${transform.channels}`);
  if (transform.layout !== input.layout) throw new Error(`${what}: ${f.file} takes ${input.layout.toUpperCase()} input but the options say layout: '${transform.layout}'`);
  const output = opts.output ?? f.outputs[0]?.name;
  if (!f.outputs.some((o) => o.name === output)) throw new Error(`${what}: ${f.file} has no output '${output}' (outputs: ${f.outputs.map((o) => o.name).join(', ')})`);
  const session = await OnnxSession.open(f, [output], what, opts.threads ?? defaultThreads());
  const batchDefault = opts.batchSize ?? 64;
  return {
    kind: 'onnx-classifier',
    file: f.file,
    sha256: f.sha256,
    input,
    output,
    transform,
    async scores(split: ImageDataset, o: { batchSize?: number } = {}): Promise<Matrix> {
      assertDataset(split, split.name ?? 'split');
      checkFits(f, input, transform, split, what);
      const n = split.labels.length;
      let data: Float32Array | undefined;
      let cols = 0;
      await runOverSplit(session, input, transform, split, o.batchSize ?? batchDefault, `predict ${split.name ?? ''}`.trim(), (s, e, r) => {
        const y = r[output];
        const per = y.data.length / (e - s);
        if (!data) {
          cols = per;
          data = new Float32Array(n * cols);
        }
        if (per !== cols) throw new Error(`${what}: output '${output}' gave ${per} values per image in one batch and ${cols} in another`);
        data.set(y.data as Float32Array, s * cols);
      });
      return { data: data ?? new Float32Array(0), rows: n, cols };
    },
    dispose: () => session.release(),
  };
}
