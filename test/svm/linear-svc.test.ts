import { strict as assert } from 'node:assert';
import { LinearSVC, svmPrimalObjective } from '../../src/svm';
import { f64, loadFixture, matrix, maxRelErr, spearman, u8 } from './fixtures';

const fx = loadFixture('linear-svc.json');
const X = matrix(fx.X, fx.rows, fx.cols);
const Xte = matrix(fx.Xtest, fx.rowsTest, fx.cols);
const y = u8(fx.y);

describe('LinearSVC parity with scikit-learn LinearSVC(dual=True)', () => {
  for (const c of fx.linearSVC) {
    const p = c.params;
    it(`${p.loss} C=${p.C} classWeight=${JSON.stringify(p.classWeight)} fitIntercept=${p.fitIntercept} scaling=${p.interceptScaling}`, () => {
      const svm = new LinearSVC({ ...p, tol: 1e-8, maxIter: 200000 }).fit(X, y);
      assert.ok(svm.converged_, 'converged');
      const relTrain = maxRelErr(svm.decisionFunction(X), f64(c.decisionTrain));
      const relTest = maxRelErr(svm.decisionFunction(Xte), f64(c.decisionTest));
      assert.ok(relTrain <= 1e-3, `train decision values: max relative error ${relTrain}`);
      assert.ok(relTest <= 1e-3, `test decision values: max relative error ${relTest}`);
      assert.ok(maxRelErr(svm.coef_!, f64(c.coef)) <= 1e-3, 'coef');
      const ours = svm.primalObjective(X, y);
      assert.ok(Math.abs(ours - c.primalObjective) <= 1e-6 * Math.abs(c.primalObjective), `primal ${ours} vs sklearn ${c.primalObjective}`);
      // Duality gap closes at a tight tolerance.
      assert.ok(ours + svm.dualObjective_! <= 1e-5 * Math.abs(ours), `duality gap ${ours + svm.dualObjective_!}`);
    });
  }

  it('primal objective helper agrees with the sklearn solution', () => {
    const c = fx.linearSVC[0];
    const v = svmPrimalObjective(X, y, f64(c.coef), c.intercept, { ...c.params });
    assert.ok(Math.abs(v - c.primalObjective) <= 1e-9 * Math.abs(v));
  });
});

describe('LinearSVC ranking agrees with SVC(kernel="linear") (the paper\'s SVM)', () => {
  for (const s of fx.svc) {
    it(`C=${s.C}: Spearman >= 0.99 (regularised and free intercept)`, () => {
      for (const regularizeIntercept of [true, false]) {
        const svm = new LinearSVC({ C: s.C, classWeight: 'balanced', tol: 1e-6, maxIter: 100000, regularizeIntercept }).fit(X, y);
        const rTrain = spearman(svm.decisionFunction(X), f64(s.decisionTrain));
        const rTest = spearman(svm.decisionFunction(Xte), f64(s.decisionTest));
        assert.ok(rTrain >= 0.99 && rTest >= 0.99, `regularizeIntercept=${regularizeIntercept}: Spearman train ${rTrain}, test ${rTest}`);
      }
    });
  }
  for (const C of [0.1, 1]) {
    it(`free intercept reproduces SVC decision values (C=${C})`, () => {
      const s = fx.svc.find((v: any) => v.C === C);
      const svm = new LinearSVC({ C, classWeight: 'balanced', tol: 1e-8, maxIter: 100000, regularizeIntercept: false }).fit(X, y);
      const rel = maxRelErr(svm.decisionFunction(Xte), f64(s.decisionTest));
      assert.ok(rel <= 1e-4, `max relative error ${rel}`);
    });
  }
});

