/**
 * `failure-directions/experiments`: end-to-end experiments that train models (the paper's
 * interventions against Domino and the label-free baselines, in both spaces), kept out of the
 * library root because they are benchmarks, not analysis tools. `npm run bench:science` runs them.
 */
export * from './intervention-experiment';
export * from './intervention-tables';
export * from './domino-baseline';
export * from './caption-check';
