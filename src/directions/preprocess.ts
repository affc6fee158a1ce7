/**
 * The paper's embedding preprocessing (`SVMPreProcessing`): whiten every feature with the train
 * split's mean and standard deviation, then scale each row to unit L2 norm.
 */
import { Matrix } from '../util/matrix';
import { EncodedArray, decodeFloat64, encodeArray } from '../svm/codec';
import { checkMatrix } from '../svm/validate';

/** Options of a {@link Preprocessor}. */
export interface PreprocessorOptions {
  /** Subtract the train mean and divide by the train std per feature. Default true. */
  whiten?: boolean;
  /** Scale each row to unit L2 norm (after whitening). Default true. */
  normalize?: boolean;
}

/** JSON form of a {@link Preprocessor}. */
export interface PreprocessorJSON {
  type: 'Preprocessor';
  version: 1;
  whiten: boolean;
  normalize: boolean;
  mean: EncodedArray | null;
  std: EncodedArray | null;
  nFeatures: number | null;
}

/**
 * Whitening with train statistics followed by row L2 normalisation.
 *
 * - The std uses Bessel's correction (n - 1), as the paper's `torch.std`.
 * - A feature with zero std in the train split (constant) gets std 1, so it is only centred
 *   (a constant train feature carries no direction; it must not turn into Inf / NaN).
 * - A row whose norm is 0 after whitening stays all zeros.
 *
 * @example
 * ```ts
 * const pre = new Preprocessor().fit(zTrain);
 * const z = pre.transform(zVal); // Matrix, rows of unit norm
 * ```
 */
export class Preprocessor {
  whiten: boolean;
  normalize: boolean;
  /** Per-feature train mean (Float64). */
  mean_?: Float64Array;
  /** Per-feature train std, zeros replaced by 1 (Float64). */
  std_?: Float64Array;
  /** Number of features seen by `fit`. */
  nFeatures_?: number;

  constructor(options: PreprocessorOptions = {}) {
    this.whiten = options.whiten ?? true;
    this.normalize = options.normalize ?? true;
  }

  /** True when `transform` can run (statistics present, or whitening off). */
  get ready(): boolean {
    return !this.whiten || this.mean_ !== undefined;
  }

  /**
   * Computes the mean and std of the train latents.
   *
   * @example
   * ```ts
   * new Preprocessor().fit(zTrain).std_;
   * ```
   */
  fit(train: Matrix): this {
    const caller = 'Preprocessor.fit';
    checkMatrix(train, caller, 'train latents');
    const { data, rows, cols } = train;
    const mean = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const off = i * cols;
      for (let j = 0; j < cols; j++) mean[j] += data[off + j];
    }
    for (let j = 0; j < cols; j++) mean[j] /= rows;
    const ss = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const off = i * cols;
      for (let j = 0; j < cols; j++) {
        const t = data[off + j] - mean[j];
        ss[j] += t * t;
      }
    }
    const std = new Float64Array(cols);
    for (let j = 0; j < cols; j++) {
      const s = rows > 1 ? Math.sqrt(ss[j] / (rows - 1)) : 0;
      std[j] = s > 0 ? s : 1;
    }
    this.mean_ = mean;
    this.std_ = std;
    this.nFeatures_ = cols;
    return this;
  }

  /**
   * Applies the preprocessing; returns a new Float32 matrix (computed in Float64).
   *
   * @example
   * ```ts
   * const pre = new Preprocessor().fit(zTrain);
 * const z = pre.transform(zTest);
   * ```
   */
  transform(latents: Matrix): Matrix {
    const caller = 'Preprocessor.transform';
    checkMatrix(latents, caller, 'latents', true);
    const { data, rows, cols } = latents;
    if (this.whiten) {
      if (this.mean_ === undefined) throw new Error(`${caller}: whiten is on but no train statistics; call fit(trainLatents) first`);
      if (cols !== this.nFeatures_) throw new RangeError(`${caller}: latents have ${cols} columns but the train latents had ${this.nFeatures_}`);
    }
    const out = new Float32Array(rows * cols);
    const row = new Float64Array(cols);
    const mean = this.mean_, std = this.std_;
    for (let i = 0; i < rows; i++) {
      const off = i * cols;
      let ss = 0;
      for (let j = 0; j < cols; j++) {
        const v = this.whiten ? (data[off + j] - mean![j]) / std![j] : data[off + j];
        row[j] = v;
        ss += v * v;
      }
      const scale = this.normalize && ss > 0 ? 1 / Math.sqrt(ss) : 1;
      for (let j = 0; j < cols; j++) out[off + j] = row[j] * scale;
    }
    return { data: out, rows, cols };
  }

  /** Exact JSON form. */
  toJSON(): PreprocessorJSON {
    return {
      type: 'Preprocessor',
      version: 1,
      whiten: this.whiten,
      normalize: this.normalize,
      mean: this.mean_ ? encodeArray(this.mean_) : null,
      std: this.std_ ? encodeArray(this.std_) : null,
      nFeatures: this.nFeatures_ ?? null,
    };
  }

  /**
   * Rebuilds from {@link Preprocessor.toJSON}'s output.
   *
   * @example
   * ```ts
   * const pre = new Preprocessor().fit(zTrain);
 * const pre2 = Preprocessor.fromJSON(JSON.parse(JSON.stringify(pre)));
   * ```
   */
  static fromJSON(j: PreprocessorJSON): Preprocessor {
    if (j == null || j.type !== 'Preprocessor') throw new TypeError(`Preprocessor.fromJSON: not a Preprocessor (type ${j && (j as { type?: unknown }).type})`);
    const p = new Preprocessor({ whiten: j.whiten, normalize: j.normalize });
    if (j.mean && j.std) {
      p.mean_ = decodeFloat64(j.mean, 'Preprocessor.fromJSON: mean');
      p.std_ = decodeFloat64(j.std, 'Preprocessor.fromJSON: std');
      p.nFeatures_ = j.nFeatures ?? p.mean_.length;
    }
    return p;
  }
}
