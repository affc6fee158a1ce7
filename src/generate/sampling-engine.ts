/**
 * Engines that run the generator's two networks at sampling time, and the DDIM sampling loop that
 * drives either of them.
 *
 * - `onnxruntime`: the denoiser and the decoder written out as ONNX graphs (Gemm / Conv /
 *   DepthToSpace / Sigmoid, built here from the weights) and run by ONNX Runtime (native,
 *   multi-threaded): the fast path, used whenever the optional `onnxruntime-node` package loads.
 * - `tfjs`: the same networks on the current tfjs backend (wasm here), single-threaded; the fallback.
 *
 * The two engines agree to float rounding (checked by the tests), not bit for bit: the same seed
 * gives the same bytes on the same engine. The loop itself (noise, guidance, DDIM updates) is plain
 * TypeScript shared by both.
 */
import * as tf from '@tensorflow/tfjs';
import { DT, encodeModel, onnx, valueInfo } from '../model/onnx/proto';
import { defaultThreads, onnxRuntime, onnxRuntimeStatus, type OrtSession } from '../model/onnx/runtime';
import { Random } from '../util/random';
import { ddimStep, ddimTimes, guide, timeFeatures } from './diffusion';
import { generatorWeightShapes, GeneratorNetwork, latentDim, latentSide, type GeneratorConfig } from './generator-model';

/** Which engine runs the networks. */
export type GeneratorEngineName = 'onnxruntime' | 'tfjs';

