/**
 * Error types shared by the estimators (scikit-learn's names, so users recognise them).
 */

/**
 * Thrown when a fitted attribute or method of an estimator is used before `fit` (scikit-learn's
 * `sklearn.exceptions.NotFittedError`).
 *
 * @example
 * ```ts
 * try { new fd.FailureDirections().classSummary_; } catch (e) { e instanceof fd.NotFittedError; } // true
 * ```
 */
export class NotFittedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFittedError';
  }
}
