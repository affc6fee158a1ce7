import { strict as assert } from 'node:assert';
import { selectFromPool, type ClassScorer } from '../../src/directions/select-from-pool';
import type { Matrix } from '../../src/util/matrix';

// A scorer whose "direction" is the first latent coordinate, per class sign-flipped for class 1,
// so the test can tell that decisionFunction really receives the labels.
const scorer: ClassScorer = {
  decisionFunction({ latents, labels }: { latents: Matrix; labels: ArrayLike<number> }) {
    const out = new Float32Array(latents.rows);
    for (let i = 0; i < latents.rows; i++) out[i] = (labels[i] === 1 ? -1 : 1) * latents.data[i * latents.cols];
    return out;
  },
};

function pool() {
  // 8 examples, classes 0/1 alternate; first latent coordinate = score for class 0, -score for class 1.
  const x0 = [0.5, 0.2, -1, -0.7, 2, 0.1, -3, 0.3];
  const latents: Matrix = { data: Float32Array.from(x0.flatMap((v) => [v, 0])), rows: 8, cols: 2 };
  return {
    labels: Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]),
    latents,
    confidences: [0.9, 0.4, 0.8, 0.99, 0.3, 0.6, 0.95, 0.5],
    ids: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
    groups: ['g0', 'g1', 'g0', 'g1', 'g0', 'g1', 'g0', 'g1'],
    classNames: ['zero', 'one'],
  };
}

