export * from './preprocess';
export * from './failure-directions';
export * from './evaluate-ranking';
export * from './captions';
export * from './split-input';
export * from './class-samples';
export * from './score-columns';
