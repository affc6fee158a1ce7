import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeArray, type EncodedArray } from '../../src/svm/codec';
import { DominoSlicer } from '../../src/directions/domino-slicer';
import type { Matrix } from '../../src/util/matrix';
import { Random } from '../../src/util/random';

/**
 * A mixture with known components: four Gaussian blobs in d dims (diagonal covariance, distinct
 * scales per blob), each one cell of a binary confusion matrix (label, prediction): (0,0), (0,1),
 * (1,1), (1,0). Blobs 1 and 3 are the error slices.
 */
function knownMixture(seed: number, opts: { n?: number; d?: number; sizes?: number[]; separation?: number } = {}) {
  const rng = new Random(seed);
  const d = opts.d ?? 12;
  const shares = opts.sizes ?? [0.4, 0.1, 0.4, 0.1];
  const cells = [[0, 0], [0, 1], [1, 1], [1, 0]];
  const sep = opts.separation ?? 6;
  const means = cells.map(() => Float64Array.from({ length: d }, () => sep * rng.normal()));
  const sds = cells.map(() => Float64Array.from({ length: d }, () => 0.5 + rng.next()));
  const n = opts.n ?? 1200;
  const data = new Float32Array(n * d);
  const comp = new Int32Array(n);
  const labels = new Int32Array(n);
  const probs = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    let u = rng.next();
    let c = 0;
    while (c < 3 && u >= shares[c]) u -= shares[c++];
    comp[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = means[c][j] + sds[c][j] * rng.normal();
    labels[i] = cells[c][0];
    const p1 = cells[c][1] === 1 ? 0.7 + 0.3 * rng.next() : 0.3 * rng.next();
    probs[i * 2] = 1 - p1;
    probs[i * 2 + 1] = p1;
  }
  const latents: Matrix = { data, rows: n, cols: d };
  return { latents, labels, probs: { data: probs, rows: n, cols: 2 } as Matrix, comp, means, sds, shares, d };
}

/** Fraction of rows whose argmax component agrees with the true component under the best one-to-one matching (4 components). */
function matchedAccuracy(post: Float64Array, k: number, truth: Int32Array): { acc: number; map: number[] } {
  const n = truth.length;
  const counts = Array.from({ length: 4 }, () => new Array(k).fill(0));
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let s = 1; s < k; s++) if (post[i * k + s] > post[i * k + best]) best = s;
    counts[truth[i]][best]++;
  }
  const map = counts.map((row) => row.indexOf(Math.max(...row)));
  let hit = 0;
  for (let c = 0; c < 4; c++) hit += counts[c][map[c]];
  return { acc: hit / n, map };
}

