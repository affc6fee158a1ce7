import { strict as assert } from 'node:assert';
import * as aq from 'arquero';
import { upweight } from '../../src/directions/upweight';

const close = (a: ArrayLike<number>, b: number[], eps = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < eps, `row ${i}: ${a[i]} vs ${b[i]}`);
};
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe('upweight', () => {
  // class 0: 1 flagged of 4; class 1: 2 flagged of 4
  const scores = [-1, 0.5, 2, 1, -0.2, -3, 0.1, 4];
  const labels = [0, 0, 0, 0, 1, 1, 1, 1];

  it("'balanced' gives flagged and unflagged halves of each class's weight", () => {
    const w = upweight(null, { scores, labels }, { scheme: 'balanced' });
    // class 0: flagged 4/(2*1)=2, unflagged 4/(2*3)=2/3; class 1: 1 each. Mean is already 1.
    close(w, [2, 2 / 3, 2 / 3, 2 / 3, 1, 1, 1, 1]);
  });

  it("'overweight' multiplies flagged by the factor, then normalises to mean 1", () => {
    const w = upweight(null, { scores, labels }, { scheme: 'overweight', factor: 3 });
    // raw: 3 1 1 1 3 3 1 1 -> sum 14, scale 8/14
    close(w, [3, 1, 1, 1, 3, 3, 1, 1].map((v) => (v * 8) / 14));
    assert.ok(Math.abs(mean(w) - 1) < 1e-6);
  });

  it("'soft' balances soft flags p = sigmoid(-score / (T sd)) within each class", () => {
    const T = 0.5;
    const w = upweight(null, { scores, labels }, { scheme: 'soft', temperature: T });
    const raw = scores.map((s, i) => {
      const cls = scores.filter((_, j) => labels[j] === labels[i]);
      const m = cls.reduce((a, b) => a + b, 0) / cls.length;
      const sd = Math.sqrt(cls.reduce((a, b) => a + (b - m) ** 2, 0) / cls.length);
      const p = (v: number) => 1 / (1 + Math.exp(v / (T * sd)));
      const F = cls.reduce((a, v) => a + p(v), 0);
      const U = cls.reduce((a, v) => a + 1 - p(v), 0);
      return (cls.length / 2) * (p(s) / F + (1 - p(s)) / U);
    });
    // class totals are preserved, so the mean is already 1
    close(w, raw);
    // monotone: lower score, higher weight, within a class
    assert.ok(w[5] > w[4] && w[4] > w[6] && w[6] > w[7]);
    assert.ok(w[0] > w[1] && w[1] > w[3] && w[3] > w[2]);
  });

  it("'soft' tends to 'balanced' as the temperature goes to 0", () => {
    const hard = upweight(null, { scores, labels }, { scheme: 'balanced' });
    const soft = upweight(null, { scores, labels }, { scheme: 'soft', temperature: 1e-3 });
    close(soft, Array.from(hard), 1e-4);
  });

  it('reads a scores table and honours the threshold', () => {
    const t = aq.table({ score: Float64Array.from(scores), label: Int32Array.from(labels) });
    const w = upweight(null, t, { scheme: 'overweight', factor: 2, threshold: 1.5 });
    // flagged: all but 2 and 4
    const raw = [2, 2, 1, 2, 2, 2, 2, 1];
    close(w, raw.map((v) => (v * 8) / 14));
  });

  it('scores latents through the fit when given latents', () => {
    const fit = { decisionFunction: ({ latents }: { latents: { data: Float32Array } }) => Float32Array.from(latents.data) };
    const w = upweight(fit, { latents: { data: Float32Array.from(scores), rows: 8, cols: 1 }, labels }, { scheme: 'balanced' });
    close(w, [2, 2 / 3, 2 / 3, 2 / 3, 1, 1, 1, 1]);
  });

  it('leaves a class with nothing flagged at weight 1', () => {
    const w = upweight(null, { scores: [1, 2, 3, -1, 1], labels: [0, 0, 0, 1, 1] }, { scheme: 'balanced' });
    close(w, [1, 1, 1, 1, 1]);
  });

  it('keeps weight 1 (before rescaling) for a class without an SVM (NaN scores)', () => {
    for (const scheme of ['balanced', 'overweight', 'soft'] as const) {
      const w = upweight(null, { scores: [-1, 1, 2, NaN, NaN, 0.5], labels: [0, 0, 0, 1, 1, 2] }, { scheme, factor: 3 });
      assert.ok(Array.from(w).every(Number.isFinite), scheme);
      assert.ok(Math.abs(w[3] - w[4]) < 1e-7 && w[0] > w[1], scheme);
      assert.ok(Math.abs(mean(w) - 1) < 1e-6, scheme);
    }
  });

  it('names the bad input', () => {
    assert.throws(() => upweight(null, { scores: [0, Infinity], labels: [0, 0] }), /score at train row 1 is not finite/);
    assert.throws(() => upweight(null, { scores, labels }, { scheme: 'overweight', factor: 0.5 }), /factor must be/);
    assert.throws(() => upweight(null, aq.table({ score: [1] }), {}), /no 'label' column/);
    assert.throws(() => upweight(null, { latents: { data: new Float32Array(1), rows: 1, cols: 1 }, labels: [0] }), /needs a fitted scorer/);
    assert.throws(() => upweight(null, { scores, labels }, { scheme: 'hard' as never }), /scheme must be one of/);
    assert.throws(() => upweight(null, { scores, labels }, { scheme: 'soft', temperature: 0 }), /temperature must be/);
  });
});
