import { strict as assert } from 'node:assert';
import * as aq from 'arquero';
import type { ImageDataset } from '../../src/data/image-dataset';
import { FailureDirections, classSamples, easiest, hardest, ofClass, scoreColumns, splitInput } from '../../src/directions';
import { setProgressSink } from '../../src/util/progress';
import { syntheticSplits } from './synthetic';

setProgressSink(null);
const S = syntheticSplits(11, { sizes: { train: 400, val: 600, test: 300 } });
const names = ['cat', 'dog', 'ship', 'truck'];

/** An ImageDataset wrapper around a synthetic split (the pixels are never read here). */
function dataset(labels: Int32Array, name: string, groups?: string[]): ImageDataset {
  return { images: new Uint8Array(0), height: 1, width: 1, channels: 1, labels, classNames: names, ids: Array.from(labels, (_, i) => `${name}-${i}`), groups, name };
}

/** A predict()-shaped table for the split. */
function predTable(ds: ImageDataset, preds: Int32Array, confidences: Float64Array) {
  return aq.table({ id: ds.ids, split: new Array(preds.length).fill(ds.name), label: ds.labels, pred: preds, correct: Array.from(preds, (p, i) => p === ds.labels[i]), confidence: confidences });
}

describe('splitInput', () => {
  const groups = Array.from(S.test.group, (g) => (g ? 'hard' : 'easy'));
  const test = dataset(S.test.labels, 'test', groups);

  it('fills labels, ids, groups and split name from the split, preds and confidences from a predict() table', () => {
    const v = splitInput(test, S.test.latents, predTable(test, S.test.preds, S.test.confidences));
    assert.equal(v.split, 'test');
    assert.deepEqual(Array.from(v.labels), Array.from(S.test.labels));
    assert.deepEqual(v.ids, test.ids);
    assert.deepEqual(v.groups, groups);
    assert.ok(v.preds instanceof Int32Array);
    assert.deepEqual(Array.from(v.preds), Array.from(S.test.preds));
    assert.deepEqual(Array.from(v.confidences), Array.from(S.test.confidences));
    assert.equal(v.latents, S.test.latents);
  });

  it('accepts predictArrays() output, and no predictions at all', () => {
    const v = splitInput(test, S.test.latents, { pred: S.test.preds, confidence: Float32Array.from(S.test.confidences) });
    assert.deepEqual(Array.from(v.preds), Array.from(S.test.preds));
    assert.ok(Math.abs(v.confidences[5] - S.test.confidences[5]) < 1e-7);
    const bare = splitInput(test, S.test.latents);
    assert.equal(bare.preds, undefined);
    assert.equal(bare.confidences, undefined);
  });

  it('carries predictArrays() class probabilities through as probs (checked for rows and classes)', () => {
    const n = S.test.labels.length;
    const probs = { data: new Float32Array(n * 4).fill(0.25), rows: n, cols: 4 };
    const v = splitInput(test, S.test.latents, { pred: S.test.preds, probs });
    assert.equal(v.probs, probs);
    assert.equal(splitInput(test, S.test.latents, { pred: S.test.preds }).probs, undefined);
    assert.throws(() => splitInput(test, S.test.latents, { pred: S.test.preds, probs: { ...probs, rows: 2, data: new Float32Array(8) } }), /split 'test' has 300 images but the probabilities have 2 rows/);
    assert.throws(() => splitInput(test, S.test.latents, { pred: S.test.preds, probs: { data: new Float32Array(n * 3), rows: n, cols: 3 } }), /probabilities of split 'test' have 3 columns but the split has 4 classes/);
  });

  it('gives FailureDirections.scores the same table as spelling the inputs out', () => {
    const val = dataset(S.val.labels, 'val');
    const v = splitInput(val, S.val.latents, predTable(val, S.val.preds, S.val.confidences));
    assert.deepEqual(v.classNames, names);
    const dirs = new FailureDirections({ seed: 0 }).setPreprocess(S.train.latents).fit(v);
    const a = dirs.scores(splitInput(test, S.test.latents, predTable(test, S.test.preds, S.test.confidences)));
    const b = dirs.scores({ latents: S.test.latents, labels: S.test.labels, classNames: names, preds: S.test.preds, confidences: S.test.confidences, ids: test.ids, groups, split: 'test' });
    assert.deepEqual(a.objects(), b.objects());
  });

  it('reads a predictions table (the .npy + CSV path): one split by name, vocabulary from the table', () => {
    const both = predTable(test, S.test.preds, S.test.confidences)
      .derive({ className: aq.escape((d: any) => names[d.label]), predName: aq.escape((d: any) => names[d.pred]) })
      .concat(predTable(dataset(S.val.labels, 'val'), S.val.preds, S.val.confidences).derive({ className: aq.escape((d: any) => names[d.label]), predName: aq.escape((d: any) => names[d.pred]) }));
    const v = splitInput(both, S.val.latents, { split: 'val' });
    assert.equal(v.split, 'val');
    assert.deepEqual(v.classNames, names);
    assert.deepEqual(Array.from(v.preds), Array.from(S.val.preds));
    assert.equal(v.ids[0], 'val-0');
    assert.throws(() => splitInput(both, S.val.latents), /holds several splits \(test, val\); pass \{ split: '<name>' \}/);
    assert.throws(() => splitInput(both, S.val.latents, { split: 'train' }), /no rows of split 'train' \(splits: 'test', 'val'\)/);
    // A table without names needs the vocabulary.
    const bare = predTable(test, S.test.preds, S.test.confidences);
    assert.throws(() => splitInput(bare, S.test.latents), /carries no class names.*pass \{ classNames \}/);
    assert.deepEqual(splitInput(bare, S.test.latents, { classNames: names }).classNames, names);
  });

  it("takes the split's own rows from a predictions table holding several splits", () => {
    const val = dataset(S.val.labels, 'val');
    const both = predTable(test, S.test.preds, S.test.confidences).concat(predTable(val, S.val.preds, S.val.confidences));
    const v = splitInput(val, S.val.latents, both);
    assert.deepEqual(Array.from(v.preds), Array.from(S.val.preds));
    const noSplits = predTable(test, S.test.preds, S.test.confidences).derive({ split: () => '' });
    assert.throws(() => splitInput(noSplits, S.test.latents, { split: 'test', classNames: names }), /names no splits \(its file has no 'split' column\).*one table per split/);
  });

  it('refuses mismatched vocabularies and ids out of range, naming both sides', () => {
    const table = predTable(test, S.test.preds, S.test.confidences);
    const wrongNames = table.derive({ predName: aq.escape((d: any) => ['a', 'b', 'c', 'd'][d.pred]) });
    assert.throws(() => splitInput(test, S.test.latents, wrongNames), /row 0 of split 'test' has predName '[a-d]' for class id \d, but the vocabulary calls class \d '(cat|dog|ship|truck)'/);
    const outOfRange = Int32Array.from(S.test.preds, (p, i) => (i === 4 ? 7 : p));
    assert.throws(() => splitInput(test, S.test.latents, { pred: outOfRange }), /predicted class 7 at row 4 of split 'test' is outside its vocabulary \(4 classes: 'cat', 'dog', 'ship', 'truck'\)/);
  });

  it('rejects misaligned inputs, naming the split, row and value', () => {
    const table = predTable(test, S.test.preds, S.test.confidences);
    assert.throws(() => splitInput(test, { ...S.test.latents, rows: 10 }, table), /split 'test' has 300 images but the latents have 10 rows/);
    assert.throws(() => splitInput(test, S.test.latents, table.slice(0, 299)), /predictions table has 299 rows/);
    const shuffled = table.orderby(aq.desc('confidence'));
    assert.throws(() => splitInput(test, S.test.latents, shuffled), /row 0 of the predictions table has id "test-\d+" but split 'test' has "test-0"/);
    assert.throws(() => splitInput(test, S.test.latents, table.select('id', 'confidence')), /no 'pred' column \(columns: id, confidence\)/);
    const bad = Int32Array.from(S.test.preds);
    assert.throws(() => splitInput(test, S.test.latents, { pred: Float64Array.from(bad, (p, i) => (i === 7 ? 1.5 : p)), confidence: new Float32Array(300) }), /row 7 of split 'test' is 1.5/);
  });
});

