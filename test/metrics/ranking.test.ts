import { strict as assert } from 'node:assert';
import { auroc, averagePrecision, precisionAtKCurve, precisionAtKScore, recallAtKScore } from '../../src/metrics';
import { Random } from '../../src/util/random';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

// 30 scores rounded to one decimal (so with ties, including 0.0 vs -0.0) and a target mask, drawn with
// numpy RandomState(7): s = np.round(rng.normal(size=30), 1); y = (rng.rand(30) < 0.35).astype(int)
const S = new Float64Array([1.7, -0.5, 0.0, 0.4, -0.8, 0.0, -0.0, -1.8, 1.0, 0.6, -0.6, -0.2, 0.5, -0.3, -0.2, -1.5, 0.6, 0.1, 0.3, -1.5, 1.7, 0.2, -0.4, 2.0, -0.0, -1.5, -0.4, -2.3, 1.0, -0.4]);
const Y = new Uint8Array([0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1]);

/** Brute force: P(positive ahead of negative) + 0.5 P(tie), lower score = ahead. */
function pairAuroc(s: ArrayLike<number>, y: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < s.length; i++) for (let j = 0; j < s.length; j++) {
    if (y[i] !== 1 || y[j] !== 0) continue;
    den++;
    num += s[i] < s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
  }
  return num / den;
}

describe('auroc', () => {
  it('matches scikit-learn on tied scores, both orientations', () => {
    // sklearn 1.2.1: roc_auc_score(y, -s) = 0.5994318181818182, roc_auc_score(y, s) = 0.4005681818181818
    close(auroc(S, Y), 0.5994318181818182);
    close(auroc(S, Y, { positive: 'high' }), 0.4005681818181818);
    close(auroc(Float32Array.from(S), Y), 0.5994318181818182);
  });
  it('hand-computed cases: perfect, reversed, all tied, one tie', () => {
    assert.equal(auroc([-2, -1, 0.5, 1], [1, 1, 0, 0]), 1);
    assert.equal(auroc([-2, -1, 0.5, 1], [0, 0, 1, 1]), 0);
    assert.equal(auroc([3, 3, 3], [true, false, false]), 0.5);
    // pairs (pos, neg): (0,1): 0<1 -> 1; (0,2): tie -> 0.5 ; (3,1) 2>1 -> 0 ; (3,2) 2 > 0 -> 0  => 1.5 / 4
    assert.equal(auroc([0, 1, 0, 2], [1, 0, 0, 1]), 0.375);
  });
  it('agrees with the brute-force pair count on random data with ties', () => {
    const rng = new Random(5);
    for (let rep = 0; rep < 20; rep++) {
      const n = 5 + rng.int(60);
      const s = Float64Array.from({ length: n }, () => Math.round(rng.normal() * 3) / 2);
      const y = Uint8Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
      y[0] = 1; y[1] = 0;
      close(auroc(s, y), pairAuroc(s, y), 1e-12);
    }
  });
  it('excludes NaN scores, handles infinities, returns NaN with one class', () => {
    const s = Float64Array.from([...S, NaN, NaN]);
    const y = Uint8Array.from([...Y, 1, 0]);
    close(auroc(s, y), 0.5994318181818182);
    assert.equal(auroc([-Infinity, Infinity], [1, 0]), 1);
    assert.ok(Number.isNaN(auroc([1, 2], [1, 1])));
    assert.ok(Number.isNaN(auroc([NaN, 2], [1, 0])));
    // null / undefined (Arquero's missing values) count as NaN
    assert.equal(auroc([null as any, -1, 1, undefined as any], [0, 1, 0, 1]), 1);
    assert.throws(() => auroc(['1' as any], [1]), /scores\[0\] is 1; expected a number/);
  });
  it('rejects bad input naming it', () => {
    assert.throws(() => auroc([1, 2], [1]), /auroc: scores has 2 entries but target has 1/);
    assert.throws(() => auroc([1, 2], [1, 'x' as any]), /auroc: target\[1\] is x/);
    assert.throws(() => auroc([1, 2], [1, 0], { positive: 'up' as any }), /positive must be/);
  });
});

describe('averagePrecision', () => {
  it('matches scikit-learn on tied scores, both orientations', () => {
    // sklearn 1.2.1: average_precision_score(y, -s) = 0.44212850960883193, average_precision_score(y, s) = 0.2685935441370224
    close(averagePrecision(S, Y), 0.44212850960883193);
    close(averagePrecision(S, Y, { positive: 'high' }), 0.2685935441370224);
  });
  it('hand-computed cases', () => {
    // pos, neg, pos: recall steps 1/2 at precision 1, 1/2 at precision 2/3
    close(averagePrecision([-3, -2, -1], [1, 0, 1]), 0.5 + (0.5 * 2) / 3);
    // all tied: one threshold, precision = positive rate (no interpolation)
    close(averagePrecision([0, 0, 0, 0], [1, 0, 0, 0]), 0.25);
    // tie of (pos, neg) first then pos: threshold 1 -> R=1/2, P=1/2; threshold 2 -> R=1, P=2/3
    close(averagePrecision([1, 1, 2], [1, 0, 1]), 0.25 + 1 / 3);
    assert.ok(Number.isNaN(averagePrecision([1, 2], [0, 0])));
    close(averagePrecision([NaN, -1, 1], [0, 1, 0]), 1);
  });
});

describe('precision@K / recall@K (ascending: lowest score first)', () => {
  it('counts the K lowest-scored', () => {
    const s = new Float64Array([-1, -0.5, 2, 3]);
    const y = new Uint8Array([1, 0, 1, 0]);
    assert.equal(precisionAtKScore(s, y, 1), 1);
    assert.equal(precisionAtKScore(s, y, 2), 0.5);
    assert.equal(precisionAtKScore(s, y, 3), 2 / 3);
    assert.equal(recallAtKScore(s, y, 1), 0.5);
    assert.equal(recallAtKScore(s, y, 3), 1);
    assert.equal(precisionAtKScore(s, y, 1, { positive: 'high' }), 0);
  });
  it('shares tied positions fractionally (order independent)', () => {
    // sorted: 0 (pos), then a 3-way tie at 1 holding one positive, then 5 (pos)
    const s = [1, 0, 1, 5, 1];
    const y = [0, 1, 1, 1, 0];
    // K=2: 1 + 1 * (1/3)
    close(precisionAtKScore(s, y, 2), (1 + 1 / 3) / 2);
    close(precisionAtKScore([1, 1, 0, 5, 1], [1, 0, 1, 1, 0], 2), (1 + 1 / 3) / 2);
    close(precisionAtKScore(s, y, 4), 2 / 4);
    close(recallAtKScore(s, y, 3), (1 + 2 / 3) / 3);
  });
  it('clips K to the number of non-NaN scores', () => {
    assert.equal(precisionAtKScore([NaN, 1, 2], [1, 1, 0], 10), 0.5);
    assert.ok(Number.isNaN(precisionAtKScore([NaN], [1], 3)));
    assert.ok(Number.isNaN(recallAtKScore([1, 2], [0, 0], 1)));
    assert.throws(() => precisionAtKScore([1], [1], 0), /k must be a positive integer/);
  });
  it('curve equals the pointwise values and stops at n', () => {
    const c = precisionAtKCurve(S, Y, 40);
    assert.equal(c.k.length, 30);
    assert.equal(c.nPositive, 8);
    for (let k = 1; k <= 30; k++) {
      close(c.precision[k - 1], precisionAtKScore(S, Y, k));
      close(c.recall[k - 1], recallAtKScore(S, Y, k));
    }
    close(c.recall[29], 1);
  });
});
