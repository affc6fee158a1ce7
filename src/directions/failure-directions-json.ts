/**
 * The JSON form of a fitted {@link FailureDirections}: options, preprocessing, per-class state and
 * SVMs, and optionally the preprocessed validation data that `refit` / `fitPath` need. Exact: a
 * round trip reproduces every score bit for bit. Version 2 (`seed`); version 1 files (`randomState`)
 * still load.
 */
import { EncodedArray, decodeFloat32, decodeInt32, decodeUint8, encodeArray } from '../svm/codec';
import { LinearSVC, LinearSVCJSON } from '../svm/linear-svc';
import type { Matrix } from '../util/matrix';
import type { ResolvedFailureDirectionsOptions } from './failure-directions';
import { Preprocessor, PreprocessorJSON } from './preprocess';

/** One class's cross-validation curve over the C grid. */
export interface ClassCV {
  /** The grid, ascending. */
  Cs: number[];
  /** Mean balanced accuracy over folds per C (NaN for a class without an SVM). */
  meanBalancedAccuracy: number[];
  /** C chosen by CV (ties to the smaller C); null without an SVM. */
  chosenC: number | null;
  /** Whether every fold's solver converged, per C. */
  converged: boolean[];
}

/** @internal One class's fitted state. */
export interface ClassFit {
  n: number;
  nErrors: number;
  /** `'ok'` or why the class has no SVM. */
  status: string;
  /** The C in use (after any refit); null without an SVM. */
  C: number | null;
  cvBalancedAccuracy: number | null;
  cv: ClassCV;
  svm: LinearSVC | null;
}

/** @internal Everything `fit` learns. */
export interface FittedState {
  classNames: string[];
  classes: ClassFit[];
  /** The preprocessed validation data kept for `refit` / `fitPath` (null when loaded without it). */
  data: null | { latents: Matrix; labels: Int32Array; correct: Uint8Array };
}

/** JSON form of a {@link FailureDirections}. */
export interface FailureDirectionsJSON {
  type: 'FailureDirections';
  version: 2;
  options: ResolvedFailureDirectionsOptions;
  preprocessor: PreprocessorJSON;
  /** Where the whitening statistics came from. */
  preprocessSource: 'train' | 'fit latents' | null;
  fitted: null | {
    classNames: string[];
    classes: Array<{
      n: number;
      nErrors: number;
      status: string;
      C: number | null;
      cvBalancedAccuracy: number | null;
      cvDetails: Omit<ClassCV, 'meanBalancedAccuracy'> & { meanBalancedAccuracy: (number | null)[]; status?: string };
      svm: LinearSVCJSON | null;
    }>;
    /** The preprocessed validation data kept for `refit` / `fitPath` (absent when saved without data). */
    data: null | { latents: EncodedArray; rows: number; cols: number; labels: EncodedArray; correct: EncodedArray };
  };
}

/** @internal Builds the JSON form. */
export function encodeFailureDirections(
  options: ResolvedFailureDirectionsOptions,
  pre: Preprocessor,
  preSource: 'train' | 'fit latents' | null,
  state: FittedState | null,
  withData: boolean,
): FailureDirectionsJSON {
  const base = {
    type: 'FailureDirections' as const,
    version: 2 as const,
    options: { ...options, Cs: [...options.Cs] },
    preprocessor: pre.toJSON(),
    preprocessSource: preSource,
  };
  if (!state) return { ...base, fitted: null };
  const d = state.data;
  return {
    ...base,
    fitted: {
      classNames: [...state.classNames],
      classes: state.classes.map((s) => ({
        n: s.n,
        nErrors: s.nErrors,
        status: s.status,
        C: s.C,
        cvBalancedAccuracy: s.cvBalancedAccuracy,
        cvDetails: {
          Cs: [...s.cv.Cs],
          meanBalancedAccuracy: s.cv.meanBalancedAccuracy.map((v) => (Number.isNaN(v) ? null : v)),
          chosenC: s.cv.chosenC,
          converged: [...s.cv.converged],
        },
        svm: s.svm ? s.svm.toJSON() : null,
      })),
      data:
        withData && d
          ? { latents: encodeArray(d.latents.data), rows: d.latents.rows, cols: d.latents.cols, labels: encodeArray(d.labels), correct: encodeArray(d.correct) }
          : null,
    },
  };
}

/** @internal Reads the JSON form (or its string); throws naming what is wrong. */
export function decodeFailureDirections(json: FailureDirectionsJSON | string): {
  options: ResolvedFailureDirectionsOptions;
  preprocessor: Preprocessor;
  preprocessSource: 'train' | 'fit latents' | null;
  state: FittedState | null;
} {
  const caller = 'FailureDirections.fromJSON';
  const j = (typeof json === 'string' ? JSON.parse(json) : json) as FailureDirectionsJSON | (Omit<FailureDirectionsJSON, 'version'> & { version: number });
  if (j == null || j.type !== 'FailureDirections') throw new TypeError(`${caller}: not a FailureDirections (type ${j && (j as { type?: unknown }).type})`);
  if (j.version !== 1 && j.version !== 2) throw new RangeError(`${caller}: unsupported version ${j.version}`);
  // Version 1 called the seed `randomState`.
  const { randomState, ...rest } = j.options as ResolvedFailureDirectionsOptions & { randomState?: number };
  const options: ResolvedFailureDirectionsOptions = { ...rest, seed: rest.seed ?? randomState ?? 0 };
  const f = j.fitted;
  const state: FittedState | null = f
    ? {
        classNames: [...f.classNames],
        classes: f.classes.map((s) => ({
          n: s.n,
          nErrors: s.nErrors,
          status: s.status,
          C: s.C,
          cvBalancedAccuracy: s.cvBalancedAccuracy,
          cv: {
            Cs: [...s.cvDetails.Cs],
            meanBalancedAccuracy: s.cvDetails.meanBalancedAccuracy.map((v) => (v === null ? NaN : v)),
            chosenC: s.cvDetails.chosenC,
            converged: [...s.cvDetails.converged],
          },
          svm: s.svm ? LinearSVC.fromJSON(s.svm) : null,
        })),
        data: f.data
          ? {
              latents: { data: decodeFloat32(f.data.latents, `${caller}: data.latents`), rows: f.data.rows, cols: f.data.cols },
              labels: decodeInt32(f.data.labels, `${caller}: data.labels`),
              correct: decodeUint8(f.data.correct, `${caller}: data.correct`),
            }
          : null,
      }
    : null;
  return { options, preprocessor: Preprocessor.fromJSON(j.preprocessor), preprocessSource: j.preprocessSource, state };
}
