import { strict as assert } from 'node:assert';
import * as aq from 'arquero';
import { precisionAtKCurve } from '../../src/metrics';
import { Random } from '../../src/util/random';
import { captionPlot, cSweepPlot, precisionAtKPlot, scoreHistogram } from '../../src/viz';

type Trace = Record<string, any>;

describe('scoreHistogram', () => {
  const rng = new Random(2);
  const n = 90;
  const score = Float64Array.from({ length: n }, () => rng.normal());
  const correct = Uint8Array.from(score, (s) => (s > -0.3 ? 1 : 0));
  const className = Array.from({ length: n }, (_, i) => ['cat', 'dog', 'ship'][i % 3]);
  const group = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 'rare' : 'common'));
  const table = aq.table({ score, correct: Array.from(correct, (c) => c === 1), className, group, label: className.map((c) => ({ cat: 2, dog: 0, ship: 1 })[c]!) });

  it('one panel, correct vs wrong overlaid on shared bins, boundary at 0', () => {
    const fig = scoreHistogram(table, { facet: null });
    assert.deepEqual(fig.data.map((t) => t.name), ['correct', 'wrong']);
    assert.ok(fig.data.every((t) => t.type === 'histogram' && t.xaxis === 'x' && t.histnorm === 'probability'));
    assert.deepEqual(fig.data[0].xbins, fig.data[1].xbins);
    assert.equal(fig.layout.barmode, 'overlay');
    const [shape] = fig.layout.shapes as Trace[];
    assert.equal(shape.x0, 0);
    assert.equal(shape.x1, 0);
    assert.equal((fig.data[0].x as number[]).length + (fig.data[1].x as number[]).length, n);
  });
  it('one panel per class in a grid, each with its own axes and title', () => {
    const fig = scoreHistogram(table.select('score', 'correct', 'className'), { columns: 2, normalize: false });
    assert.equal(fig.data.length, 6);
    assert.deepEqual([...new Set(fig.data.map((t) => t.xaxis))], ['x', 'x2', 'x3']);
    assert.deepEqual(fig.layout.grid, { rows: 2, columns: 2, pattern: 'independent', roworder: 'top to bottom', ygap: 0.35, xgap: 0.12 });
    assert.ok(fig.layout.xaxis3 && fig.layout.yaxis3);
    assert.equal((fig.layout.annotations as Trace[]).length, 3);
    assert.match((fig.layout.annotations as Trace[])[0].text, /cat/);
    assert.equal((fig.layout.shapes as Trace[]).length, 3);
    // legend entries once, not per panel
    assert.equal(fig.data.filter((t) => t.showlegend).length, 2);
    assert.ok(fig.data.every((t) => t.histnorm === ''));
  });
  it('orders panels by class id when labels are given', () => {
    const fig = scoreHistogram(table);
    assert.deepEqual((fig.layout.annotations as Trace[]).map((a) => a.text.match(/<b>(.*)<\/b>/)[1]), ['dog', 'ship', 'cat']);
  });
  it('splits by group when given: colour per group, hatched wrong', () => {
    const fig = scoreHistogram(table, { color: 'group', facet: null });
    assert.deepEqual(fig.data.map((t) => t.name), ['common · correct', 'common · wrong', 'rare · correct', 'rare · wrong']);
    const [d0, d1, d2] = fig.data as Trace[];
    assert.ok(d1.marker.pattern && !d0.marker.pattern);
    assert.equal(d0.marker.color, d1.marker.color);
    assert.notEqual(d0.marker.color, d2.marker.color);
    assert.match((fig.layout.legend as Trace).title.text, /group · prediction/);
  });
  it('one class by id or name; other x columns; missing columns named', () => {
    const one = scoreHistogram(table, { classId: 'ship' });
    assert.equal((one.layout.annotations as Trace[]).length, 1);
    assert.match((one.layout.annotations as Trace[])[0].text, /ship/);
    const conf = scoreHistogram(table.derive({ c2: (d: any) => d.score * 2 }), { x: 'c2', facet: null });
    assert.equal(Math.max(...(conf.data[0].x as number[])), Math.max(...Array.from(score).filter((s, i) => correct[i]).map((s) => Number((s * 2).toPrecision(6)))));
    assert.throws(() => scoreHistogram(table, { color: 'subgroup' }), /no 'subgroup' column \(columns: score, correct, className, group, label\)/);
    assert.throws(() => scoreHistogram(table.derive({ correct: () => null })), /column 'correct' is null at row 0/);
  });
  it('deterministic', () => {
    assert.equal(JSON.stringify(scoreHistogram(table, { color: 'group' })), JSON.stringify(scoreHistogram(table, { color: 'group' })));
  });
});

