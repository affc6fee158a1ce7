/**
 * The common path in one call: from splits (or precomputed embeddings and predictions) to fitted
 * failure directions and a scores table per split. Every step is the public step-by-step API
 * (`predict`, `embed`, `splitInput`, `FailureDirections`), so a user can drop down to it at any point.
 */
import type { ImageDataset } from '../data/image-dataset';
import type { EmbedCallOptions } from '../embed/embed';
import { embed } from '../embed/embed';
import type { Encoder } from '../embed/encoder';
import type { AnyModel } from '../model/model-input';
import type { OnnxClassifier } from '../model/onnx-image-model';
import { predict, PredictOptions } from '../model/predict';
import type { Matrix } from '../util/matrix';
import { progress } from '../util/progress';
import { FailureDirections, FailureDirectionsOptions } from './failure-directions';
import type { ScoresTable } from './scores-table';
import { PredictionsTableLike, splitInput, SplitInput } from './split-input';

/** What {@link analyze} takes: data, a way to get predictions, a way to get embeddings, and options. */
export interface AnalyzeOptions extends FailureDirectionsOptions {
  /** The train split: its embeddings give the whitening statistics. */
  train?: ImageDataset;
  /** The validation split: the SVMs are fitted on it. */
  val?: ImageDataset;
  /** The test split: scored. */
  test?: ImageDataset;
  /** Further named splits to score (e.g. `{ pool: splits.unlabeled }`). */
  splits?: Record<string, ImageDataset>;
  /** The classifier to analyse (a tfjs model or an `onnxClassifier`; runs `predict` on each split) ... */
  model?: AnyModel | OnnxClassifier;
  /**
   * ... or its predictions computed elsewhere: one table with a `split` column (`readPredictionsCsv`),
   * or one table per split (`predict()` output).
   */
  predictions?: PredictionsTableLike | Record<string, PredictionsTableLike>;
  /** The encoder giving the latent space (runs `embed` on each split) ... */
  encoder?: Encoder;
  /** ... or precomputed embeddings per split (e.g. `loadNpy('val.npy')`), row i = image i. */
  embeddings?: Record<string, Matrix>;
  /** Splits to score (default: every split except train). */
  score?: string[];
  /** Passed to `predict`. */
  predictOptions?: PredictOptions;
  /** Passed to `embed`. */
  embedOptions?: EmbedCallOptions;
}

/** What {@link analyze} returns. */
export interface Analysis {
  /** The fitted directions. */
  dirs: FailureDirections;
  /** Scores table per scored split (see `FailureDirections.scores`). */
  scores: Record<string, ScoresTable>;
  /** The estimator input of every split that has predictions (see `splitInput`). */
  inputs: Record<string, SplitInput>;
  /** Predictions table per split (`predict()` output, or the tables given). */
  predictions: Record<string, ScoresTable>;
  /** Embeddings per split. */
  embeddings: Record<string, Matrix>;
  /** The class vocabulary. */
  classNames: string[];
}

/**
 * Runs the paper's pipeline: embeds every split (or takes `embeddings`), predicts on every split (or
 * takes `predictions`), whitens with the train split's statistics, fits one SVM per class on the
 * validation split (C by cross-validation, see {@link FailureDirections}) and scores every other
 * split, with progress. Needs a validation split with predictions, and a train split's embeddings
 * unless `whiten: false`. Errors name the split and what is missing.
 *
 * @example
 * ```ts
 * const { train, val, test } = fd.coloredMnist({ trainCorr: 0.9, seed: 0 });
 * const model = await fd.trainClassifier(train, { epochs: 5, seed: 0 });
 * const a = await fd.analyze({ model, encoder: await fd.jointEncoder(), train, val, test, seed: 0 });
 * a.scores.test;            // id, label, className, pred, predName, correct, confidence, score, flagged, rankInClass, group
 * a.dirs.classSummary_;     // per class: n, nErrors, C, cvBalancedAccuracy, status
 * ```
 */
