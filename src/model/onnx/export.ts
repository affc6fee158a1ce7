/**
 * Exports the chain of layers of a tfjs LayersModel up to one layer as an ONNX model, so ONNX Runtime
 * (native, multi-threaded) can run the embedding instead of the single-threaded wasm backend.
 *
 * The ONNX graph takes the raw Uint8 NHWC pixels (`[N, H, W, C]`), casts and scales them
 * (`x * scale + offset`), transposes once to NCHW for the convolutions and back to NHWC before a
 * Flatten, so every output matches tfjs element for element. Supported layers: InputLayer, Conv2D,
 * DepthwiseConv2D, Dense, Flatten, Activation, ReLU, LeakyReLU, Softmax, MaxPooling2D,
 * AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNormalization, Dropout-like
 * layers (identity); a model with anything else (or with branches) is reported as unsupported.
 */
import * as tf from '@tensorflow/tfjs';
import { DT, encodeModel, onnx, valueInfo } from './proto';

const FLOAT = DT.FLOAT;
const UINT8 = DT.UINT8;

/**
 * Thrown when a model cannot be expressed in ONNX by this exporter; the message names the layer.
 *
 * @example
 * ```ts
 * try {
 *   exportOnnx(model, { layer: 'features', scale: 1 / 255, offset: 0 });
 * } catch (e) {
 *   if (!(e instanceof OnnxUnsupportedError)) throw e;
 *   console.log(`keeping the tfjs model: ${e.message}`);
 * }
 * ```
 */
export class OnnxUnsupportedError extends Error {}

interface Value {
  name: string;
  /** Logical rank-4 values live as NCHW or NHWC; rank-2 values are 'flat'. */
  layout: 'nchw' | 'nhwc' | 'flat';
  /** Logical (TF, channels-last) shape without the batch dimension. */
  shape: number[];
}

interface Attr {
  name: string;
  i?: number;
  f?: number;
  ints?: number[];
}

class GraphBuilder {
  nodes: onnx.INodeProto[] = [];
  inits: onnx.ITensorProto[] = [];
  private n = 0;

  fresh(prefix: string): string {
    return `${prefix}_${this.n++}`;
  }

  node(op: string, inputs: string[], attrs: Attr[] = [], out?: string): string {
    const output = out ?? this.fresh(op.toLowerCase());
    const attribute: onnx.IAttributeProto[] = attrs.map((a) => {
      if (a.i !== undefined) return { name: a.name, type: onnx.AttributeProto.AttributeType.INT, i: a.i };
      if (a.f !== undefined) return { name: a.name, type: onnx.AttributeProto.AttributeType.FLOAT, f: a.f };
      return { name: a.name, type: onnx.AttributeProto.AttributeType.INTS, ints: a.ints ?? [] };
    });
    this.nodes.push({ input: inputs, output: [output], name: output, opType: op, attribute });
    return output;
  }

