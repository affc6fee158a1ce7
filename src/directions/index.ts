export * from './preprocess';
export * from './failure-directions';
export * from './evaluate-ranking';
export * from './select-from-pool';
export * from './upweight';
export * from './minority-groups';
export * from './intervention-experiment';
export * from './intervention-tables';