/** The two networks at inference. */
export interface SamplingEngine {
  readonly name: GeneratorEngineName;
  /** v-prediction for `n` rows of noisy latents [n, Z], time features [n, T] and conditions [n, D]. */
  denoise(z: Float32Array, t: Float32Array, c: Float32Array, n: number): Promise<Float32Array>;
  /** Raw latents [n, S/4, S/4, L] (NHWC, flat) -> images [n, S, S, C] in (0, 1). */
  decode(z: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// tfjs engine

/** Runs the networks on the current tfjs backend. */
export class TfjsEngine implements SamplingEngine {
  readonly name = 'tfjs' as const;
  constructor(private readonly net: GeneratorNetwork) {}

  async denoise(z: Float32Array, t: Float32Array, c: Float32Array, n: number): Promise<Float32Array> {
    const { config } = this.net;
    const v = tf.tidy(() => this.net.denoise(tf.tensor2d(z, [n, latentDim(config)]), tf.tensor2d(t, [n, config.timeFeatures]), tf.tensor2d(c, [n, config.conditionDim])));
    const out = Float32Array.from((await v.data()) as Float32Array);
    v.dispose();
    return out;
  }

  async decode(z: Float32Array, n: number): Promise<Float32Array> {
    const { config } = this.net;
    const s = latentSide(config);
    const y = tf.tidy(() => this.net.decode(tf.tensor4d(z, [n, s, s, config.latentChannels])));
    const out = Float32Array.from((await y.data()) as Float32Array);
    y.dispose();
    return out;
  }

  async dispose(): Promise<void> {
    this.net.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// ONNX graphs

const OPSET = 13;

interface Attr {
  name: string;
  i?: number;
  s?: string;
  ints?: number[];
}

/**
 * A tiny ONNX graph builder (nodes, float initialisers, typed inputs/outputs) on the onnx-proto
 * message classes that the package's model exporter uses too (`model/onnx/proto`).
 */
class Graph {
  private nodes: onnx.INodeProto[] = [];
  private inits: onnx.ITensorProto[] = [];
  private n = 0;

  node(op: string, inputs: string[], attrs: Attr[] = []): string {
    const out = `${op.toLowerCase()}_${this.n++}`;
    const T = onnx.AttributeProto.AttributeType;
    const attribute: onnx.IAttributeProto[] = attrs.map((a) => {
      if (a.i !== undefined) return { name: a.name, type: T.INT, i: a.i };
      if (a.s !== undefined) return { name: a.name, type: T.STRING, s: Buffer.from(a.s, 'utf8') };
      return { name: a.name, type: T.INTS, ints: a.ints ?? [] };
    });
    this.nodes.push({ input: inputs, output: [out], name: out, opType: op, attribute });
    return out;
  }

  init(dims: number[], data: Float32Array): string {
    const name = `w_${this.n++}`;
    this.inits.push({ dims, dataType: DT.FLOAT, name, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }

  model(inputs: [string, Array<number | string>][], output: string, outDims: Array<number | string>): Uint8Array {
    // Rename the last node's output by an Identity so the graph output has a stable name.
    this.nodes.push({ input: [output], output: ['out'], name: 'out_identity', opType: 'Identity' });
    return encodeModel({
      irVersion: 7,
      producerName: 'failure-directions',
      graph: {
        node: this.nodes,
        name: 'failure-directions-generator',
        initializer: this.inits,
        input: inputs.map(([name, dims]) => valueInfo(name, DT.FLOAT, dims)),
        output: [valueInfo('out', DT.FLOAT, outDims)],
      },
      opsetImport: [{ domain: '', version: OPSET }],
    });
  }
}

function siluNode(g: Graph, x: string): string {
  return g.node('Mul', [x, g.node('Sigmoid', [x])]);
}

/** The denoiser as ONNX: inputs z [N, Z], t [N, T], c [N, D]; output v [N, Z]. */
export function denoiserOnnx(config: GeneratorConfig, weights: Map<string, Float32Array>): Uint8Array {
  const g = new Graph();
  const shape = new Map(generatorWeightShapes(config));
  const W = (name: string) => g.init(shape.get(name)!, weights.get(name)!);
  const gemm = (x: string, layer: string, bias = true) => g.node('Gemm', bias ? [x, W(`${layer}/kernel`), W(`${layer}/bias`)] : [x, W(`${layer}/kernel`)]);
  const tc = g.node('Concat', ['t', 'c'], [{ name: 'axis', i: 1 }]);
  let h = gemm(g.node('Concat', ['z', tc], [{ name: 'axis', i: 1 }]), 'denoiser/in');
  for (let b = 0; b < config.denoiserBlocks; b++) {
    const p = `denoiser/block${b}`;
    const u = g.node('Add', [gemm(siluNode(g, h), `${p}/dense1`), gemm(tc, `${p}/cond`, false)]);
    h = g.node('Add', [h, gemm(siluNode(g, u), `${p}/dense2`)]);
  }
  const out = gemm(siluNode(g, h), 'denoiser/out');
  return g.model([['z', ['N', latentDim(config)]], ['t', ['N', config.timeFeatures]], ['c', ['N', config.conditionDim]]], out, ['N', latentDim(config)]);
}

/** TF conv kernel [kh, kw, ci, co] -> ONNX [co, ci, kh, kw]. */
function convKernel(w: Float32Array, shape: number[]): { data: Float32Array; dims: number[] } {
  const [kh, kw, ci, co] = shape;
  const out = new Float32Array(w.length);
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) out[((o * ci + c) * kh + a) * kw + b] = w[((a * kw + b) * ci + c) * co + o];
  return { data: out, dims: [co, ci, kh, kw] };
}

/** The decoder as ONNX: input z [N, s, s, L] (NHWC); output images [N, S, S, C] (NHWC) in (0, 1). */
export function decoderOnnx(config: GeneratorConfig, weights: Map<string, Float32Array>): Uint8Array {
  const g = new Graph();
  const shape = new Map(generatorWeightShapes(config));
  // 3x3 stride-1 'same' convolutions: one pixel of zero padding on every side (as TF for odd kernels).
  const conv = (x: string, layer: string) => {
    const k = convKernel(weights.get(`${layer}/kernel`)!, shape.get(`${layer}/kernel`)!);
    return g.node('Conv', [x, g.init(k.dims, k.data), g.init(shape.get(`${layer}/bias`)!, weights.get(`${layer}/bias`)!)], [
      { name: 'kernel_shape', ints: [3, 3] },
      { name: 'pads', ints: [1, 1, 1, 1] },
      { name: 'strides', ints: [1, 1] },
    ]);
  };
  let h = g.node('Transpose', ['z'], [{ name: 'perm', ints: [0, 3, 1, 2] }]);
  h = g.node('Relu', [conv(h, 'decoder/conv1')]);
  h = g.node('Relu', [conv(h, 'decoder/conv2')]);
  h = g.node('Relu', [g.node('DepthToSpace', [conv(h, 'decoder/up1')], [{ name: 'blocksize', i: 2 }, { name: 'mode', s: 'DCR' }])]);
  h = g.node('Relu', [conv(h, 'decoder/conv3')]);
  h = g.node('Sigmoid', [g.node('DepthToSpace', [conv(h, 'decoder/up2')], [{ name: 'blocksize', i: 2 }, { name: 'mode', s: 'DCR' }])]);
  const out = g.node('Transpose', [h], [{ name: 'perm', ints: [0, 2, 3, 1] }]);
  const s = latentSide(config);
  return g.model([['z', ['N', s, s, config.latentChannels]]], out, ['N', config.imageSize, config.imageSize, config.channels]);
}

// ---------------------------------------------------------------------------------------------
// ONNX Runtime engine

/** Runs the networks with ONNX Runtime. */
export class OnnxEngine implements SamplingEngine {
  readonly name = 'onnxruntime' as const;
  private constructor(
    private readonly config: GeneratorConfig,
    private readonly denoiser: OrtSession,
    private readonly decoder: OrtSession,
    private readonly Tensor: new (type: string, data: Float32Array, dims: number[]) => unknown,
  ) {}

  /** Builds both sessions; throws when onnxruntime-node is not available. */
  static async create(config: GeneratorConfig, weights: Map<string, Float32Array>, threads = defaultThreads()): Promise<OnnxEngine> {
    const ort = onnxRuntime();
    if (!ort) throw new Error(`onnxruntime-node is not available: ${onnxRuntimeStatus().reason}`);
    // Sequential execution and a fixed thread count: the same inputs give the same outputs.
    const opts = { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
    const denoiser = (await ort.InferenceSession.create(denoiserOnnx(config, weights), opts)) as unknown as OrtSession;
    const decoder = (await ort.InferenceSession.create(decoderOnnx(config, weights), opts)) as unknown as OrtSession;
    return new OnnxEngine(config, denoiser, decoder, ort.Tensor as unknown as new (type: string, data: Float32Array, dims: number[]) => unknown);
  }

  async denoise(z: Float32Array, t: Float32Array, c: Float32Array, n: number): Promise<Float32Array> {
    const { config } = this;
    const out = await this.denoiser.run({
      z: new this.Tensor('float32', z, [n, latentDim(config)]),
      t: new this.Tensor('float32', t, [n, config.timeFeatures]),
      c: new this.Tensor('float32', c, [n, config.conditionDim]),
    });
    return Float32Array.from(out.out.data);
  }

  async decode(z: Float32Array, n: number): Promise<Float32Array> {
    const s = latentSide(this.config);
    const out = await this.decoder.run({ z: new this.Tensor('float32', z, [n, s, s, this.config.latentChannels]) });
    return Float32Array.from(out.out.data);
  }

  async dispose(): Promise<void> {
    await this.denoiser.release?.();
    await this.decoder.release?.();
  }
}

// ---------------------------------------------------------------------------------------------
// The sampling loop

/** Settings of one sampling run. */
export interface SampleSettings {
  /** Images per condition. */
  n: number;
  seed: number;
  guidance: number;
  steps: number;
  /** Rows per engine call (conditional and unconditional rows are stacked, so twice this with guidance). */
  chunk?: number;
  /** Called after each chunk with the number of images finished. */
  onProgress?: (done: number) => void;
}

/**
 * DDIM sampling of `n` images for each of the `k` conditions (rows of `conds`, k x D, unit vectors).
 * Image `j` of every condition starts from the same noise vector, the `j`-th draw of the seeded
 * stream, so conditions can be compared image by image and a larger `n` extends a smaller one.
 * Returns images [k * n, S, S, C] in (0, 1), condition-major.
 */
export async function sampleImages(
  engine: SamplingEngine,
  config: GeneratorConfig,
  latentMean: readonly number[],
  latentStd: readonly number[],
  conds: Float32Array,
  k: number,
  s: SampleSettings,
): Promise<Float32Array> {
  const Z = latentDim(config);
  const D = config.conditionDim;
  const T = config.timeFeatures;
  const L = config.latentChannels;
  const P = config.imageSize * config.imageSize * config.channels;
  const noise = new Float32Array(s.n * Z);
  const rng = new Random(s.seed);
  for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
  const total = k * s.n;
  const out = new Float32Array(total * P);
  const chunk = Math.max(1, s.chunk ?? 500);
  const times = ddimTimes(s.steps);
  const guided = s.guidance !== 1;
  const uncondOnly = s.guidance === 0;
  for (let r0 = 0; r0 < total; r0 += chunk) {
    const m = Math.min(chunk, total - r0);
    const z = new Float32Array(m * Z);
    // Conditional rows, then (with guidance) the same rows unconditional (zero condition).
    const rows = guided && !uncondOnly ? 2 * m : m;
    const c = new Float32Array(rows * D);
    for (let r = 0; r < m; r++) {
      const idx = r0 + r;
      const ci = Math.floor(idx / s.n);
      const j = idx - ci * s.n;
      z.set(noise.subarray(j * Z, (j + 1) * Z), r * Z);
      if (!uncondOnly) c.set(conds.subarray(ci * D, (ci + 1) * D), r * D);
    }
    const tf_ = new Float32Array(rows * T);
    const zIn = rows === m ? z : new Float32Array(rows * Z);
    for (let step = 0; step < s.steps; step++) {
      timeFeatures(times[step], T, tf_, 0);
      for (let r = 1; r < rows; r++) tf_.copyWithin(r * T, 0, T);
      if (zIn !== z) {
        zIn.set(z, 0);
        zIn.set(z, m * Z);
      }
      const v = await engine.denoise(zIn, tf_, c, rows);
      const vc = v.subarray(0, m * Z);
      if (rows !== m) guide(vc, v.subarray(m * Z, 2 * m * Z), s.guidance);
      ddimStep(z, vc, times[step], times[step + 1], 6);
    }
    // Undo the standardisation: latents are NHWC, so the channel is the index mod L.
    for (let i = 0; i < z.length; i++) z[i] = z[i] * latentStd[i % L] + latentMean[i % L];
    out.set(await engine.decode(z, m), r0 * P);
    s.onProgress?.(r0 + m);
  }
  return out;
}
