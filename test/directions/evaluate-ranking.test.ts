import { strict as assert } from 'node:assert';
import * as aq from 'arquero';
import { evaluateRanking } from '../../src/directions';
import { auroc, averagePrecision, precisionAtKScore } from '../../src/metrics';
import { Random } from '../../src/util/random';

const close = (a: unknown, b: number, tol = 1e-12) => assert.ok(typeof a === 'number' && Math.abs(a - b) <= tol, `${a} != ${b}`);

/** A scores table in the project's columns: two classes, a hidden 'disagrees' group the SVM finds. */
function makeTable(nPerClass = 60, seed = 3) {
  const rng = new Random(seed);
  const cols: Record<string, unknown[]> = { id: [], split: [], label: [], className: [], pred: [], correct: [], confidence: [], score: [], flagged: [], rankInClass: [], group: [] };
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < nPerClass; i++) {
      const minority = i % 4 === 0;
      const correct = minority ? rng.next() < 0.4 : rng.next() < 0.9;
      // SVM score: strongly tied to the group, confidence: weakly tied to correctness only.
      const score = (minority ? -1 : 1) + 0.6 * rng.normal();
      const confidence = (correct ? 0.7 : 0.55) + 0.15 * rng.next();
      cols.id.push(`c${c}-${i}`);
      cols.split.push('test');
      cols.label.push(c);
      cols.className.push(c === 0 ? 'zero' : 'one');
      cols.pred.push(correct ? c : 1 - c);
      cols.correct.push(correct);
      cols.confidence.push(confidence);
      cols.score.push(score);
      cols.flagged.push(score < 0);
      cols.rankInClass.push(0);
      cols.group.push(minority ? 'disagrees' : 'agrees');
    }
  }
  return { t: aq.table(cols), cols };
}

function row(t: aq.ColumnTable, className: string, method: string) {
  const rows = t.objects().filter((r: any) => r.className === className && r.method === method);
  assert.equal(rows.length, 1, `one row for ${className}/${method}`);
  return rows[0] as Record<string, any>;
}

