export * from './preprocess';
export * from './failure-directions';
export * from './evaluate-ranking';
export * from './captions';
