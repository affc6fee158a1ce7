/**
 * ONNX Runtime (the optional `onnxruntime-node` package) as a fast, native, multi-threaded engine
 * for inference-only work such as embedding. Loaded with a guarded require: when the package is
 * absent, callers fall back to tfjs.
 */
import * as os from 'node:os';

// Minimal structural types for the parts of onnxruntime-node used here.
export interface OrtTensor {
  data: Float32Array;
  dims: readonly number[];
}
export interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
interface OrtModule {
  InferenceSession: { create(model: Uint8Array, opts: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: string, data: Uint8Array | Float32Array, dims: number[]) => unknown;
  env: { versions?: Record<string, string> };
}

let ort: OrtModule | null | undefined;
let loadError = '';

/** The onnxruntime-node module, or `null` when it is not installed / does not load. */
export function onnxRuntime(): OrtModule | null {
  if (ort === undefined) {
    try {
      const req = module.require.bind(module);
      ort = req('onnxruntime-node') as OrtModule;
    } catch (e) {
      ort = null;
      loadError = (e as Error).message.split('\n')[0];
    }
  }
  return ort;
}

/**
 * Whether ONNX Runtime can be used, and if not why.
 *
 * @example
 * ```ts
 * onnxRuntimeStatus(); // { available: true, version: '1.30.0' }
 * ```
 */
export function onnxRuntimeStatus(): { available: boolean; version?: string; reason?: string } {
  const m = onnxRuntime();
  return m ? { available: true, version: m.env.versions?.node ?? m.env.versions?.common } : { available: false, reason: loadError };
}

/** Default thread count: `FD_THREADS`, else all available cores. */
export function defaultThreads(): number {
  const env = Number(process.env.FD_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** An ONNX model taking `pixels` (uint8 NHWC) and producing `embedding` (float32 [N, D]). */
export class OnnxEmbedder {
  private constructor(private readonly session: OrtSession, private readonly m: OrtModule) {}

  /** Creates a session with `threads` intra-op threads (sequential execution; deterministic kernels). */
  static async create(model: Uint8Array, threads: number): Promise<OnnxEmbedder> {
    const m = onnxRuntime();
    if (!m) throw new Error(`onnxruntime-node is not available: ${loadError}`);
    const session = await m.InferenceSession.create(model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new OnnxEmbedder(session, m);
  }

  /** Embeds `n` images of `h x w x c` Uint8 pixels; returns `n x D` floats. */
  async run(pixels: Uint8Array, n: number, h: number, w: number, c: number): Promise<{ data: Float32Array; cols: number }> {
    const input = new this.m.Tensor('uint8', pixels, [n, h, w, c]);
    const out = (await this.session.run({ pixels: input })).embedding;
    return { data: out.data, cols: out.dims[1] };
  }
}

/**
 * ONNX sessions compiled from LayersModels, reused across calls while the model's weights are
 * unchanged (keyed by model object, layer, pooling, scaling and threads; checked by weights hash).
 */
const sessions = new WeakMap<object, Map<string, { hash: string; session: Promise<OnnxEmbedder> }>>();

/** The cached session for `key` on `model`, (re)created with `make` when missing or the weights changed. */
export function cachedSession(model: object, key: string, weightsHash: string, make: () => Uint8Array, threads: number): Promise<OnnxEmbedder> {
  let byKey = sessions.get(model);
  if (!byKey) sessions.set(model, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit && hit.hash === weightsHash) return hit.session;
  const session = OnnxEmbedder.create(make(), threads);
  byKey.set(key, { hash: weightsHash, session });
  session.catch(() => byKey!.delete(key));
  return session;
}