describe('evaluateRanking', () => {
  it('has the documented columns and one row per class and method plus "all" rows', () => {
    const { t } = makeTable();
    const r = evaluateRanking(t, { group: 'disagrees' });
    assert.deepEqual(r.columnNames(), ['class', 'className', 'method', 'n', 'nTarget', 'baseRate', 'auroc', 'ap', 'precision@10', 'precision@50', 'precision@100', 'flagPrecision', 'flagRecall']);
    assert.equal(r.numRows(), 2 * 3 + 3);
    assert.deepEqual(r.array('method').slice(0, 3), ['svm', 'confidence', 'random']);
    assert.deepEqual(Array.from(r.array('className')).slice(-3), ['all', 'all', 'all']);
    assert.equal(row(r, 'all', 'svm').class, null);
  });

  it('computes each cell with the metrics on that class (group target)', () => {
    const { t, cols } = makeTable();
    const r = evaluateRanking(t, { group: 'disagrees', ks: [5, 20] });
    for (const c of [0, 1]) {
      const idx = cols.label.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
      const y = idx.map((i) => (cols.group[i] === 'disagrees' ? 1 : 0));
      const s = idx.map((i) => cols.score[i] as number);
      const conf = idx.map((i) => cols.confidence[i] as number);
      const name = c === 0 ? 'zero' : 'one';
      const svm = row(r, name, 'svm');
      assert.equal(svm.n, 60);
      assert.equal(svm.nTarget, 15);
      close(svm.baseRate, 0.25);
      close(svm.auroc, auroc(s, y));
      close(svm.ap, averagePrecision(s, y));
      close(svm['precision@5'], precisionAtKScore(s, y, 5));
      close(svm['precision@20'], precisionAtKScore(s, y, 20));
      const flagged = s.map((v) => v < 0);
      const tp = flagged.filter((f, j) => f && y[j]).length;
      close(svm.flagPrecision, tp / flagged.filter(Boolean).length);
      close(svm.flagRecall, tp / 15);
      const cf = row(r, name, 'confidence');
      close(cf.auroc, auroc(conf, y));
      assert.equal(cf.flagPrecision, null);
    }
    // The SVM score is built to find the group; confidence barely is.
    assert.ok(row(r, 'all', 'svm').auroc > 0.85);
    assert.ok(row(r, 'all', 'svm').auroc > row(r, 'all', 'confidence').auroc);
  });

  it("'all' rows are unweighted means over classes; n and nTarget are totals", () => {
    const { t } = makeTable();
    const r = evaluateRanking(t);
    for (const m of ['svm', 'confidence', 'random']) {
      const a = row(r, 'all', m), z = row(r, 'zero', m), o = row(r, 'one', m);
      close(a.auroc, (z.auroc + o.auroc) / 2);
      close(a.ap, (z.ap + o.ap) / 2);
      close(a['precision@10'], (z['precision@10'] + o['precision@10']) / 2);
      assert.equal(a.n, z.n + o.n);
      assert.equal(a.nTarget, z.nTarget + o.nTarget);
    }
  });

  it('defaults to errors (correct == false) and accepts a target column, mask or predicate', () => {
    const { t, cols } = makeTable();
    const errors = cols.correct.map((c) => !c);
    const byDefault = evaluateRanking(t, { baselines: [] });
    const byMask = evaluateRanking(t, { baselines: [], target: errors });
    const byColumn = evaluateRanking(t.derive({ wrong: (d: any) => !d.correct }), { baselines: [], target: 'wrong' });
    assert.deepEqual(byDefault.objects(), byMask.objects());
    assert.deepEqual(byDefault.objects(), byColumn.objects());
    assert.equal(row(byDefault, 'zero', 'svm').nTarget, errors.slice(0, 60).filter(Boolean).length);
    const byPredicate = evaluateRanking(t, { group: (g) => g === 'disagrees' });
    assert.deepEqual(byPredicate.objects(), evaluateRanking(t, { group: 'disagrees' }).objects());
  });

  it('random baseline is seeded: same seed same table, other seed other numbers', () => {
    const { t } = makeTable();
    const a = evaluateRanking(t, { seed: 1 }).objects();
    const b = evaluateRanking(t, { seed: 1 }).objects();
    const c = evaluateRanking(t, { seed: 2 }).objects();
    assert.deepEqual(a, b);
    const rnd = (x: any[]) => x.filter((r) => r.method === 'random').map((r) => r.auroc);
    assert.notDeepEqual(rnd(a), rnd(c));
  });

  it('excludes NaN scores per method (a class the SVM skipped gets NaN SVM metrics)', () => {
    const { cols } = makeTable();
    const score = cols.score.map((s, i) => (cols.label[i] === 1 ? NaN : i === 0 ? NaN : s));
    const r = evaluateRanking(aq.table({ ...cols, score }), { group: 'disagrees' });
    assert.equal(row(r, 'zero', 'svm').n, 59);
    assert.equal(row(r, 'one', 'svm').n, 0);
    assert.ok(Number.isNaN(row(r, 'one', 'svm').auroc));
    assert.equal(row(r, 'one', 'confidence').n, 60);
    // the 'all' mean skips the undefined class
    close(row(r, 'all', 'svm').auroc, row(r, 'zero', 'svm').auroc);
  });

  it('clear errors for missing columns and bad options', () => {
    const { t } = makeTable(8);
    assert.throws(() => evaluateRanking(t.select('label', 'score', 'correct'), {}), /no 'confidence' column \(needed for the 'confidence' baseline\)/);
    assert.throws(() => evaluateRanking(t.select('label', 'score', 'confidence'), {}), /no 'correct' column/);
    assert.throws(() => evaluateRanking(t.select('label', 'score', 'correct', 'confidence'), { group: 'x' }), /no 'group' column/);
    assert.throws(() => evaluateRanking(t, { group: 'x', target: 'correct' }), /either group or target/);
    assert.throws(() => evaluateRanking(t, { ks: [0] }), /positive integers/);
    assert.throws(() => evaluateRanking(t, { baselines: ['oracle' as any] }), /unknown baseline 'oracle'/);
    assert.throws(() => evaluateRanking(t, { target: [true] }), /target has 1 entries but the table has 16 rows/);
    assert.throws(() => evaluateRanking({} as any), /must be an Arquero table/);
    const noPreds = t.derive({ correct: () => null });
    assert.throws(() => evaluateRanking(noPreds), /'correct' row 0 is null \(scores without predictions\?\); pass group or target/);
    assert.equal(evaluateRanking(noPreds, { group: 'disagrees' }).numRows(), 9);
  });

  it('ranks by the label-free baselines (max softmax, entropy) and by named rankings of your own', () => {
    const { t, cols } = makeTable();
    const n = cols.label.length;
    // Class probabilities: the model is less sure on the minority.
    const probs = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const top = cols.group[i] === 'disagrees' ? 0.55 + 0.1 * (i % 3) / 3 : 0.8 + 0.15 * (i % 5) / 5;
      const p = cols.pred[i] as number;
      probs[i * 2 + p] = top;
      probs[i * 2 + 1 - p] = 1 - top;
    }
    const P = { data: probs, rows: n, cols: 2 };
    const domino = Float64Array.from({ length: n }, (_, i) => (cols.group[i] === 'disagrees' ? -0.9 : -0.1));
    const r = evaluateRanking(t, { group: 'disagrees', baselines: ['confidence', 'maxSoftmax', 'entropy', 'random'], probs: P, rankings: { domino } });
    assert.deepEqual([...new Set(r.array('method') as string[])], ['svm', 'confidence', 'maxSoftmax', 'entropy', 'random', 'domino']);
    for (const c of [0, 1]) {
      const idx = cols.label.map((l, i) => (l === c ? i : -1)).filter((i) => i >= 0);
      const y = idx.map((i) => (cols.group[i] === 'disagrees' ? 1 : 0));
      const ms = idx.map((i) => Math.max(probs[i * 2], probs[i * 2 + 1]));
      const negH = idx.map((i) => [probs[i * 2], probs[i * 2 + 1]].reduce((a, p) => a + (p > 0 ? p * Math.log(p) : 0), 0));
      close(row(r, c === 0 ? 'zero' : 'one', 'maxSoftmax').auroc, auroc(ms, y));
      close(row(r, c === 0 ? 'zero' : 'one', 'entropy').ap, averagePrecision(negH, y), 1e-9);
      close(row(r, c === 0 ? 'zero' : 'one', 'domino').auroc, 1);
    }
    assert.equal(row(r, 'all', 'domino').flagPrecision, null);
    assert.throws(() => evaluateRanking(t, { baselines: ['entropy'] }), /baseline 'entropy' needs probs/);
    assert.throws(() => evaluateRanking(t, { baselines: ['maxSoftmax'], probs: { data: new Float32Array(4), rows: 2, cols: 2 } }), /probs has 2 rows but the table has 120/);
    assert.throws(() => evaluateRanking(t, { rankings: { domino: [1, 2] } }), /rankings.domino has 2 values but the table has 120 rows/);
    assert.throws(() => evaluateRanking(t, { rankings: { random: domino } }), /would shadow a built-in method/);
  });
});
