/**
 * Reading ONNX files a user brings (exported from PyTorch or elsewhere): validation with errors that
 * name the file, the image input, the tensors a user can embed (with their shapes, by a probe run of
 * ONNX Runtime where the file carries no shape information), the penultimate tensor, and sessions
 * that fetch any intermediate tensor (added as a graph output through the onnx-proto layer: decode,
 * add the output, encode).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataTypeName, onnx, tensorTypeOf, toNumber, withExtraOutputs } from './proto';
import { defaultThreads, onnxRuntime } from './runtime';

/** A tensor of an ONNX graph: name, the op that makes it, element type and dims (`null` = unknown). */
export interface OnnxTensorInfo {
  name: string;
  op: string;
  /** Position of the producing node in the graph (topological order); -1 for graph inputs. */
  node: number;
  dtype: string;
  dims: Array<number | string | null>;
}

/** A parsed ONNX model file. */
export interface OnnxFile {
  file: string;
  bytes: Uint8Array;
  sha256: string;
  model: onnx.ModelProto;
  /** The model's graph (decoded: every repeated field is an array). */
  graph: onnx.GraphProto;
  /** The first graph input that is not an initializer: the image (or token) input. */
  input: OnnxTensorInfo;
  outputs: OnnxTensorInfo[];
  opset: number;
  /** Whether weights live in external files (cannot be re-wired in memory). */
  externalData: boolean;
}

const parsed = new Map<string, OnnxFile>();

function hint(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 16));
  if (head[0] === 0x50 && head[1] === 0x4b) return ' It looks like a zip archive, e.g. a PyTorch checkpoint (.pt/.pth): export it with torch.onnx.export(model, example, "model.onnx").';
  const text = head.toString('latin1').trimStart();
  if (text.startsWith('{')) return ' It looks like JSON (a tfjs model.json?): load tfjs models with tf.loadLayersModel / tf.loadGraphModel.';
  if (head[0] === 0x89 && text.includes('HDF')) return ' It looks like an HDF5 (Keras .h5) file.';
  return '';
}

/**
 * Reads and checks an ONNX model file (cached by path and modification time). Throws naming the file
 * when it is missing, not an ONNX ModelProto, or has no graph input.
 *
 * @example
 * ```ts
 * const f = readOnnxFile('resnet.onnx'); f.input.dims; // ['batch', 3, 224, 224]
 * ```
 */
export function readOnnxFile(file: string, what = 'ONNX model'): OnnxFile {
  const abs = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new Error(`${what}: ${abs} not found`);
  }
  if (stat.isDirectory()) throw new Error(`${what}: ${abs} is a folder, not an .onnx file`);
  const key = `${abs}|${stat.mtimeMs}|${stat.size}`;
  const hit = parsed.get(key);
  if (hit) return hit;
  const buf = fs.readFileSync(abs);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`${what}: ${abs} is not an ONNX model (protobuf decoding failed: ${(e as Error).message}).${hint(bytes)}`, { cause: e });
  }
  const graph = model.graph as onnx.GraphProto | null;
  if (!graph || !(toNumber(model.irVersion) > 0) || graph.node.length === 0) {
    throw new Error(`${what}: ${abs} is not an ONNX model (no ONNX graph in it).${hint(bytes)}`);
  }
  const inits = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !inits.has(i.name));
  if (inputs.length === 0) throw new Error(`${what}: ${abs} has no graph input`);
  const info = (v: onnx.IValueInfoProto, op: string): OnnxTensorInfo => {
    const t = tensorTypeOf(v);
    return { name: v.name ?? '', op, node: -1, dtype: t ? dataTypeName(t.elemType) : 'unknown', dims: t?.dims ?? [] };
  };
  const opset = toNumber(model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version);
  const externalData = graph.initializer.some((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL);
  const out: OnnxFile = {
    file: abs,
    bytes,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    model,
    graph,
    input: info(inputs[0], 'input'),
    outputs: graph.output.map((o) => info(o, 'output')),
    opset,
    externalData,
  };
  parsed.set(key, out);
  return out;
}

/** Ops whose outputs are never features worth embedding (constants and shape arithmetic). */
const NOT_FEATURES = new Set(['Constant', 'ConstantOfShape', 'Shape', 'Size', 'Range', 'NonZero', 'ArgMax', 'ArgMin', 'TopK', 'Cast', 'Identity']);

/**
 * Every node output of `f` that could be embedded, in graph order, with the op that makes it.
 * Types and shapes come from the file's value infos where present, else from {@link probeTensors}.
 */
export function nodeOutputs(f: OnnxFile): OnnxTensorInfo[] {
  const graph = f.graph;
  const known = new Map<string, onnx.IValueInfoProto>();
  for (const v of [...graph.valueInfo, ...graph.output]) if (v.name) known.set(v.name, v);
  const out: OnnxTensorInfo[] = [];
  graph.node.forEach((n, i) => {
    for (const o of n.output ?? []) {
      if (!o) continue;
      const t = tensorTypeOf(known.get(o));
      out.push({ name: o, op: n.opType ?? '', node: i, dtype: t ? dataTypeName(t.elemType) : 'unknown', dims: t?.dims ?? [] });
    }
  });
  return out;
}

/**
 * The penultimate tensor: the data input of the last `Gemm` / `MatMul` on the way back from the first
 * graph output (through element-wise ops, `Softmax`, `Add` of a bias, `Identity`, `Flatten`,
 * `Reshape`), i.e. what the final classification layer reads. `undefined` when the output is not
 * made by such a layer (e.g. a 1x1-conv classifier): then name a tensor explicitly.
 */