export async function analyze(options: AnalyzeOptions): Promise<Analysis> {
  const caller = 'analyze';
  const { train, val, test, splits: extra, model, predictions, encoder, embeddings, score, predictOptions, embedOptions, ...dirOptions } = options ?? ({} as AnalyzeOptions);
  if (model && predictions) throw new TypeError(`${caller}: pass either a model or predictions, not both`);
  if (encoder && embeddings) throw new TypeError(`${caller}: pass either an encoder or embeddings, not both`);
  if (!model && !predictions) throw new TypeError(`${caller}: needs a model (to run predict) or predictions (tables)`);
  if (!encoder && !embeddings) throw new TypeError(`${caller}: needs an encoder (to run embed) or embeddings (a Matrix per split)`);

  const datasets: Record<string, ImageDataset> = {};
  for (const [name, d] of [['train', train], ['val', val], ['test', test]] as const) if (d) datasets[name] = d;
  for (const [name, d] of Object.entries(extra ?? {})) {
    if (datasets[name]) throw new Error(`${caller}: split '${name}' is given twice`);
    datasets[name] = d;
  }
  const names = [...new Set([...Object.keys(datasets), ...Object.keys(embeddings ?? {})])];
  if (!names.includes('val')) throw new Error(`${caller}: no validation split: pass val (an ImageDataset) or embeddings.val`);
  const whiten = dirOptions.whiten ?? true;
  if (whiten && !names.includes('train')) throw new Error(`${caller}: no train split: its embeddings give the whitening statistics (pass train or embeddings.train, or whiten: false)`);
  const toScore = score ?? names.filter((s) => s !== 'train');
  for (const s of toScore) if (!names.includes(s)) throw new Error(`${caller}: cannot score split '${s}': it is not given (splits: ${names.join(', ')})`);
  if (model) {
    for (const s of new Set(['val', ...toScore])) {
      if (!datasets[s]) throw new Error(`${caller}: the model cannot be run on split '${s}': its images are not given (only embeddings)`);
    }
  }

  const needPredictions = new Set(['val', ...toScore]);
  const steps = names.length + needPredictions.size + 1 + toScore.length;
  const bar = progress('analyze', steps);
  const out: Analysis = { dirs: new FailureDirections(dirOptions), scores: {}, inputs: {}, predictions: {}, embeddings: {}, classNames: [] };
  for (const s of names) {
    if (embeddings) {
      const m = embeddings[s];
      if (!m) throw new Error(`${caller}: embeddings.${s} is missing (embeddings given for: ${Object.keys(embeddings).join(', ')})`);
      out.embeddings[s] = m;
    } else {
      out.embeddings[s] = await embed(encoder!, datasets[s], embedOptions);
    }
    bar.tick(1, `embedded ${s}`);
  }
  for (const s of needPredictions) {
    const d = datasets[s];
    let p: PredictionsTableLike;
    if (model) {
      p = await predict(model, d, predictOptions);
      out.inputs[s] = splitInput(d, out.embeddings[s], p);
    } else if (isTable(predictions!)) {
      p = predictions;
      out.inputs[s] = d ? splitInput(d, out.embeddings[s], selectSplit(p, s)) : splitInput(p, out.embeddings[s], { split: s });
    } else {
      const t = (predictions as Record<string, PredictionsTableLike>)[s];
      if (!t) throw new Error(`${caller}: predictions.${s} is missing (predictions given for: ${Object.keys(predictions!).join(', ')})`);
      p = t;
      // Tables without a split column (one file per split) take the split's name from their key.
      out.inputs[s] = d ? splitInput(d, out.embeddings[s], t) : { ...splitInput(t, out.embeddings[s], {}), split: s };
    }
    out.predictions[s] = p as ScoresTable;
    bar.tick(1, `predictions ${s}`);
  }
  if (out.embeddings.train) out.dirs.setPreprocess(out.embeddings.train);
  out.dirs.fit(out.inputs.val);
  out.classNames = out.dirs.classNames_;
  bar.tick(1, 'fitted');
  for (const s of toScore) {
    out.scores[s] = out.dirs.scores(out.inputs[s]);
    bar.tick(1, `scored ${s}`);
  }
  bar.done();
  return out;
}

/** A table's rows of one split, as a table of the same kind (for pairing with an ImageDataset). */
function selectSplit(table: PredictionsTableLike, s: string): PredictionsTableLike {
  if (!table.columnNames().includes('split')) return table;
  const t = table as unknown as { params(p: object): { filter(f: unknown): PredictionsTableLike } };
  return t.params({ s }).filter((d: { split: string }, $: { s: string }) => d.split === $.s);
}

function isTable(x: unknown): x is PredictionsTableLike {
  return !!x && typeof (x as PredictionsTableLike).numRows === 'function' && typeof (x as PredictionsTableLike).columnNames === 'function';
}
