export * from './backend';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm/register';
