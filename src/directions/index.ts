export * from './preprocess';
export * from './failure-directions';