describe('selectFromPool', () => {
  it('takes the K lowest SVM scores per class, hardest first', () => {
    const sel = selectFromPool(scorer, pool(), { perClass: 2, by: 'svm' });
    // class 0 scores: a .5, c -1, e 2, g -3 -> g, c ; class 1 scores: b -.2, d .7, f -.1, h -.3 -> h, b
    assert.deepEqual(Array.from(sel.indices), [6, 2, 7, 1]);
    assert.deepEqual(sel.table.array('id'), ['g', 'c', 'h', 'b']);
    assert.deepEqual(Array.from(sel.table.array('rankInClass') as Int32Array), [0, 1, 0, 1]);
    assert.deepEqual(sel.table.array('className'), ['zero', 'zero', 'one', 'one']);
    assert.deepEqual(Array.from(sel.table.array('score') as Float64Array).map((v) => Math.round(v * 10) / 10), [-3, -1, -0.3, -0.2]);
    assert.deepEqual(sel.shortfall, []);
  });

  it('ranks by lowest confidence without needing a scorer', () => {
    const sel = selectFromPool(null, pool(), { perClass: 1, by: 'confidence' });
    assert.deepEqual(Array.from(sel.indices), [4, 1]);
    assert.ok(!sel.table.columnNames().includes('score'));
  });

  it('uses precomputed scores instead of the scorer', () => {
    const p = { ...pool(), scores: [5, 4, 3, 2, 1, 0, -1, -2] };
    const sel = selectFromPool(null, p, { perClass: 1 });
    assert.deepEqual(Array.from(sel.indices), [6, 7]);
  });

  it('draws random selections reproducibly per seed, within class', () => {
    const a = selectFromPool(null, pool(), { perClass: 2, by: 'random', seed: 3 });
    const b = selectFromPool(null, pool(), { perClass: 2, by: 'random', seed: 3 });
    assert.deepEqual(Array.from(a.indices), Array.from(b.indices));
    const labels = pool().labels;
    assert.deepEqual(Array.from(a.indices, (i) => labels[i]), [0, 0, 1, 1]);
    const seen = new Set<string>();
    for (let s = 0; s < 20; s++) seen.add(Array.from(selectFromPool(null, pool(), { perClass: 2, by: 'random', seed: s }).indices).join());
    assert.ok(seen.size > 3, 'different seeds give different draws');
  });

  it('takes a whole class when it is smaller than K and reports the shortfall', () => {
    const sel = selectFromPool(scorer, pool(), { perClass: 6 });
    assert.equal(sel.indices.length, 8);
    assert.deepEqual(sel.shortfall, [{ label: 0, available: 4 }, { label: 1, available: 4 }]);
  });

  it('fills a class without an SVM (all-NaN scores) at random and says so', () => {
    const p = { ...pool(), scores: [NaN, -1, NaN, 2, NaN, 0.5, NaN, -3] };
    const sel = selectFromPool(null, p, { perClass: 2, seed: 1 });
    assert.deepEqual(sel.unscored, [0]);
    const idx = Array.from(sel.indices);
    assert.equal(idx.filter((i) => p.labels[i] === 0).length, 2);
    assert.deepEqual(idx.slice(2), [7, 1]);
    assert.deepEqual(selectFromPool(null, p, { perClass: 2, seed: 1 }).indices, sel.indices);
  });

  it('restricts to the requested classes', () => {
    const sel = selectFromPool(scorer, pool(), { perClass: 1, classes: [1] });
    assert.deepEqual(Array.from(sel.indices), [7]);
  });

  it('names the bad input', () => {
    assert.throws(() => selectFromPool(null, pool(), { perClass: 1, by: 'svm' }), /needs a fitted scorer/);
    assert.throws(() => selectFromPool(scorer, pool(), { perClass: -1 }), /perClass/);
    assert.throws(() => selectFromPool(scorer, pool(), { perClass: 1, by: 'loss' as never }), /by must be one of/);
    const { confidences: _c, ...noConf } = pool();
    assert.throws(() => selectFromPool(null, noConf, { perClass: 1, by: 'confidence' }), /needs pool.confidences/);
    assert.throws(() => selectFromPool(null, { ...pool(), scores: [0, 0, -Infinity, 0, 0, 0, 0, 0] }, { perClass: 1 }), /not finite at pool row 2/);
    assert.throws(() => selectFromPool(null, { ...pool(), confidences: [0, 0, NaN, 0, 0, 0, 0, 0] }, { perClass: 1, by: 'confidence' }), /confidences is not finite at pool row 2/);
    assert.throws(() => selectFromPool(scorer, { ...pool(), ids: ['a'] }, { perClass: 1 }), /pool.ids has 1 entries for 8/);
  });

  it('selects by max softmax, entropy (from pool.probs) and by a named ranking', () => {
    // top-class probability per example: class 0 rows 0.9, 0.6, 0.99, 0.55; class 1 rows 0.7, 0.51, 0.8, 0.95
    const top = [0.9, 0.7, 0.6, 0.51, 0.99, 0.8, 0.55, 0.95];
    const probs: Matrix = { data: Float32Array.from(top.flatMap((t) => [t, 1 - t])), rows: 8, cols: 2 };
    const p = { ...pool(), probs, rankings: { domino: [0, -0.9, -0.2, 0, -0.5, 0, 0, -0.1] } };
    const ms = selectFromPool(null, p, { perClass: 2, by: 'maxSoftmax' });
    assert.deepEqual(Array.from(ms.indices), [6, 2, 3, 1]);
    assert.deepEqual(ms.table.array('by'), ['maxSoftmax', 'maxSoftmax', 'maxSoftmax', 'maxSoftmax']);
    // binary: entropy is a monotone function of the top probability, so the same picks
    assert.deepEqual(Array.from(selectFromPool(null, p, { perClass: 2, by: 'entropy' }).indices), [6, 2, 3, 1]);
    assert.deepEqual(Array.from(selectFromPool(null, p, { perClass: 1, by: 'domino' }).indices), [4, 1]);
    assert.throws(() => selectFromPool(null, pool(), { perClass: 1, by: 'entropy' }), /by 'entropy' needs pool.probs/);
    assert.throws(() => selectFromPool(null, p, { perClass: 1, by: 'george' }), /or a name in pool.rankings \(domino\), got "george"/);
    assert.throws(() => selectFromPool(null, { ...p, rankings: { domino: [0] } }, { perClass: 1, by: 'domino' }), /rankings.domino has 1 values for 8/);
  });
});
