export type { Scores, Mask, PositiveSide, RankingOptions } from './inputs';
export * from './balanced-accuracy';
export * from './auroc';
export * from './average-precision';
export * from './precision-at-k';
export * from './group-accuracy';
export * from './flag-precision-recall';