describe('LinearSVC warm start', () => {
  it('reaches the cold-start solution at the new C with fewer iterations', () => {
    for (const regularizeIntercept of [true, false]) {
      const params = { classWeight: 'balanced' as const, tol: 1e-6, maxIter: 100000, regularizeIntercept };
      const cold = new LinearSVC({ ...params, C: 1 }).fit(X, y);
      const warm = new LinearSVC({ ...params, C: 0.1 }).fit(X, y);
      warm.setParams({ C: 1 }).fit(X, y, { warmStart: true });
      assert.ok(maxRelErr(warm.decisionFunction(Xte), cold.decisionFunction(Xte)) < 1e-3);
      assert.ok(warm.nIter_! < cold.nIter_!, `warm ${warm.nIter_} vs cold ${cold.nIter_} iterations`);
      // Downwards too (alphas clipped to the smaller box).
      const cold2 = new LinearSVC({ ...params, C: 0.01 }).fit(X, y);
      warm.setParams({ C: 0.01 }).fit(X, y, { warmStart: true });
      assert.ok(maxRelErr(warm.decisionFunction(Xte), cold2.decisionFunction(Xte)) < 1e-3);
    }
  });
  it('is ignored when the rows changed', () => {
    const a = new LinearSVC({ C: 0.1 }).fit(X, y);
    const Xs = { data: X.data.slice(0, 100 * X.cols), rows: 100, cols: X.cols };
    const b = new LinearSVC({ C: 0.1 }).fit(Xs, y.slice(0, 100));
    a.fit(Xs, y.slice(0, 100), { warmStart: true });
    assert.deepEqual(Array.from(a.coef_!), Array.from(b.coef_!));
  });
});

describe('LinearSVC bad input', () => {
  const svm = () => new LinearSVC();
  const small = { data: new Float32Array([0, 1, 1, 0, 1, 1, 0, 0]), rows: 4, cols: 2 };
  it('names the row and column of NaN / Inf', () => {
    const bad = { ...small, data: small.data.slice() };
    bad.data[5] = NaN;
    assert.throws(() => svm().fit(bad, [0, 1, 0, 1]), /LinearSVC\.fit: X: non-finite value NaN at row 2, column 1/);
    bad.data[5] = Infinity;
    assert.throws(() => svm().fit(bad, [0, 1, 0, 1]), /non-finite value Infinity at row 2, column 1/);
  });
  it('rejects length mismatches', () => {
    assert.throws(() => svm().fit(small, [0, 1, 0]), /LinearSVC\.fit: y has 3 labels but X has 4 rows/);
    assert.throws(() => svm().fit({ data: new Float32Array(7), rows: 4, cols: 2 }, [0, 1, 0, 1]), /X: data has 7 values but rows x cols = 4 x 2 = 8/);
    const fitted = svm().fit(small, [0, 1, 0, 1]);
    assert.throws(() => fitted.decisionFunction({ data: new Float32Array(3), rows: 1, cols: 3 }), /X has 3 columns but the model was fit on 2/);
  });
  it('rejects labels outside {0, 1} and a single label', () => {
    assert.throws(() => svm().fit(small, [0, 1, 2, 1]), /LinearSVC\.fit: y\[2\] = 2; labels must be 0 or 1/);
    assert.throws(() => svm().fit(small, [0, 1, -1, 1]), /y\[2\] = -1/);
    assert.throws(() => svm().fit(small, [1, 1, 1, 1]), /y contains only label 1; both 0 and 1 are needed/);
  });
  it('rejects C <= 0 and other bad parameters', () => {
    assert.throws(() => new LinearSVC({ C: 0 }).fit(small, [0, 1, 0, 1]), /LinearSVC\.fit: C must be a positive finite number, got 0/);
    assert.throws(() => new LinearSVC({ C: -1 }).fit(small, [0, 1, 0, 1]), /C must be a positive finite number, got -1/);
    assert.throws(() => new LinearSVC({ C: NaN }).fit(small, [0, 1, 0, 1]), /got NaN/);
    assert.throws(() => new LinearSVC({ loss: 'log' as any }).fit(small, [0, 1, 0, 1]), /loss must be 'hinge' or 'squared_hinge', got 'log'/);
    assert.throws(() => new LinearSVC({ classWeight: { 2: 1 } }).fit(small, [0, 1, 0, 1]), /class 2 is not a label/);
    assert.throws(() => new LinearSVC({ fitIntercept: false, regularizeIntercept: false }).fit(small, [0, 1, 0, 1]), /needs fitIntercept: true/);
    assert.throws(() => svm().setParams({ gamma: 1 } as any), /unknown parameter 'gamma'/);
  });
  it('rejects empty input', () => {
    assert.throws(() => svm().fit({ data: new Float32Array(0), rows: 0, cols: 3 }, []), /LinearSVC\.fit: X is empty \(0 rows\)/);
  });
  it('throws when used unfitted', () => {
    assert.throws(() => svm().decisionFunction(small), /not fitted yet/);
    assert.throws(() => svm().predict(small), /not fitted yet/);
  });
});