/** A long-form CV results table, as FailureDirections.cvResults_ gives it. */
function cvTable(details: Array<{ classId: number; className: string; Cs: number[]; acc: number[]; chosenC: number | null; status: string; converged?: boolean[] }>) {
  const rows: Record<string, unknown>[] = [];
  for (const d of details) d.Cs.forEach((C, k) => rows.push({ class: d.classId, className: d.className, C, balancedAccuracy: d.acc[k], converged: d.converged ? d.converged[k] : true, chosen: C === d.chosenC, status: d.status }));
  return aq.from(rows);
}

describe('cSweepPlot', () => {
  const Cs = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1];
  const table = cvTable([
    { classId: 0, className: 'zero', Cs, acc: [0.5, 0.5, 0.55, 0.7, 0.72, 0.68, 0.66], chosenC: 1e-2, status: 'ok' },
    { classId: 1, className: 'one', Cs, acc: [0.5, 0.52, 0.6, 0.61, NaN, 0.6, 0.58], chosenC: 1e-3, status: 'ok', converged: [true, true, true, true, true, false, false] },
    { classId: 2, className: 'two', Cs, acc: Cs.map(() => NaN), chosenC: null, status: 'too few errors (1 < 2 folds)' },
  ]);
  it('log x axis, a line per class, the chosen C starred at its accuracy', () => {
    const fig = cSweepPlot(table);
    assert.equal((fig.layout.xaxis as Trace).type, 'log');
    assert.equal(fig.data.length, 5); // three lines + two stars
    const [line0, star0, line1, star1, line2] = fig.data as Trace[];
    assert.deepEqual(line0.x, Cs);
    assert.equal(star0.marker.symbol, 'star');
    assert.deepEqual(star0.x, [1e-2]);
    assert.deepEqual(star0.y, [0.72]);
    assert.deepEqual(star1.y, [0.61]);
    assert.equal(line1.y[4], null); // NaN -> gap
    assert.equal(line1.marker.symbol[5], 'circle-open');
    assert.match(line2.name, /2 · two \(too few errors/);
    assert.equal(line2.line.dash, 'dot');
    assert.ok((line2.y as unknown[]).every((v) => v === null));
    assert.equal((fig.layout.shapes as Trace[])[0].y0, 0.5);
  });
  it('reads the real cvResults_ columns, sorts an unsorted grid and rejects bad input', () => {
    const fig = cSweepPlot(cvTable([{ classId: 0, className: 'a', Cs: [1, 0.01, 0.1], acc: [0.6, 0.7, 0.8], chosenC: 0.1, status: 'ok' }]));
    assert.deepEqual(fig.data[0].x, [0.01, 0.1, 1]);
    assert.deepEqual(fig.data[0].y, [0.7, 0.8, 0.6]);
    assert.throws(() => cSweepPlot(cvTable([{ classId: 4, className: 'a', Cs: [0], acc: [0.5], chosenC: null, status: 'ok' }])), /non-positive C/);
    assert.throws(() => cSweepPlot(aq.table({ class: [0] })), /no 'className' column.*pass dirs\.cvResults_/);
  });
});