  floatInit(prefix: string, dims: number[], data: Float32Array): string {
    const name = this.fresh(prefix);
    this.inits.push({ dims, dataType: FLOAT, name, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }
}

function toNchw(g: GraphBuilder, v: Value): Value {
  if (v.layout !== 'nhwc') return v;
  return { name: g.node('Transpose', [v.name], [{ name: 'perm', ints: [0, 3, 1, 2] }]), layout: 'nchw', shape: v.shape };
}

function toNhwc(g: GraphBuilder, v: Value): Value {
  if (v.layout !== 'nchw') return v;
  return { name: g.node('Transpose', [v.name], [{ name: 'perm', ints: [0, 2, 3, 1] }]), layout: 'nhwc', shape: v.shape };
}

/** TF 'same'/'valid' padding as ONNX pads [top, left, bottom, right]; extra padding goes at the end, as in TF. */
function pads(padding: string, inH: number, inW: number, k: [number, number], s: [number, number], d: [number, number]): { pads: number[]; out: [number, number] } {
  const ek = [(k[0] - 1) * d[0] + 1, (k[1] - 1) * d[1] + 1];
  if (padding === 'valid') return { pads: [0, 0, 0, 0], out: [Math.floor((inH - ek[0]) / s[0]) + 1, Math.floor((inW - ek[1]) / s[1]) + 1] };
  if (padding !== 'same') throw new OnnxUnsupportedError(`padding '${padding}'`);
  const out: [number, number] = [Math.ceil(inH / s[0]), Math.ceil(inW / s[1])];
  const th = Math.max((out[0] - 1) * s[0] + ek[0] - inH, 0);
  const tw = Math.max((out[1] - 1) * s[1] + ek[1] - inW, 0);
  return { pads: [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)], out };
}

function pair(v: number | number[]): [number, number] {
  return Array.isArray(v) ? [v[0], v.length > 1 ? v[1] : v[0]] : [v, v];
}

function activation(g: GraphBuilder, v: Value, act: string | undefined, where: string): Value {
  const a = (act ?? 'linear').toLowerCase();
  const channelAxis = v.layout === 'nchw' ? 1 : v.shape.length; // TF activations act on the last (channel) axis
  const op = (o: string, attrs: Attr[] = []) => ({ ...v, name: g.node(o, [v.name], attrs) });
  switch (a) {
    case 'linear':
      return v;
    case 'relu':
      return op('Relu');
    case 'relu6':
      return { ...v, name: g.node('Clip', [v.name, g.floatInit('zero', [], new Float32Array([0])), g.floatInit('six', [], new Float32Array([6]))]) };
    case 'sigmoid':
      return op('Sigmoid');
    case 'tanh':
      return op('Tanh');
    case 'elu':
      return op('Elu', [{ name: 'alpha', f: 1 }]);
    case 'selu':
      return op('Selu', [{ name: 'alpha', f: 1.6732632423543772 }, { name: 'gamma', f: 1.0507009873554805 }]);
    case 'softplus':
      return op('Softplus');
    case 'softmax':
      return op('Softmax', [{ name: 'axis', i: channelAxis }]);
    default:
      throw new OnnxUnsupportedError(`activation '${act}' in layer ${where}`);
  }
}

/** The chain of layers from the model input to `target` (inclusive); throws for branching models. */
function chain(model: tf.LayersModel, target: tf.layers.Layer): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  let cur: tf.layers.Layer | undefined = target;
  while (cur && cur.getClassName() !== 'InputLayer') {
    out.push(cur);
    const nodes: Array<{ inboundLayers: tf.layers.Layer[] }> = (cur as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes;
    if (nodes.length !== 1 || nodes[0].inboundLayers.length !== 1) throw new OnnxUnsupportedError(`layer ${cur.name} has ${nodes.length} inbound nodes / branches`);
    cur = nodes[0].inboundLayers[0];
  }
  if (model.inputs.length !== 1) throw new OnnxUnsupportedError('models with several inputs');
  return out.reverse();
}

/** Options of {@link exportOnnx}. */
export interface OnnxExportOptions {
  /** Layer whose output is the graph output. */
  layer: string;
  /** `x = pixel * scale + offset` applied to the Uint8 input inside the graph. */
  scale: number;
  offset: number;
  /** Global average pooling of a 4-D output (else flattened, NHWC order). */
  pool?: 'flatten' | 'avg';
}

/**
 * Serialises the layers of `model` up to `opts.layer` as an ONNX ModelProto (opset 17) with input
 * `pixels` (uint8, `[N, H, W, C]`) and output `embedding` (float32, `[N, D]`).
 *
 * @example
 * ```ts
 * const bytes = exportOnnx(model, { layer: 'features', scale: 1 / 255, offset: 0 });
 * ```
 */
export function exportOnnx(model: tf.LayersModel, opts: OnnxExportOptions): Uint8Array {
  const target = model.getLayer(opts.layer);
  const layers = chain(model, target);
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 4 || inShape.slice(1).some((d) => d == null)) throw new OnnxUnsupportedError(`input shape [${inShape.join(', ')}] (need [batch, h, w, c])`);
  const [H, W, C] = inShape.slice(1) as number[];
  const g = new GraphBuilder();
  let x = g.node('Cast', ['pixels'], [{ name: 'to', i: FLOAT }]);
  if (opts.scale !== 1) x = g.node('Mul', [x, g.floatInit('scale', [], new Float32Array([opts.scale]))]);
  if (opts.offset !== 0) x = g.node('Add', [x, g.floatInit('offset', [], new Float32Array([opts.offset]))]);
  let v: Value = { name: x, layout: 'nhwc', shape: [H, W, C] };
  for (const layer of layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    const weights = layer.getWeights().map((t) => t.dataSync() as Float32Array);
    const where = `${layer.name} (${cls})`;
    if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') throw new OnnxUnsupportedError(`dataFormat ${cfg.dataFormat} in ${where}`);
    switch (cls) {
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        if (v.shape.length !== 3) throw new OnnxUnsupportedError(`${where} on a rank-${v.shape.length + 1} input`);
        const depthwise = cls === 'DepthwiseConv2D';
        const k = pair(cfg.kernelSize as number | number[]);
        const s = pair(cfg.strides as number | number[]);
        const d = pair((cfg.dilationRate as number | number[]) ?? 1);
        const [h, w, ci] = v.shape;
        const kw = weights[0];
        let co: number;
        let wOnnx: Float32Array;
        if (depthwise) {
          const mult = cfg.depthMultiplier as number;
          co = ci * mult;
          wOnnx = new Float32Array(co * k[0] * k[1]);
          // TF [kh, kw, ci, mult] -> ONNX [ci*mult, 1, kh, kw]
          for (let a = 0; a < k[0]; a++) for (let b = 0; b < k[1]; b++) for (let c = 0; c < ci; c++) for (let m = 0; m < mult; m++) wOnnx[((c * mult + m) * k[0] + a) * k[1] + b] = kw[((a * k[1] + b) * ci + c) * mult + m];
        } else {
          co = cfg.filters as number;
          wOnnx = new Float32Array(co * ci * k[0] * k[1]);
          // TF [kh, kw, ci, co] -> ONNX [co, ci, kh, kw]
          for (let a = 0; a < k[0]; a++) for (let b = 0; b < k[1]; b++) for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) wOnnx[((o * ci + c) * k[0] + a) * k[1] + b] = kw[((a * k[1] + b) * ci + c) * co + o];
        }
        const p = pads(cfg.padding as string, h, w, k, s, d);
        v = toNchw(g, v);
        const inputs = [v.name, g.floatInit('w', depthwise ? [co, 1, k[0], k[1]] : [co, ci, k[0], k[1]], wOnnx)];
        if (cfg.useBias) inputs.push(g.floatInit('b', [co], weights[1]));
        const attrs: Attr[] = [
          { name: 'kernel_shape', ints: k },
          { name: 'strides', ints: s },
          { name: 'dilations', ints: d },
          { name: 'pads', ints: p.pads },
        ];
        if (depthwise) attrs.push({ name: 'group', i: ci });
        v = { name: g.node('Conv', inputs, attrs), layout: 'nchw', shape: [p.out[0], p.out[1], co] };
        v = activation(g, v, cfg.activation as string, where);
        break;
      }
      case 'Dense': {
        if (v.shape.length !== 1) throw new OnnxUnsupportedError(`${where} on a rank-${v.shape.length + 1} input`);
        const units = cfg.units as number;
        const inputs = [v.name, g.floatInit('w', [v.shape[0], units], weights[0])];
        if (cfg.useBias) inputs.push(g.floatInit('b', [units], weights[1]));
        v = { name: g.node('Gemm', inputs), layout: 'flat', shape: [units] };
        v = activation(g, v, cfg.activation as string, where);
        break;
      }
      case 'Flatten': {
        v = toNhwc(g, v);
        const size = v.shape.reduce((a, b) => a * b, 1);
        v = { name: g.node('Flatten', [v.name], [{ name: 'axis', i: 1 }]), layout: 'flat', shape: [size] };
        break;
      }
      case 'Activation':
        v = activation(g, v, cfg.activation as string, where);
        break;
      case 'ReLU':
        if (cfg.maxValue != null) throw new OnnxUnsupportedError(`ReLU maxValue in ${where}`);
        v = activation(g, v, 'relu', where);
        break;
      case 'Softmax':
        if (cfg.axis !== undefined && cfg.axis !== -1) throw new OnnxUnsupportedError(`Softmax axis ${cfg.axis} in ${where}`);
        v = activation(g, v, 'softmax', where);
        break;
      case 'LeakyReLU':
        v = { ...v, name: g.node('LeakyRelu', [v.name], [{ name: 'alpha', f: (cfg.alpha as number) ?? 0.3 }]) };
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        if (v.shape.length !== 3) throw new OnnxUnsupportedError(`${where} on a rank-${v.shape.length + 1} input`);
        const k = pair(cfg.poolSize as number | number[]);
        const s = pair((cfg.strides as number | number[]) ?? k);
        const p = pads(cfg.padding as string, v.shape[0], v.shape[1], k, s, [1, 1]);
        v = toNchw(g, v);
        const attrs: Attr[] = [
          { name: 'kernel_shape', ints: k },
          { name: 'strides', ints: s },
          { name: 'pads', ints: p.pads },
        ];
        if (cls === 'AveragePooling2D') attrs.push({ name: 'count_include_pad', i: 0 });
        v = { name: g.node(cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [v.name], attrs), layout: 'nchw', shape: [p.out[0], p.out[1], v.shape[2]] };
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        if (v.shape.length !== 3) throw new OnnxUnsupportedError(`${where} on a rank-${v.shape.length + 1} input`);
        v = toNchw(g, v);
        const pooled = g.node(cls === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [v.name]);
        v = { name: g.node('Flatten', [pooled], [{ name: 'axis', i: 1 }]), layout: 'flat', shape: [v.shape[2]] };
        break;
      }
      case 'BatchNormalization': {
        const axis = cfg.axis as number;
        const rank = v.shape.length + 1;
        if (axis !== -1 && axis !== rank - 1) throw new OnnxUnsupportedError(`BatchNormalization axis ${axis} in ${where}`);
        const c = v.shape[v.shape.length - 1];
        let wi = 0;
        const gamma = cfg.scale ? weights[wi++] : new Float32Array(c).fill(1);
        const beta = cfg.center ? weights[wi++] : new Float32Array(c);
        const mean = weights[wi++];
        const variance = weights[wi];
        if (v.shape.length === 3) v = toNchw(g, v);
        const inputs = [v.name, g.floatInit('gamma', [c], gamma), g.floatInit('beta', [c], beta), g.floatInit('mean', [c], mean), g.floatInit('var', [c], variance)];
        v = { ...v, name: g.node('BatchNormalization', inputs, [{ name: 'epsilon', f: cfg.epsilon as number }]) };
        break;
      }
      case 'Dropout':
      case 'SpatialDropout1D':
      case 'SpatialDropout2D':
      case 'GaussianNoise':
      case 'GaussianDropout':
      case 'AlphaDropout':
        break; // identity at inference
      default:
        throw new OnnxUnsupportedError(`layer ${where}`);
    }
  }
  let out: Value = v;
  if (out.shape.length === 3 && opts.pool === 'avg') {
    out = toNchw(g, out);
    out = { name: g.node('Flatten', [g.node('GlobalAveragePool', [out.name])], [{ name: 'axis', i: 1 }]), layout: 'flat', shape: [out.shape[2]] };
  } else if (out.shape.length !== 1) {
    out = toNhwc(g, out);
    out = { name: g.node('Flatten', [out.name], [{ name: 'axis', i: 1 }]), layout: 'flat', shape: [out.shape.reduce((a, b) => a * b, 1)] };
  }
  g.node('Identity', [out.name], [], 'embedding');
  return encodeModel({
    irVersion: 8,
    producerName: 'failure-directions',
    graph: {
      node: g.nodes,
      name: 'failure_directions_embedding',
      initializer: g.inits,
      input: [valueInfo('pixels', UINT8, ['N', H, W, C])],
      output: [valueInfo('embedding', FLOAT, ['N', out.shape[0]])],
    },
    opsetImport: [{ domain: '', version: 17 }],
  });
}
