import { strict as assert } from 'node:assert';
import { PCA } from 'ml-pca';
import { Matrix } from '../../src/util/matrix';
import { Random } from '../../src/util/random';
import { FailureDirections } from '../../src/directions/failure-directions';
import { hardest } from '../../src/directions/table-views';
import { setProgressSink } from '../../src/util/progress';
import { orthogonalPrincipalAxis, projectionPlot } from '../../src/viz';
import { drawProjection } from '../../src/viz/projection-plot';
import { inputOf, syntheticSplits } from '../directions/synthetic';

/** n x d data: a strong spread along `u` (the "direction"), the next strongest along e_2, noise elsewhere. */
function data(n: number, d: number, seed = 1) {
  const rng = new Random(seed);
  const u = new Float32Array(d);
  for (let j = 0; j < d; j++) u[j] = Math.cos(j + 0.5);
  const un = Math.hypot(...u);
  for (let j = 0; j < d; j++) u[j] /= un;
  const x = new Float32Array(n * d);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = 3 * rng.normal();
    const b = 1.5 * rng.normal();
    for (let j = 0; j < d; j++) x[i * d + j] = a * u[j] + 0.1 * rng.normal() + 0.2;
    x[i * d + 2] += b;
    scores[i] = a - 0.5;
  }
  const latents: Matrix = { data: x, rows: n, cols: d };
  const correct = Uint8Array.from(scores, (s) => (s > 0 ? 1 : 0));
  return { latents, direction: u, scores, correct };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
};

describe('orthogonalPrincipalAxis', () => {
  it('is orthogonal to the direction and finds the main remaining spread with a fixed sign', () => {
    const { latents, direction } = data(200, 12);
    const r = orthogonalPrincipalAxis(latents, direction);
    assert.ok(Math.abs(dot(r.axis, direction)) < 1e-10);
    assert.ok(Math.abs(Math.hypot(...r.axis) - 1) < 1e-12);
    // the remaining spread is mostly e_2 (minus its component along u); sign: largest entry positive
    assert.ok(r.axis[2] > 0.9, `axis[2] = ${r.axis[2]}`);
    assert.ok(r.explainedVariance > 0.8 && r.explainedVariance <= 1);
  });
  it('matches PCA (ml-pca SVD) of the data with the direction projected out, on covariance and Gram paths', () => {
    for (const [n, d] of [[80, 10], [15, 40]]) {
      const { latents, direction } = data(n, d, 7);
      const rows: number[][] = [];
      for (let i = 0; i < n; i++) {
        const row = Array.from(latents.data.subarray(i * d, i * d + d));
        const p = dot(row, direction);
        rows.push(row.map((v, j) => v - p * direction[j]));
      }
      const ev = new PCA(rows).getEigenvectors();
      const ref = Array.from({ length: d }, (_, j) => ev.get(j, 0));
      for (const method of ['exact', 'iterative'] as const) {
        const r = orthogonalPrincipalAxis(latents, direction, { method });
        assert.ok(Math.abs(Math.abs(dot(r.axis, ref)) - 1) < 1e-8, `${n}x${d} ${method}: |cos| = ${Math.abs(dot(r.axis, ref))}`);
        // coords are the centred data along the axis
        const mean = new Float64Array(d);
        for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += latents.data[i * d + j] / n;
        const c3 = dot(Array.from(latents.data.subarray(3 * d, 4 * d), (v, j) => v - mean[j]), r.axis);
        assert.ok(Math.abs(r.coords[3] - c3) < 1e-9);
      }
    }
  });
  it('exact and iterative agree (same sign) and handle degenerate input', () => {
    const { latents, direction } = data(300, 30, 3);
    const a = orthogonalPrincipalAxis(latents, direction, { method: 'exact' });
    const b = orthogonalPrincipalAxis(latents, direction, { method: 'iterative' });
    assert.ok(dot(a.axis, b.axis) > 1 - 1e-10);
    const one = orthogonalPrincipalAxis({ data: new Float32Array([1, 2, 3]), rows: 1, cols: 3 }, [1, 0, 0]);
    assert.deepEqual(Array.from(one.coords), [0]);
    assert.ok(Number.isNaN(one.explainedVariance));
    assert.throws(() => orthogonalPrincipalAxis(latents, new Float32Array(30)), /zero vector/);
    assert.throws(() => orthogonalPrincipalAxis(latents, new Float32Array(3)), /direction has 3 entries but latents have 30 columns/);
  });
});