describe('DominoSlicer', () => {
  it('recovers the components of a known mixture (weights, means, variances, label/prediction tables)', () => {
    const m = knownMixture(1);
    // No PCA, so the fitted means and variances are in the data's own coordinates.
    const s = new DominoSlicer({ nMixtureComponents: 4, nSlices: 2, nPcaComponents: null, seed: 0 }).fit(m.latents, { labels: m.labels, probs: m.probs });
    assert.ok(s.converged_, 'EM converged');
    const k = 4;
    const post = s.componentProba(m.latents, { labels: m.labels, probs: m.probs });
    const { acc, map } = matchedAccuracy(post, k, m.comp);
    assert.equal(new Set(map).size, 4, 'one component per true blob');
    assert.ok(acc > 0.995, `assignment accuracy ${acc}`);
    for (let c = 0; c < 4; c++) {
      const s_ = map[c];
      const trueShare = m.comp.filter((v) => v === c).length / m.comp.length;
      assert.ok(Math.abs(s.weights_[s_] - trueShare) < 0.01, `weight of blob ${c}: ${s.weights_[s_]} vs ${trueShare}`);
      for (let j = 0; j < m.d; j++) {
        assert.ok(Math.abs(s.means_[s_ * m.d + j] - m.means[c][j]) < 0.25, `mean ${c},${j}`);
        const sd = Math.sqrt(s.variances_[s_ * m.d + j]);
        assert.ok(Math.abs(sd / m.sds[c][j] - 1) < 0.25, `sd ${c},${j}: ${sd} vs ${m.sds[c][j]}`);
      }
      // Label table: blob c's true class with probability ~1.
      const label = c === 0 || c === 1 ? 0 : 1;
      assert.ok(s.yProbs_[s_ * 2 + label] > 0.99);
    }
    // The two slices are the error blobs (label 0 predicted 1, label 1 predicted 0).
    assert.deepEqual(new Set(Array.from(s.sliceIndices_)), new Set([map[1], map[3]]));
    for (const sl of s.slices_) {
      assert.ok(sl.errorScore > 0.6, `slice ${sl.slice} error score ${sl.errorScore}`);
      assert.notEqual(sl.label, sl.pred);
    }
  });

  it('uses the label and prediction terms: blobs that coincide in embedding space are split by error type', () => {
    const m = knownMixture(2, { separation: 6 });
    // Move the error blobs onto their correct siblings: (0,1) onto (0,0) and (1,0) onto (1,1).
    const d = m.d;
    for (let i = 0; i < m.latents.rows; i++) {
      const c = m.comp[i];
      if (c === 1 || c === 3) {
        const to = c === 1 ? 0 : 2;
        for (let j = 0; j < d; j++) m.latents.data[i * d + j] += m.means[to][j] - m.means[c][j];
      }
    }
    const targets = { labels: m.labels, probs: m.probs };
    const errorOf = (i: number) => (m.comp[i] === 1 || m.comp[i] === 3 ? 1 : 0);
    const slicer = new DominoSlicer({ nMixtureComponents: 4, nSlices: 2, seed: 0 }).fit(m.latents, targets);
    const q = slicer.predictProba(m.latents, targets);
    let inSlices = 0;
    let errors = 0;
    for (let i = 0; i < m.latents.rows; i++) {
      errors += errorOf(i);
      if (errorOf(i) && q[i * 2] + q[i * 2 + 1] > 0.5) inSlices++;
    }
    assert.ok(inSlices / errors > 0.95, `errors captured by the two slices: ${inSlices}/${errors}`);
    // Without the error terms (gamma = gammaHat = 0) the coinciding blobs cannot be told apart.
    const blind = new DominoSlicer({ nMixtureComponents: 4, nSlices: 2, yLogLikelihoodWeight: 0, yHatLogLikelihoodWeight: 0, seed: 0 }).fit(m.latents, targets);
    const qb = blind.predictProba(m.latents, targets);
    let blindIn = 0;
    for (let i = 0; i < m.latents.rows; i++) if (errorOf(i) && qb[i * 2] + qb[i * 2 + 1] > 0.9) blindIn++;
    assert.ok(blindIn / errors < 0.8, `without the error terms the slices still hold ${blindIn}/${errors} errors`);
  });

  it('reduces with PCA to nPcaComponents (capped by the data) and predicts without labels or predictions', () => {
    const m = knownMixture(3, { d: 40 });
    const s = new DominoSlicer({ nMixtureComponents: 8, nPcaComponents: 10, seed: 1 }).fit(m.latents, { labels: m.labels, probs: m.probs });
    assert.equal(s.nDims_, 10);
    assert.equal(s.means_.length, 8 * 10);
    const q = s.predictProba(m.latents);
    assert.equal(q.length, m.latents.rows * 5);
    for (let i = 0; i < m.latents.rows; i++) {
      let sum = 0;
      for (let a = 0; a < 5; a++) sum += q[i * 5 + a];
      assert.ok(sum >= 0 && sum <= 1 + 1e-9);
    }
    const capped = new DominoSlicer({ nMixtureComponents: 4, nSlices: 2, seed: 1 }).fit(m.latents, { labels: m.labels, probs: m.labels });
    assert.equal(capped.nDims_, 40, 'PCA 128 is capped at the 40 features');
    const labels = capped.predict(m.latents, { labels: m.labels, probs: m.labels });
    assert.ok(labels.every((v) => v >= 0 && v < 2));
  });

  it('is deterministic for a seed, for every initialisation, and JSON round-trips exactly', () => {
    const m = knownMixture(4, { n: 600 });
    for (const init of ['confusion', 'kmeans', 'random'] as const) {
      const a = new DominoSlicer({ nMixtureComponents: 6, nSlices: 3, init, seed: 7 }).fit(m.latents, { labels: m.labels, probs: m.probs });
      const b = new DominoSlicer({ nMixtureComponents: 6, nSlices: 3, init, seed: 7 }).fit(m.latents, { labels: m.labels, probs: m.probs });
      assert.equal(JSON.stringify(a), JSON.stringify(b), `${init}: same seed, same bytes`);
      const back = DominoSlicer.fromJSON(JSON.parse(JSON.stringify(a)));
      assert.deepEqual(Array.from(back.predictProba(m.latents, { probs: m.probs })), Array.from(a.predictProba(m.latents, { probs: m.probs })));
    }
    const c = new DominoSlicer({ nMixtureComponents: 6, init: 'random', seed: 8 }).fit(m.latents, { labels: m.labels, probs: m.probs });
    const d = new DominoSlicer({ nMixtureComponents: 6, init: 'random', seed: 7 }).fit(m.latents, { labels: m.labels, probs: m.probs });
    assert.notEqual(JSON.stringify(c), JSON.stringify(d), 'another seed starts elsewhere');
  });

  it('rejects bad input with errors naming the problem', () => {
    const m = knownMixture(5, { n: 100 });
    const t = { labels: m.labels, probs: m.probs };
    assert.throws(() => new DominoSlicer({ nSlices: 30 }), /nSlices \(30\) cannot exceed nMixtureComponents/);
    assert.throws(() => new DominoSlicer({ init: 'spectral' as never }), /init must be/);
    assert.throws(() => new DominoSlicer().predictProba(m.latents), (e: Error) => e.name === 'NotFittedError' && /not fitted yet/.test(e.message));
    assert.throws(() => new DominoSlicer().weights_, /not fitted yet/);
    assert.throws(() => new DominoSlicer().fit(m.latents, { labels: m.labels } as never), /pass \{ labels, probs \}/);
    assert.throws(() => new DominoSlicer({ nMixtureComponents: 3, nSlices: 2 }).fit(m.latents, t), /needs nMixtureComponents >= classes\^2 = 4/);
    assert.throws(() => new DominoSlicer({ nMixtureComponents: 200 }).fit(m.latents, t), /100 rows cannot fit 200 mixture components/);
    const bad = Int32Array.from(m.labels);
    bad[7] = 5;
    assert.throws(() => new DominoSlicer().fit(m.latents, { labels: bad, probs: m.probs }), /labels row 7 is 5/);
    const nan = { ...m.latents, data: Float32Array.from(m.latents.data) };
    nan.data[3 * m.d + 2] = NaN;
    assert.throws(() => new DominoSlicer().fit(nan, t), /row 3, column 2/);
    const s = new DominoSlicer({ nMixtureComponents: 4, nSlices: 2 }).fit(m.latents, t);
    assert.throws(() => s.predictProba({ data: new Float32Array(5), rows: 1, cols: 5 }), /5 columns but the slicer was fitted on 12/);
  });

  it("walks scikit-learn's GaussianMixture EM path when both likelihood weights are 0 (same start, diag)", () => {
    // Fixture: bench/domino/make_fixture.py (scikit-learn 1.2, GaussianMixture started from the
    // parameters of the same initial responsibilities).
    const fx = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'domino', 'gmm-peer.json'), 'utf8'));
    const arr = (e: EncodedArray) => decodeArray(e) as Float32Array | Float64Array;
    const X: Matrix = { data: arr(fx.X) as Float32Array, rows: fx.n, cols: fx.d };
    const R: Matrix = { data: arr(fx.responsibilities) as Float32Array, rows: fx.n, cols: fx.k };
    const s = new DominoSlicer({ nMixtureComponents: fx.k, nSlices: 1, nPcaComponents: null, yLogLikelihoodWeight: 0, yHatLogLikelihoodWeight: 0 })
      .fit(X, { labels: new Int32Array(fx.n), probs: new Int32Array(fx.n) }, { responsibilities: R });
    assert.equal(s.nIter_, fx.nIter);
    assert.equal(s.converged_, fx.converged);
    assert.ok(Math.abs(s.lowerBound_ - fx.lowerBound) < 1e-9, `lower bound ${s.lowerBound_} vs ${fx.lowerBound}`);
    const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol: number) => {
      assert.equal(a.length, b.length, what);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
    };
    close(s.weights_, arr(fx.weights), 'weights', 1e-9);
    close(s.means_, arr(fx.means), 'means', 1e-9);
    close(s.variances_, arr(fx.variances), 'variances', 1e-9);
    close(s.componentProba(X), arr(fx.posterior), 'posterior', 1e-8);
    assert.throws(() => new DominoSlicer({ nMixtureComponents: fx.k, nSlices: 1 }).fit(X, { labels: new Int32Array(fx.n), probs: new Int32Array(fx.n) }, { responsibilities: { data: new Float32Array(8), rows: 2, cols: 4 } }), /must be 400 x 4/);
  });
});