describe('classSamples and the table views', () => {
  const groups = Array.from(S.test.group, (g) => (g ? 'hard' : 'easy'));
  const test = dataset(S.test.labels, 'test', groups);
  const val = dataset(S.val.labels, 'val');
  const v = splitInput(val, S.val.latents, { pred: S.val.preds, confidence: new Float32Array(S.val.preds.length) });
  const dirs = new FailureDirections({ seed: 0 }).setPreprocess(S.train.latents).fit(v);
  const input = splitInput(test, S.test.latents, predTable(test, S.test.preds, S.test.confidences));
  const scores = dirs.scores(input);

  it("matches the scores table on the class's rows, also through filtered and ordered views", () => {
    const c = 1;
    const score = scores.array('score') as Float64Array;
    const expectedRows = Array.from(S.test.labels.keys()).filter((i) => S.test.labels[i] === c);
    for (const view of [scores, scores.filter((d: any) => d.label >= 1), ofClass(scores, 'dog')]) {
      const s = classSamples(dirs, view, c);
      assert.deepEqual(Array.from(s.rows), expectedRows);
      assert.equal(s.className, 'dog');
      assert.equal(s.latents.rows, expectedRows.length);
      expectedRows.forEach((r, k) => {
        assert.equal(s.scores[k], score[r]);
        assert.equal(s.correct[k], S.test.preds[r] === c ? 1 : 0);
        assert.equal(s.column('id')[k], `test-${r}`);
        assert.equal(s.column('group')[k], groups[r]);
        assert.equal(s.column('predName')[k], names[S.test.preds[r]]);
      });
    }
    // In the view's order.
    const sorted = classSamples(dirs, scores.orderby('score'), c);
    for (let k = 1; k < sorted.scores.length; k++) assert.ok(sorted.scores[k - 1] <= sorted.scores[k]);
    const s = classSamples(dirs, scores, c);
    let norm = 0;
    for (let j = 0; j < s.latents.cols; j++) norm += s.latents.data[j] ** 2;
    assert.ok(Math.abs(norm - 1) < 1e-5);
    assert.deepEqual(Array.from(s.direction), Array.from(dirs.direction(c)));
  });

  it('feeds fitPath: scores at the chosen C equal the fitted scores', () => {
    const s = classSamples(dirs, scores, 0);
    const chosen = (dirs.cvResults_.objects() as any[]).find((r) => r.class === 0 && r.chosen).C;
    const path = dirs.fitPath(0).map((svm) => svm.decisionFunction(s.latents));
    const k = dirs.options.Cs.indexOf(chosen);
    for (let i = 0; i < s.scores.length; i++) assert.ok(Math.abs(path[k][i] - s.scores[i]) < 1e-3 * (1 + Math.abs(s.scores[i])));
  });

  it('without predictions every sample counts as correct and hasPredictions is false', () => {
    const s = classSamples(dirs, dirs.scores(splitInput(test, S.test.latents)), 0);
    assert.equal(s.hasPredictions, false);
    assert.ok(s.correct.every((c) => c === 1));
  });

  it('hardest / easiest / ofClass: k per class, sorted, NaN left out, still linked to the input', () => {
    const h = hardest(scores, { k: 5 });
    const rows = h.objects() as any[];
    assert.deepEqual(rows.map((r) => r.label), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]); // class 3 has no direction
    assert.deepEqual(rows.filter((r) => r.label === 1).map((r) => r.rankInClass), [0, 1, 2, 3, 4]);
    const e = easiest(scores, { classId: 'ship', k: 3 }).objects() as any[];
    const shipScores = (ofClass(scores, 2).array('score') as Float64Array).slice().sort((a, b) => b - a);
    assert.deepEqual(e.map((r) => r.score), Array.from(shipScores.slice(0, 3)));
    const byConf = hardest(scores, { classId: 0, k: 4, by: 'confidence' }).array('confidence') as Float64Array;
    for (let k = 1; k < 4; k++) assert.ok(byConf[k - 1] <= byConf[k]);
    assert.equal(classSamples(dirs, hardest(scores, { classId: 0, k: 5 })).scores.length, 5);
    assert.throws(() => hardest(scores, { classId: 'plane' }), /no class named 'plane' \(classes: cat, dog, ship, truck\)/);
    assert.throws(() => hardest(scores, { k: 0 }), /k must be a positive integer/);
  });

  it('hardest / easiest say when a class has no direction, instead of returning nothing', () => {
    assert.throws(() => hardest(scores, { classId: 'truck' }), /hardest: class 3 \('truck'\) has no direction \(every score is NaN; dirs\.classSummary_ says why/);
    assert.throws(() => easiest(ofClass(scores, 0), { classId: 1 }), /the table has no rows of class 1 \('dog'\)/);
  });

  it('errors name the class and why', () => {
    assert.throws(() => classSamples(dirs, scores, 3), /class 3 \('truck'\) has no direction: no errors/);
    assert.throws(() => classSamples(dirs, scores.orderby('score').reify(), 1), /not \(a view of\) a scores table/);
    assert.throws(() => classSamples(dirs, scores), /the table holds 4 classes; pass classId/);
    assert.throws(() => classSamples(dirs, ofClass(scores, 0), 1), /has no rows of class 1 \('dog'\)/);
    assert.throws(() => classSamples(new FailureDirections(), scores, 0), /not fitted/);
  });
});