export function penultimateTensor(f: OnnxFile): string | undefined {
  const graph = f.graph;
  const inits = new Set(graph.initializer.map((t) => t.name));
  const producer = new Map<string, onnx.INodeProto>();
  for (const n of graph.node) for (const o of n.output ?? []) producer.set(o, n);
  for (const n of graph.node) if (n.opType === 'Constant') for (const o of n.output ?? []) inits.add(o);
  const data = (n: onnx.INodeProto) => (n.input ?? []).filter((i) => i && !inits.has(i));
  let cur = producer.get(f.outputs[0]?.name ?? '');
  for (let hops = 0; cur && hops < 16; hops++) {
    if (cur.opType === 'Gemm' || cur.opType === 'MatMul') {
      const d = data(cur);
      return d.length === 1 ? d[0] : undefined;
    }
    if (!['Softmax', 'LogSoftmax', 'Sigmoid', 'Add', 'Identity', 'Flatten', 'Reshape', 'Squeeze', 'Dropout', 'Mul', 'Div'].includes(cur.opType ?? '')) return undefined;
    const d = data(cur);
    if (d.length !== 1) return undefined;
    cur = producer.get(d[0]);
  }
  return undefined;
}

/** Minimal structural types of the onnxruntime-node API used here. */
export interface OrtTensor {
  data: ArrayLike<number>;
  dims: readonly number[];
  type: string;
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>, fetches?: string[]): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(model: Uint8Array | string, opts: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: string, data: unknown, dims: number[]) => unknown;
}

/** The onnxruntime-node module, or an error naming how to install it. */
export function ort(what: string): Ort {
  const m = onnxRuntime() as unknown as Ort | null;
  if (!m) throw new Error(`${what}: onnxruntime-node is not installed (npm install onnxruntime-node)`);
  return m;
}

/** An ONNX Runtime session over a model file, fetching the given tensors (added as outputs when needed). */
export class OnnxSession {
  private constructor(
    readonly file: OnnxFile,
    readonly fetches: string[],
    private readonly session: OrtSession,
    private readonly m: Ort,
  ) {}

  /**
   * Opens `f` with ONNX Runtime so that `fetches` (graph outputs or any intermediate tensor names)
   * can be read. Threads: `FD_THREADS`, else all cores; sequential execution.
   */
  static async open(f: OnnxFile, fetches: string[], what: string, threads = defaultThreads()): Promise<OnnxSession> {
    const m = ort(what);
    const outputs = new Set(f.outputs.map((o) => o.name));
    const extra = [...new Set(fetches.filter((t) => !outputs.has(t)))];
    if (extra.length && f.externalData) {
      throw new Error(`${what}: ${f.file} keeps its weights in external data files, so intermediate tensors cannot be added as outputs in memory; re-save it as one file (onnx.save(model, path, save_as_external_data=False)) or fetch a graph output (${[...outputs].join(', ')})`);
    }
    const source = extra.length ? withExtraOutputs(f.model, extra.map((name) => ({ name }))) : f.externalData ? f.file : f.bytes;
    let session: OrtSession;
    try {
      session = await m.InferenceSession.create(source, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    } catch (e) {
      throw new Error(`${what}: ONNX Runtime cannot load ${f.file}: ${(e as Error).message.split('\n')[0]}`, { cause: e });
    }
    return new OnnxSession(f, fetches, session, m);
  }

  /** Runs the model on one input tensor; returns the fetched tensors by name. */
  async run(data: Float32Array | Uint8Array | Int32Array | BigInt64Array, dims: number[], what: string): Promise<Record<string, OrtTensor>> {
    const type = data instanceof Float32Array ? 'float32' : data instanceof Uint8Array ? 'uint8' : data instanceof Int32Array ? 'int32' : 'int64';
    const feeds = { [this.file.input.name]: new this.m.Tensor(type, data, dims) };
    try {
      return await this.session.run(feeds, this.fetches);
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      const want = this.file.input.dims.map((d) => d ?? '?').join(', ');
      throw new Error(`${what}: ${path.basename(this.file.file)} rejected an input of shape [${dims.join(', ')}] (${type}); its input '${this.file.input.name}' is [${want}] (${this.file.input.dtype}): ${msg}`, { cause: e });
    }
  }

  async release(): Promise<void> {
    await this.session.release?.();
  }
}

/**
 * Types and shapes of `names` by running the model once on `input` (a small batch) with every one of
 * them added as a graph output. Tensors ONNX Runtime cannot fetch are left out.
 */
export async function probeTensors(f: OnnxFile, names: string[], input: { data: Float32Array | Uint8Array | BigInt64Array; dims: number[] }, what: string): Promise<Map<string, { dtype: string; dims: number[] }>> {
  const s = await OnnxSession.open(f, names, what, 1);
  const r = await s.run(input.data, input.dims, what);
  await s.release();
  const out = new Map<string, { dtype: string; dims: number[] }>();
  for (const n of names) if (r[n]) out.set(n, { dtype: r[n].type === 'float' ? 'float32' : r[n].type, dims: [...r[n].dims] });
  return out;
}

/** Candidate feature tensors of `f`: node outputs that are not constants or shape arithmetic. */
export function featureCandidates(f: OnnxFile): OnnxTensorInfo[] {
  return nodeOutputs(f).filter((t) => !NOT_FEATURES.has(t.op));
}
