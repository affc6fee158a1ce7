export * from './select-from-pool';
export * from './upweight';
