export * from './backend';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm/register';
export * from './architectures';
export * from './model-input';
export * from './train-classifier';
export * from './predict';
export * from './model-io';
