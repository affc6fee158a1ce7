import { strict as assert } from 'node:assert';
import * as aq from 'arquero';
import type { ImageDataset } from '../../src/data/image-dataset';
import { FailureDirections, classSamples, scoreColumns, splitInput } from '../../src/directions';
import { setProgressSink } from '../../src/progress';
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
    assert.throws(() => splitInput(test, S.test.latents, { pred: S.test.preds, probs: { ...probs, rows: 2, data: new Float32Array(8) } }), /split 'test' has 300 images but the class probabilities have 2 rows/);
    assert.throws(() => splitInput(test, S.test.latents, { pred: S.test.preds, probs: { data: new Float32Array(n * 3), rows: n, cols: 3 } }), /has 4 classes but the class probabilities have 3 columns/);
  });

  it('gives FailureDirections.scores the same table as spelling the inputs out', () => {
    const train = dataset(S.train.labels, 'train');
    const val = dataset(S.val.labels, 'val');
    const v = splitInput(val, S.val.latents, predTable(val, S.val.preds, S.val.confidences));
    const dirs = new FailureDirections({ randomState: 0 }).setPreprocess(S.train.latents).fit(v.latents, v.labels, v.preds, { classNames: train.classNames });
    const a = dirs.scores(splitInput(test, S.test.latents, predTable(test, S.test.preds, S.test.confidences)));
    const b = dirs.scores({ latents: S.test.latents, labels: S.test.labels, preds: S.test.preds, confidences: S.test.confidences, ids: test.ids, groups, split: 'test' });
    assert.deepEqual(a.objects(), b.objects());
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

describe('classSamples', () => {
  const groups = Array.from(S.test.group, (g) => (g ? 'hard' : 'easy'));
  const test = dataset(S.test.labels, 'test', groups);
  const val = dataset(S.val.labels, 'val');
  const v = splitInput(val, S.val.latents, { pred: S.val.preds, confidence: new Float32Array(S.val.preds.length) });
  const dirs = new FailureDirections({ randomState: 0 }).setPreprocess(S.train.latents).fit(v.latents, v.labels, v.preds, { classNames: names });
  const input = splitInput(test, S.test.latents, predTable(test, S.test.preds, S.test.confidences));

  it("matches the scores table on the class's rows", () => {
    const c = 1;
    const s = classSamples(dirs, c, input);
    const t = dirs.scores(input);
    const score = t.array('score') as Float64Array;
    const expectedRows = Array.from(S.test.labels.keys()).filter((i) => S.test.labels[i] === c);
    assert.deepEqual(Array.from(s.rows), expectedRows);
    assert.equal(s.className, 'dog');
    assert.equal(s.latents.rows, expectedRows.length);
    expectedRows.forEach((r, k) => {
      assert.ok(Math.abs(s.scores[k] - score[r]) < 1e-9, `row ${r}: ${s.scores[k]} vs ${score[r]}`);
      assert.equal(s.correct[k], S.test.preds[r] === c ? 1 : 0);
      assert.equal(s.ids[k], `test-${r}`);
      assert.equal(s.groups![k], groups[r]);
      assert.equal(s.preds![k], names[S.test.preds[r]]);
    });
    // Preprocessed rows are unit vectors; the direction is the SVM's unit normal.
    let norm = 0;
    for (let j = 0; j < s.latents.cols; j++) norm += s.latents.data[j] ** 2;
    assert.ok(Math.abs(norm - 1) < 1e-5);
    assert.deepEqual(Array.from(s.direction), Array.from(dirs.direction(c)));
  });

  it('feeds fitPath: scores at the chosen C equal the fitted scores', () => {
    const s = classSamples(dirs, 0, input);
    const { Cs, chosenC } = dirs.cvDetails_![0];
    const path = dirs.fitPath(0, Cs).map((svm) => svm.decisionFunction(s.latents));
    const k = Cs.indexOf(chosenC!);
    for (let i = 0; i < s.scores.length; i++) assert.ok(Math.abs(path[k][i] - s.scores[i]) < 1e-3 * (1 + Math.abs(s.scores[i])));
  });

  it('without predictions every sample counts as correct and hasPredictions is false', () => {
    const s = classSamples(dirs, 0, splitInput(test, S.test.latents));
    assert.equal(s.hasPredictions, false);
    assert.ok(s.correct.every((c) => c === 1));
    assert.equal(s.preds, undefined);
  });

  it('errors name the class and why', () => {
    assert.throws(() => classSamples(dirs, 3, input), /class 3 \('truck'\) has no SVM: no errors/);
    const only0 = dataset(new Int32Array(5), 'tiny');
    assert.throws(
      () => classSamples(dirs, 1, splitInput(only0, { data: new Float32Array(5 * S.d), rows: 5, cols: S.d })),
      /class 1 \('dog'\) has no samples of split 'tiny'/,
    );
    assert.throws(() => classSamples(new FailureDirections(), 0, input), /not fitted/);
  });
});

describe('scoreColumns', () => {
  const groups = Array.from(S.test.group, (g) => (g ? 'hard' : 'easy'));
  const test = dataset(S.test.labels, 'test', groups);
  const val = dataset(S.val.labels, 'val');
  const v = splitInput(val, S.val.latents, { pred: S.val.preds });
  const dirs = new FailureDirections({ randomState: 0 }).setPreprocess(S.train.latents).fit(v.latents, v.labels, v.preds, { classNames: names });
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