describe('scoreColumns', () => {
  const groups = Array.from(S.test.group, (g) => (g ? 'hard' : 'easy'));
  const test = dataset(S.test.labels, 'test', groups);
  const val = dataset(S.val.labels, 'val');
  const v = splitInput(val, S.val.latents, { pred: S.val.preds });
  const dirs = new FailureDirections({ seed: 0 }).setPreprocess(S.train.latents).fit(v);
  const table = dirs.scores(splitInput(test, S.test.latents, predTable(test, S.test.preds, S.test.confidences)));

  it('returns every vocabulary column typed and row-aligned, also after filtering and sorting', () => {
    const t = table.filter((d: any) => d.label !== 2).orderby('score');
    const c = scoreColumns(t);
    const rows = t.objects() as any[];
    assert.equal(c.n, rows.length);
    assert.ok(c.score instanceof Float64Array && c.label instanceof Int32Array && c.correct instanceof Uint8Array);
    rows.forEach((r, i) => {
      assert.equal(c.id[i], r.id);
      assert.ok(Object.is(c.score[i], r.score) || (Number.isNaN(c.score[i]) && Number.isNaN(r.score)));
      assert.equal(c.label[i], r.label);
      assert.equal(c.className[i], r.className);
      assert.equal(c.pred[i], r.pred);
      assert.equal(c.correct[i], r.correct ? 1 : 0);
      assert.equal(c.confidence[i], r.confidence);
      assert.equal(c.flagged[i], r.flagged ? 1 : 0);
      assert.ok(Object.is(c.rankInClass[i], r.rankInClass) || (Number.isNaN(c.rankInClass[i]) && Number.isNaN(r.rankInClass)));
      assert.equal(c.group![i], r.group);
      assert.equal(c.split![i], 'test');
    });
    // Class 3 has no SVM: NaN scores and ranks pass through.
    assert.ok(Array.from(c.label.keys()).some((i) => c.label[i] === 3 && Number.isNaN(c.score[i])));
  });

  it('names the missing column, or the null one', () => {
    assert.throws(() => scoreColumns(table.select('id', 'score')), /no 'label' column \(columns: id, score\)/);
    const noPreds = dirs.scores(splitInput(test, S.test.latents));
    assert.throws(() => scoreColumns(noPreds), /column 'pred' is null at row 0 \(scores made without the model's predictions\)/);
    assert.equal(scoreColumns(table.select(aq.not('group', 'split'))).group, undefined);
  });
});
