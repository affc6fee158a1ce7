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

// ---- Issue 14 (millions of images: streamed shards, out-of-core scores, DuckDB queries) and issue 13
// item 6 (.npy from real pipelines). New public names, for the lead to fold into the curated facade.
// The .npy additions (openNpy, NpyReader, loadNpz, npzArrays, parseNpyHeader, float16Table,
// SaveNpyOptions, OpenNpyOptions, NpyHeader) are already exported above through './embed'.
export {
  clipRetrievalFolder,
  npyShards,
  describeSource,
  scoreShards,
  scoresDb,
  ScoresDb,
  selectFromPoolStream,
  retrieveByCaptionStream,
  SCORES_FORMAT,
} from './stream';
export type {
  StreamSource,
  StreamShard,
  SourceOptions,
  ClipRetrievalOptions,
  NpyShardsOptions,
  ColumnNames,
  PredictionsTableSpec,
  LabelsAs,
  ScoreShardsOptions,
  ScoreShardsResult,
  ScoresManifest,
  ScoresDbOptions,
  ScoresCoverage,
  TopRowsOptions,
  HistogramOptions,
  SelectFromPoolStreamOptions,
  StreamedPoolSelection,
  RetrieveByCaptionStreamOptions,
  StreamedCaptionRetrieval,
} from './stream';
