/**
 * `UnsortedSegmentSum` for the wasm backend (the gradient of `tf.gather`, hence of embedding
 * lookups): out[s, ...] = sum of x[i, ...] over i with segmentIds[i] = s; ids outside
 * `[0, numSegments)` are dropped, as in TensorFlow.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { view, zeros } from './heap';

/** Kernel `UnsortedSegmentSum`: inputs `x`, `segmentIds`; attr `numSegments`. */
export function unsortedSegmentSum(args: { inputs: { x: TensorInfo; segmentIds: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, segmentIds } = inputs;
  const numSegments = attrs.numSegments as number;
  const idRank = segmentIds.shape.length;
  for (let d = 0; d < idRank; d++) {
    if (segmentIds.shape[d] !== x.shape[d]) throw new Error(`UnsortedSegmentSum: segmentIds shape ${segmentIds.shape} is not a prefix of x shape ${x.shape}`);
  }
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(idRank).reduce((a, b) => a * b, 1);
  const dtype = x.dtype === 'int32' ? 'int32' : 'float32';
  const out = zeros(backend, [numSegments, ...x.shape.slice(idRank)], dtype);
  const xs = view(backend, x);
  const ids = view(backend, segmentIds);
  const o = view(backend, out);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const xi = i * inner;
    const oi = s * inner;
    for (let j = 0; j < inner; j++) o[oi + j] += xs[xi + j];
  }
  return out;
}