describe('projectionPlot', () => {
  const { latents, direction, scores, correct } = data(120, 8);
  const ids = Array.from({ length: 120 }, (_, i) => `img-${i}`);
  const groups = Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? 'minority' : 'majority'));

  it('x = score, y = the orthogonal PC; two traces by correctness; boundary at 0', () => {
    const fig = drawProjection({ scores, latents, direction, correct, ids, labels: ids.map(() => 'three'), preds: ids.map(() => 'three') }, { title: 't' });
    assert.equal(fig.data.length, 2);
    assert.deepEqual(fig.data.map((t) => t.name), ['correct', 'wrong']);
    assert.ok(fig.data.every((t) => t.type === 'scatter'));
    const nCorrect = correct.reduce((a, b) => a + b, 0);
    assert.equal((fig.data[0].x as number[]).length, nCorrect);
    assert.equal((fig.data[1].x as number[]).length, 120 - nCorrect);
    const { coords } = orthogonalPrincipalAxis(latents, direction);
    const firstCorrect = correct.indexOf(1);
    assert.ok(Math.abs((fig.data[0].y as number[])[0] - coords[firstCorrect]) < 1e-5);
    assert.ok(Math.abs((fig.data[0].x as number[])[0] - scores[firstCorrect]) < 1e-5);
    assert.deepEqual((fig.data[0].customdata as unknown[][])[0], [ids[firstCorrect], 'three', 'three']);
    assert.match(fig.data[0].hovertemplate as string, /id: %\{customdata\[0\]\}.*label.*pred.*score: %\{x/);
    const shapes = fig.layout.shapes as Array<Record<string, unknown>>;
    assert.equal(shapes.length, 1);
    assert.equal(shapes[0].x0, 0);
    assert.equal(shapes[0].x1, 0);
    assert.match(JSON.stringify(fig.layout.yaxis), /orthogonal to the direction/);
    assert.equal(drawProjection({ scores, latents, direction, correct }, { boundary: false }).layout.shapes, undefined);
  });
  it('colours by group with crosses for wrong samples; webgl above the threshold', () => {
    const fig = drawProjection({ scores, latents, direction, correct, ids, groups }, { color: 'group', webglAbove: 100 });
    assert.deepEqual(fig.data.map((t) => t.name), ['majority', 'minority']);
    assert.ok(fig.data.every((t) => t.type === 'scattergl'));
    const symbols = (fig.data[1].marker as { symbol: string[] }).symbol;
    const minorityIdx = groups.map((g, i) => (g === 'minority' ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(symbols, minorityIdx.map((i) => (correct[i] ? 'circle' : 'x')));
  });
  it('is deterministic and JSON-serialisable (no typed arrays), leaving NaN scores out', () => {
    const s2 = Float64Array.from(scores);
    s2[5] = NaN;
    const a = JSON.stringify(drawProjection({ scores: s2, latents, direction, correct, ids }));
    const b = JSON.stringify(drawProjection({ scores: s2, latents, direction, correct, ids }));
    assert.equal(a, b);
    const fig = JSON.parse(a);
    assert.equal(fig.data[0].x.length + fig.data[1].x.length, 119);
    assert.ok(Array.isArray(fig.data[0].x) && Array.isArray(fig.data[0].y));
  });
  it('names mismatched inputs', () => {
    assert.throws(() => drawProjection({ scores: scores.subarray(1), latents, direction, correct }), /projectionPlot: scores has 119 entries, expected 120/);
  });
});

describe('projectionPlot(dirs, scores)', () => {
  setProgressSink(null);
  const S = syntheticSplits(5, { sizes: { train: 300, val: 500, test: 200 } });
  const names = ['a', 'b', 'c', 'd'];
  const dirs = new FailureDirections({ seed: 0 }).setPreprocess(S.train.latents).fit(inputOf(S.val, 'val', names));
  const groups = Array.from(S.test.group, (g) => (g ? 'shifted' : 'plain'));
  const scores = dirs.scores(inputOf(S.test, 'test', names, { groups }));

  it("draws a class's rows of a scores table: x = its SVM score, hover from the table's columns", () => {
    const fig = projectionPlot(dirs, scores, { classId: 'b', color: 'group' });
    const rows = (scores.objects() as any[]).filter((r) => r.label === 1);
    const xs = fig.data.flatMap((t) => t.x as number[]);
    assert.equal(xs.length, rows.length);
    assert.deepEqual(fig.data.map((t) => t.name), ['plain', 'shifted']);
    const shifted = rows.filter((r) => r.group === 'shifted');
    assert.deepEqual((fig.data[1].customdata as unknown[][]).map((c) => c[0]), shifted.map((r) => r.id));
    assert.deepEqual((fig.data[1].x as number[]), shifted.map((r) => Number(r.score.toPrecision(6))));
    assert.deepEqual((fig.data[1].customdata as unknown[][])[0].slice(1), ['b', shifted[0].predName, 'shifted']);
    // A view (the 20 hardest) draws only those rows; a table of one class needs no classId.
    const few = projectionPlot(dirs, hardest(scores, { classId: 1, k: 20 }));
    assert.equal(few.data.flatMap((t) => t.x as number[]).length, 20);
    assert.throws(() => projectionPlot(dirs, scores), /holds 4 classes; pass classId/);
    assert.throws(() => projectionPlot(dirs, scores, { classId: 3 }), /class 3 \('d'\) has no direction/);
    assert.throws(() => projectionPlot(dirs, scores, { classId: 0, color: 'subgroup' }), /no 'subgroup' column/);
  });
});
