export * from './figure';
export * from './orthogonal-axis';
export * from './projection-plot';
export * from './score-histogram';
export * from './c-sweep-plot';
export * from './precision-at-k';
export * from './caption-plot';
export * from './c-slider-plot';