describe('precisionAtKPlot', () => {
  const rng = new Random(9);
  const n = 200;
  const target = Uint8Array.from({ length: n }, () => (rng.next() < 0.2 ? 1 : 0));
  const svm = Float64Array.from(target, (t) => (t ? -1 : 1) + rng.normal());
  const confidence = Float64Array.from(target, (t) => (t ? 0.6 : 0.8) + 0.3 * rng.next());
  const table = aq.table({ label: new Int32Array(n), className: new Array(n).fill('a'), score: svm, confidence, correct: Array.from(target, (t) => t === 0), group: Array.from(target, (t) => (t ? 'minority' : 'majority')) });

  it('one curve per ranking, K = 1..maxK, values from precisionAtKCurve', () => {
    const fig = precisionAtKPlot(table, { maxK: 50 });
    assert.deepEqual(fig.data.map((t) => t.name), ['SVM score', 'confidence', 'random']);
    const curve = precisionAtKCurve(svm, target, 50);
    assert.deepEqual(fig.data[0].x, Array.from({ length: 50 }, (_, i) => i + 1));
    (fig.data[0].y as number[]).forEach((v, i) => assert.ok(Math.abs(v - curve.precision[i]) < 1e-4));
    const rate = target.reduce((a, b) => a + b, 0) / n;
    assert.ok(Math.abs((fig.layout.shapes as Trace[])[0].y0 - rate) < 1e-12);
    assert.deepEqual((fig.layout.yaxis as Trace).range, [0, 1.02]);
    // The same curves for the group target, and the random ranking is seeded.
    const byGroup = precisionAtKPlot(table, { maxK: 50, target: { group: 'minority' } });
    assert.deepEqual(byGroup.data[0].y, fig.data[0].y);
    assert.deepEqual(byGroup.data[2].y, fig.data[2].y);
    assert.notDeepEqual(precisionAtKPlot(table, { maxK: 50, seed: 1 }).data[2].y, fig.data[2].y);
  });
  it('chosen rankings, K clipped to n, errors name columns', () => {
    const fig = precisionAtKPlot(table.slice(0, 20), { maxK: 100, rankings: ['score'], target: { column: 'correct' }, targetName: 'correct ones' });
    assert.equal(fig.data.length, 1);
    assert.equal((fig.data[0].x as number[]).length, 20);
    assert.match((fig.layout.yaxis as Trace).title.text, /correct ones/);
    assert.throws(() => precisionAtKPlot(table, { rankings: ['entropy'] }), /no 'entropy' column/);
    assert.throws(() => precisionAtKPlot(table, { target: 'minority' as never }), /target must be 'errors', \{ group \} or \{ column \}/);
  });
});

describe('captionPlot', () => {
  const caption = ['a photo of a red three', 'a photo of a thin three', 'a photo of a three', 'a photo of a blue three', 'a photo of a bold three', 'a photo of a green three'];
  const score = [-0.5, -0.1, 0.05, 0.4, 0.9, NaN];
  it('lowest and highest captions as horizontal bars, sorted by score', () => {
    const fig = captionPlot({ caption, score }, { top: 2 });
    assert.equal(fig.data.length, 2);
    assert.ok(fig.data.every((t) => t.type === 'bar' && t.orientation === 'h'));
    assert.deepEqual(fig.data[0].y, ['a photo of a red three', 'a photo of a thin three']);
    assert.deepEqual(fig.data[1].y, ['a photo of a blue three', 'a photo of a bold three']);
    assert.deepEqual((fig.layout.yaxis as Trace).categoryarray, [...(fig.data[0].y as string[]), ...(fig.data[1].y as string[])]);
    assert.equal((fig.layout.yaxis as Trace).autorange, 'reversed');
  });
  it('reads an Arquero table; small inputs split without overlap', () => {
    const t = aq.table({ caption: caption.slice(0, 3), score: score.slice(0, 3) });
    const fig = captionPlot(t, { top: 10 });
    assert.deepEqual(fig.data[0].y, ['a photo of a red three', 'a photo of a thin three']);
    assert.deepEqual(fig.data[1].y, ['a photo of a three']);
    assert.throws(() => captionPlot(aq.table({ text: ['a'] })), /no 'caption' column/);
    assert.equal(JSON.stringify(captionPlot(t)), JSON.stringify(captionPlot(t)));
  });
});
