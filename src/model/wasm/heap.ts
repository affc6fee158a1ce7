/**
 * Low-level access to tensors living in the wasm backend's heap, for the kernels this package adds
 * to the wasm backend. Views must be taken after every allocation: a `_malloc` may grow the wasm
 * memory and detach earlier views.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { DataType, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { getKernel } from '@tensorflow/tfjs';

/** A float32 view of a tensor's data in the wasm heap (valid until the next allocation). */
export function f32(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Typed view of any numeric tensor in the wasm heap. */
export function view(backend: BackendWasm, t: TensorInfo): Float32Array | Int32Array | Uint8Array {
  return backend.typedArrayFromHeap(t) as Float32Array | Int32Array | Uint8Array;
}

/** A new zero-filled float32 tensor in the heap (our kernels accumulate into it). */
export function zeros(backend: BackendWasm, shape: number[], dtype: DataType = 'float32'): TensorInfo {
  const out = backend.makeOutput(shape, dtype);
  view(backend, out).fill(0);
  return out;
}

/** Frees a tensor the kernel allocated for itself. */
export function free(backend: BackendWasm, t: TensorInfo): void {
  backend.disposeData(t.dataId);
}

/** The stock wasm implementation of a kernel, saved before this package overrides it. */
const stock = new Map<string, KernelFunc>();

/** Remembers the stock kernel (first call only) and returns it. */
export function stockKernel(name: string): KernelFunc {
  let k = stock.get(name);
  if (!k) {
    const cfg = getKernel(name, 'wasm');
    if (!cfg) throw new Error(`the wasm backend has no ${name} kernel`);
    k = cfg.kernelFunc;
    stock.set(name, k);
  }
  return k;
}

/**
 * `a [M,K] x b [K,N]` on the stock wasm matMul's fast path (no transposes, batch 1). Returns a new
 * tensor `[M, N]` the caller owns.
 */
export function matMulNN(backend: BackendWasm, a: TensorInfo, b: TensorInfo, m: number, k: number, n: number): TensorInfo {
  const mm = stockKernel('BatchMatMul');
  const out = mm({
    inputs: { a: { dataId: a.dataId, shape: [1, m, k], dtype: 'float32' }, b: { dataId: b.dataId, shape: [1, k, n], dtype: 'float32' } },
    backend,
    attrs: { transposeA: false, transposeB: false },
  }) as TensorInfo;
  return { dataId: out.dataId, shape: [m, n], dtype: 'float32' };
}

/** Swaps the last two axes with the stock wasm Transpose kernel (fast); the caller owns the result. */
export function transposeLast2(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return stockKernel('Transpose')({ inputs: { x }, backend, attrs: { perm } }) as TensorInfo;
}

/** A new tensor of `shape` holding a copy of `length` values of `src` starting at element `offset`. */
export function makeChunk(backend: BackendWasm, src: TensorInfo, offset: number, length: number, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, src.dtype);
  const s = view(backend, src);
  view(backend, out).set(s.subarray(offset, offset + length));
  return out;
}
