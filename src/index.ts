/**
 * failure-directions: find where and why an image classifier fails, as directions in latent space
 * (Jain, Lawrence, Moitra, Madry, "Distilling Model Failures as Directions in Latent Space", ICLR 2023).
 *
 * The package root re-exports every concept; notebooks import only from here.
 */
export * from './matrix';
export * from './random';
export * from './progress';
export * from './data';
export * from './model';
export * from './embed';
export * from './svm';
export * from './directions';
export * from './metrics';
export * from './viz';

// --- Issue 15 (science): Domino peer, label-free baselines, harder benchmarks. The lead folds these
// into the curated list at merge time.
export { DominoSlicer } from './directions/domino-slicer';
export type { DominoSlicerOptions, DominoTargets, DominoSlice, DominoSlicerJSON } from './directions/domino-slicer';
export { maxSoftmax, predictionEntropy, baselineScores, BASELINE_METHODS } from './directions/baselines';
export type { BaselineMethod, BaselineInputs } from './directions/baselines';
export { spuriousAttribute } from './data/spurious-attribute';
export type { SpuriousAttributeOptions, SpuriousAttributeSplits, SpuriousAttributeName } from './data/spurious-attribute';
export { rareSubclass, RARE_SUPERCLASSES } from './data/rare-subclass';
export type { RareSubclassOptions, RareSubclassSplits } from './data/rare-subclass';
