/**
 * Everything the package has, including its plumbing: `failure-directions/internal`. For tests,
 * benchmarks and users who need a building block the curated root (`src/index.ts`) leaves out. No
 * stability promise: names here may change between versions.
 */
export * from './util';
export * from './data';
export * from './model';
export * from './embed';
export * from './svm';
export * from './directions';
export * from './metrics';
export * from './viz';
export * from './experiments';
