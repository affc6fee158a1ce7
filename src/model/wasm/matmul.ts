/**
 * Wrappers that keep the wasm backend's matMul on its fast path.
 *
 * Measured here: [128,784] x [784,256] takes ~4 ms untransposed but 27-52 ms with a transpose flag,
 * and a batched matMul is ~16x slower than the same work as one 2-D product. Gradients of dense
 * layers always use transposed products, so training spends most of its time there. These wrappers
 * transpose explicitly (wasm's Transpose is fast), fold a broadcast batch into rows, and loop over
 * true batches, each as a 2-D product on the fast path.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { free, makeChunk, matMulNN, stockKernel, transposeLast2, view } from './heap';

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Whether computing A.B as (B^T A^T)^T is cheaper: packing the right operand costs about two passes
 * over it, each explicit transpose one pass (measured: packing a fresh 1568x128 right operand
 * takes as long as the product itself).
 */
export function preferSwapped(M: number, K: number, N: number, transposeA: boolean, transposeB: boolean): boolean {
  const direct = 2 * K * N + (transposeA ? M * K : 0) + (transposeB ? K * N : 0);
  const swapped = 2 * K * M + (transposeA ? 0 : M * K) + (transposeB ? 0 : K * N) + M * N;
  return swapped < 0.8 * direct;
}

/** Kernel `BatchMatMul` routed onto the fast path. */
export function fastBatchMatMul(args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  let { a, b } = inputs;
  const transposeA = !!attrs.transposeA;
  const transposeB = !!attrs.transposeB;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return stockKernel('BatchMatMul')(args as never) as TensorInfo;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const bA = size(batchA);
  const bB = size(batchB);
  // Only the simple batch layouts are routed; exotic broadcasts keep the stock kernel.
  const sameBatch = bA === bB && batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
  if (!(bB === 1 || sameBatch)) return stockKernel('BatchMatMul')(args as never) as TensorInfo;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const K2 = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (K !== K2) {
    throw new Error(`Error in matMul: inner shapes (${K}) and (${K2}) of Tensors with shapes ${inputs.a.shape} and ${inputs.b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  if (bA === 1 && bB === 1 && preferSwapped(M, K, N, transposeA, transposeB)) {
    // C = (B^T A^T)^T: XNNPACK packs its right operand on every call when it is a fresh tensor
    // (gradients always are), so make the smaller matrix the right operand.
    const bt = transposeB ? b : transposeLast2(backend, b);
    const at = transposeA ? a : transposeLast2(backend, a);
    const ct = matMulNN(backend, bt, at, N, K, M);
    if (!transposeB) free(backend, bt);
    if (!transposeA) free(backend, at);
    const c = transposeLast2(backend, ct);
    free(backend, ct);
    return { dataId: c.dataId, shape: [...(batchA.length >= batchB.length ? batchA : batchB), M, N], dtype: 'float32' };
  }
  const owned: TensorInfo[] = [];
  if (transposeA) owned.push((a = transposeLast2(backend, a)));
  if (transposeB) owned.push((b = transposeLast2(backend, b)));
  const outBatch = batchA.length >= batchB.length ? batchA : batchB;
  let out: TensorInfo;
  if (bB === 1) {
    // Broadcast b: all of a's batches are rows of one 2-D product.
    const r = matMulNN(backend, a, b, bA * M, K, N);
    out = { dataId: r.dataId, shape: [...outBatch, M, N], dtype: 'float32' };
  } else {
    out = backend.makeOutput([...outBatch, M, N], 'float32');
    for (let i = 0; i < bA; i++) {
      const ai = makeChunk(backend, a, i * M * K, M * K, [M, K]);
      const bi = makeChunk(backend, b, i * K * N, K * N, [K, N]);
      const r = matMulNN(backend, ai, bi, M, K, N);
      view(backend, out).set(view(backend, r), i * M * N);
      free(backend, ai);
      free(backend, bi);
      free(backend, r);
    }
  }
  for (const t of owned) free(backend, t);
  return out;
}

/** Kernel `_FusedMatMul` with transposes made explicit, so the stock fused kernel runs untransposed. */
export function fastFusedMatMul(args: { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const stock = stockKernel('_FusedMatMul') as KernelFunc;
  if (!attrs.transposeA && !attrs.transposeB) return stock(args as never) as TensorInfo;
  const owned: TensorInfo[] = [];
  let { a, b } = inputs;
  if (attrs.transposeA) owned.push((a = transposeLast2(backend, a)));
  if (attrs.transposeB) owned.push((b = transposeLast2(backend, b)));
  try {
    return stock({ inputs: { ...inputs, a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } } as never) as TensorInfo;
  } finally {
    for (const t of owned) free(backend, t);
  }
}
