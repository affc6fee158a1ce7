import { strict as assert } from 'node:assert';
import { BASELINE_METHODS, baselineScores, maxSoftmax, predictionEntropy } from '../../src/directions/baselines';
import { Random } from '../../src/util/random';

const P = { data: new Float32Array([0.5, 0.5, 1, 0, 0.2, 0.8]), rows: 3, cols: 2 };

describe('baselines', () => {
  it('max softmax and entropy per row (0 log 0 = 0)', () => {
    assert.deepEqual(Array.from(maxSoftmax(P)).map((v) => +v.toFixed(6)), [0.5, 1, 0.8]);
    const h = predictionEntropy(P);
    assert.ok(Math.abs(h[0] - Math.log(2)) < 1e-7);
    assert.equal(h[1], 0);
    assert.ok(Math.abs(h[2] - -(0.2 * Math.log(0.2) + 0.8 * Math.log(0.8))) < 1e-6);
  });

  it('baselineScores: lowest = most suspicious for every method', () => {
    assert.deepEqual(Array.from(baselineScores('confidence', { confidences: [0.9, 0.1] })), [0.9, 0.1]);
    const e = baselineScores('entropy', { probs: P });
    assert.ok(e[0] < e[2] && e[2] < e[1], 'the uniform row ranks first');
    const m = baselineScores('maxSoftmax', { probs: P });
    assert.ok(m[0] < m[2] && m[2] < m[1]);
    const rng = new Random(4);
    assert.deepEqual(Array.from(baselineScores('random', { n: 3, seed: 4 })), [rng.next(), rng.next(), rng.next()]);
    assert.deepEqual([...BASELINE_METHODS], ['confidence', 'maxSoftmax', 'entropy', 'random']);
  });

  it('errors name what is missing', () => {
    assert.throws(() => baselineScores('entropy', { n: 3 }), /'entropy' needs probs/);
    assert.throws(() => baselineScores('confidence', { probs: P }), /'confidence' needs confidences/);
    assert.throws(() => baselineScores('maxSoftmax', { probs: P, n: 4 }), /probs has 3 rows for 4 rows/);
    assert.throws(() => baselineScores('oracle' as never, { n: 1 }), /unknown baseline "oracle"/);
    assert.throws(() => maxSoftmax({ data: new Float32Array(2), rows: 2, cols: 1 }), /at least 2/);
  });
});
