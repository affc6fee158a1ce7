import { strict as assert } from 'node:assert';
import { NO_SIGNAL_RELATIVE_NORM } from '../../src/directions/failure-directions';
import { LinearSVC } from '../../src/svm/linear-svc';
import { relativeDecisionSpread, relativeWeightNorm } from '../../src/svm/relative-weight-norm';
import { loadFixture, matrix, u8 } from './fixtures';

describe('relativeWeightNorm (the no-signal rule of FailureDirections)', () => {
  it('real directions of the paper-procedure fixtures sit four orders above the threshold at every C, loss and intercept', () => {
    const cv = loadFixture('cv.json');
    let min = Infinity;
    let max = 0;
    let minSpread = Infinity;
    for (const c of cv.classes) {
      const X = matrix(c.X, c.rows, c.cols);
      for (const loss of ['hinge', 'squared_hinge'] as const) {
        for (const regularizeIntercept of [false, true]) {
          for (const C of cv.Cs as number[]) {
            const svm = new LinearSVC({ C, loss, classWeight: 'balanced', regularizeIntercept, tol: 1e-3 }).fit(X, u8(c.y));
            const r = relativeWeightNorm(svm.coef_!, svm.alpha_!, X);
            min = Math.min(min, r);
            max = Math.max(max, r);
            minSpread = Math.min(minSpread, relativeDecisionSpread(svm.coef_!, X));
          }
        }
      }
    }
    // Measured: 0.0177 (squared hinge, C = 1) ... 0.136 (C = 1e-6).
    assert.ok(min > 1e3 * NO_SIGNAL_RELATIVE_NORM && min > 0.01, `smallest: ${min}`);
    assert.ok(max < 0.2, `largest: ${max}`);
    // And their decision values spread over a good part of the data's extent.
    assert.ok(minSpread > 1e4 * NO_SIGNAL_RELATIVE_NORM, `smallest relative spread: ${minSpread}`);
  });

  it('identical rows: w is rounding residue (hinge) and every row scores the same (any loss)', () => {
    const d = 8;
    const row = Float32Array.from({ length: d }, (_, j) => Math.sin(j + 1) / 2);
    const X = { data: new Float32Array(10 * d), rows: 10, cols: d };
    for (let i = 0; i < 10; i++) X.data.set(row, i * d);
    for (const nWrong of [3, 4, 5]) {
      const y = Uint8Array.from({ length: 10 }, (_, i) => (i < nWrong ? 0 : 1));
      for (const loss of ['hinge', 'squared_hinge'] as const) {
        for (const C of [1e-6, 1e-2, 1]) {
          const svm = new LinearSVC({ C, loss, classWeight: 'balanced', regularizeIntercept: false, tol: 1e-3 }).fit(X, y);
          const r = relativeWeightNorm(svm.coef_!, svm.alpha_!, X);
          // The squared hinge with a free intercept leaves w as small as its intercept tolerance (~1e-5).
          if (loss === 'hinge') assert.ok(r < 1e-4 * NO_SIGNAL_RELATIVE_NORM, `${nWrong} wrong, C=${C}: ${r}`);
          else assert.ok(r < 1e-3, `${nWrong} wrong, squared hinge, C=${C}: ${r}`);
          assert.equal(relativeDecisionSpread(svm.coef_!, X), 0);
        }
      }
    }
    // All-zero rows (identical rows after whitening on themselves): exactly zero.
    const zero = { data: new Float32Array(4 * 3), rows: 4, cols: 3 };
    assert.equal(relativeWeightNorm(new Float64Array(3), Float64Array.from([1, 1, 1, 1]), zero), 0);
    assert.throws(() => relativeWeightNorm(new Float64Array(2), new Float64Array(4), zero), /2 weights for 3 columns/);
    assert.throws(() => relativeWeightNorm(new Float64Array(3), new Float64Array(3), zero), /3 dual variables for 4 rows/);
    assert.equal(relativeDecisionSpread(new Float64Array(3), zero), 0);
    // Rows that differ only by float32 rounding spread by about 1e-7.
    const near = { data: Float32Array.from(X.data, (v, k) => (k < d ? v * (1 + 2 ** -22) : v)), rows: 10, cols: d };
    const s = relativeDecisionSpread(Float64Array.from(row), near);
    assert.ok(s > 0 && s < NO_SIGNAL_RELATIVE_NORM, `${s}`);
  });
});
