export * from './preprocess';
export * from './failure-directions';
export * from './select-from-pool';
export * from './upweight';
export * from './minority-groups';
