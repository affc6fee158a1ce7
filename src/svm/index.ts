export * from './class-weight';
export * from './dual-cd';
export * from './objective';
export * from './linear-svc';
export * from './stratified-k-fold';
export * from './cross-validate';
export * from './relative-weight-norm';
