import { strict as assert } from 'node:assert';
import { balancedAccuracy, flagPrecisionRecall, groupAccuracy, worstGroupAccuracy } from '../../src/metrics';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe('balancedAccuracy', () => {
  it('hand-computed binary case', () => {
    close(balancedAccuracy(new Uint8Array([0, 0, 0, 1]), new Uint8Array([0, 0, 1, 1])), (2 / 3 + 1) / 2);
    close(balancedAccuracy([true, false], [true, true]), 0.5);
  });
  it('matches scikit-learn on a multiclass case with a predicted class absent from yTrue', () => {
    const yt = new Int32Array([2, 2, 1, 2, 1, 0, 0, 1, 0, 2, 2, 1, 2, 1, 0, 1, 2, 1, 0, 0, 1, 1, 1, 2, 0]);
    const yp = new Int32Array([0, 2, 2, 2, 0, 2, 0, 2, 3, 2, 2, 0, 1, 1, 2, 2, 1, 1, 3, 1, 2, 0, 1, 0, 0]);
    // sklearn 1.2.1: balanced_accuracy_score(yt, yp) = 0.3619047619047619 (warns: y_pred contains classes not in y_true)
    close(balancedAccuracy(yt, yp), 0.3619047619047619);
  });
  it('rejects mismatched or non-label input', () => {
    assert.throws(() => balancedAccuracy([0, 1], [0]), /yTrue has 2 entries but yPred has 1/);
    assert.throws(() => balancedAccuracy([0, NaN], [0, 1]), /yTrue\[1\] is NaN/);
    assert.ok(Number.isNaN(balancedAccuracy([], [])));
  });
});

describe('groupAccuracy / worstGroupAccuracy', () => {
  it('per group, sorted, skipping unknown groups', () => {
    const g = groupAccuracy(new Uint8Array([1, 0, 1, 1, 0, 1]), ['b', 'b', 'a', 'a', null, 'c']);
    assert.deepEqual(g, [
      { group: 'a', n: 2, nCorrect: 2, accuracy: 1 },
      { group: 'b', n: 2, nCorrect: 1, accuracy: 0.5 },
      { group: 'c', n: 1, nCorrect: 1, accuracy: 1 },
    ]);
  });
  it('worst group, with a size floor', () => {
    const correct = [true, false, false, true, true, true, false];
    const groups = [0, 0, 0, 1, 1, 1, 2];
    close(worstGroupAccuracy(correct, groups), 0);
    close(worstGroupAccuracy(correct, groups, { minSize: 2 }), 1 / 3);
    assert.ok(Number.isNaN(worstGroupAccuracy(correct, groups, { minSize: 10 })));
  });
});

describe('flagPrecisionRecall', () => {
  it('matches scikit-learn precision/recall of the flags', () => {
    // flags = (s < 0) for the 30-sample case in ranking.test.ts;
    // sklearn 1.2.1: precision_score(y, s < 0) = 0.35714285714285715, recall_score(y, s < 0) = 0.625
    const s = [1.7, -0.5, 0.0, 0.4, -0.8, 0.0, -0.0, -1.8, 1.0, 0.6, -0.6, -0.2, 0.5, -0.3, -0.2, -1.5, 0.6, 0.1, 0.3, -1.5, 1.7, 0.2, -0.4, 2.0, -0.0, -1.5, -0.4, -2.3, 1.0, -0.4];
    const y = new Uint8Array([0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1]);
    const r = flagPrecisionRecall(s.map((v) => v < 0), y);
    close(r.precision, 0.35714285714285715);
    close(r.recall, 0.625);
    assert.equal(r.nFlagged, 14);
    assert.equal(r.nFlaggedTarget, 5);
  });
  it('hand-computed and undefined cases', () => {
    assert.deepEqual(flagPrecisionRecall(new Uint8Array([1, 1, 0, 0]), new Uint8Array([1, 0, 1, 0])), {
      precision: 0.5, recall: 0.5, f1: 0.5, n: 4, nFlagged: 2, nTarget: 2, nFlaggedTarget: 1,
    });
    const none = flagPrecisionRecall([0, 0], [1, 0]);
    assert.ok(Number.isNaN(none.precision));
    assert.equal(none.recall, 0);
    assert.ok(Number.isNaN(none.f1));
  });
});
