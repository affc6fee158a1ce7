export * from './image-dataset';
export * from './reserved';
export * from './cache';
export * from './dataset-file';
export * from './subset';
export * from './corpus-order';
export * from './load-mnist';
export * from './load-fashion-mnist';
