/**
 * failure-directions: find where and why an image classifier fails, as directions in latent space
 * (Jain, Lawrence, Moitra, Madry, "Distilling Model Failures as Directions in Latent Space", ICLR 2023).
 *
 * The package root re-exports every concept; notebooks import only from here.
 */
export * from './util/matrix';
export * from './util/random';
export * from './util/progress';
export * from './data';
export * from './model';
export * from './embed';
export * from './svm';
export * from './directions';
export * from './metrics';
export * from './viz';
