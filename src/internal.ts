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
export * from './generate';
export * from './metrics';
export * from './viz';
export * from './experiments';
export * from './stream';
export * from './widgets';
// Two `Label`s: the metrics label type keeps the name here; the widget is `LabelWidget` (and `Label` at the root).
export type { Label } from './metrics';
export { Label as LabelWidget } from './widgets/html';
