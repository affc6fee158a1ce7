import { getKernel, registerKernel, unregisterKernel, KernelFunc } from '@tensorflow/tfjs';
import { conv2DBackpropFilter, conv2DBackpropInput, depthwiseBackpropFilter, depthwiseBackpropInput } from './conv2d-backprop';
import { unsortedSegmentSum } from './unsorted-segment-sum';
import { fastBatchMatMul, fastFusedMatMul } from './matmul';
import { stockKernel } from './heap';

const MARK = Symbol.for('failure-directions.kernel');

/**
 * Kernels added to (or replaced in) the wasm backend, by name.
 *
 * @example
 * ```ts
 * Object.keys(WASM_TRAINING_KERNELS); // ['Conv2DBackpropFilter', 'Conv2DBackpropInput', ...]
 * ```
 */
export const WASM_TRAINING_KERNELS: Record<string, KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter as unknown as KernelFunc,
  Conv2DBackpropInput: conv2DBackpropInput as unknown as KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter as unknown as KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput as unknown as KernelFunc,
  UnsortedSegmentSum: unsortedSegmentSum as unknown as KernelFunc,
  BatchMatMul: fastBatchMatMul as unknown as KernelFunc,
  _FusedMatMul: fastFusedMatMul as unknown as KernelFunc,
};

/**
 * Registers this package's training kernels on the wasm backend: the missing `Conv2DBackpropFilter`,
 * depthwise-conv gradients and `UnsortedSegmentSum`, a fast im2col `Conv2DBackpropInput` (the stock
 * one takes ~200 ms per batch), and matMul wrappers that stay on wasm's fast path. Idempotent; call
 * after the wasm backend is initialised ({@link ensureBackend} does).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * await tf.setBackend('wasm');
 * registerWasmTrainingKernels();
 * ```
 */
export function registerWasmTrainingKernels(): void {
  for (const [name, fn] of Object.entries(WASM_TRAINING_KERNELS)) {
    const existing = getKernel(name, 'wasm');
    if (existing && (existing.kernelFunc as unknown as Record<symbol, boolean>)[MARK]) continue;
    const setupFunc = existing?.setupFunc;
    if (existing) {
      stockKernel(name); // keep the stock implementation for the wrappers
      unregisterKernel(name, 'wasm');
    }
    const wrapped: KernelFunc = (args) => fn(args);
    (wrapped as unknown as Record<symbol, boolean>)[MARK] = true;
    registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: wrapped, ...(setupFunc ? { setupFunc } : {}) });
  }
}
