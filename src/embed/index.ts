export * from './encoder';
export * from './npy';
export * from './model-encoder';
export * from './embed';
