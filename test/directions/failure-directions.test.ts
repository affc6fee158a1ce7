import { strict as assert } from 'node:assert';
import { FailureDirections, Preprocessor } from '../../src/directions';
import { setProgressSink } from '../../src/util/progress';
import { f32, loadFixture, matrix, u8 } from '../svm/fixtures';
import { auroc, syntheticSplits } from './synthetic';

setProgressSink(null);
const S = syntheticSplits(7);
const names = ['cat', 'dog', 'ship', 'truck'];
let fd: FailureDirections;

before(() => {
  fd = new FailureDirections({ randomState: 0 }).setPreprocess(S.train.latents).fit(S.val.latents, S.val.labels, S.val.preds, { classNames: names });
});

describe('FailureDirections end to end (planted failure subgroups)', () => {
  it('summarises every class in cv_', () => {
    const rows = fd.cv_.objects() as any[];
    assert.deepEqual(fd.cv_.columnNames(), ['class', 'className', 'n', 'nErrors', 'C', 'cvBalancedAccuracy', 'status']);
    assert.equal(rows.length, 4);
    for (const r of rows.slice(0, 3)) {
      assert.equal(r.status, 'ok');
      assert.ok(fd.options.Cs.includes(r.C));
      assert.ok(r.cvBalancedAccuracy > 0.7, `class ${r.className}: CV balanced accuracy ${r.cvBalancedAccuracy}`);
    }
    assert.equal(rows[3].status, 'no errors');
    assert.equal(rows[3].C, null);
    assert.equal(fd.svms_![3], null);
    assert.equal(fd.cvDetails_![0].Cs.length, 7);
    assert.equal(fd.cvDetails_![0].chosenC, rows[0].C);
    assert.ok(fd.cvDetails_![3].meanBalancedAccuracy.every(Number.isNaN));
    assert.equal(fd.preprocessSource_, 'train');
  });

  it('finds the planted subgroup on held-out data: AUROC of -score > 0.9 per class', () => {
    const t = fd.scores({ latents: S.test.latents, labels: S.test.labels, preds: S.test.preds, confidences: S.test.confidences, groups: Array.from(S.test.group, (g) => (g ? 'hard' : 'easy')), split: 'test' });
    const score = t.array('score') as Float64Array;
    for (let c = 0; c < 3; c++) {
      const rows = Array.from(S.test.labels.keys()).filter((i) => S.test.labels[i] === c);
      const a = auroc(rows.map((i) => -score[i]), rows.map((i) => S.test.group[i]));
      assert.ok(a > 0.9, `class ${c}: AUROC ${a}`);
    }
  });

  it('scores table: columns, flags, ranks, NaN for classes without an SVM', () => {
    const ids = Array.from({ length: S.test.latents.rows }, (_, i) => `img-${i}`);
    const t = fd.scores({ latents: S.test.latents, labels: S.test.labels, preds: S.test.preds, ids, split: 'test' });
    assert.deepEqual(t.columnNames(), ['id', 'split', 'label', 'className', 'pred', 'correct', 'confidence', 'score', 'flagged', 'rankInClass']);
    const rows = t.objects() as any[];
    assert.equal(rows[0].id, 'img-0');
    assert.equal(rows[0].split, 'test');
    for (const r of rows) {
      assert.equal(r.className, names[r.label]);
      assert.equal(r.correct, r.label === r.pred);
      if (r.label === 3) {
        assert.ok(Number.isNaN(r.score) && r.flagged === false && Number.isNaN(r.rankInClass));
      } else {
        assert.equal(r.flagged, r.score < 0);
      }
    }
    for (let c = 0; c < 3; c++) {
      const inClass = rows.filter((r) => r.label === c).sort((a, b) => a.rankInClass - b.rankInClass);
      assert.deepEqual(inClass.map((r) => r.rankInClass), inClass.map((_, k) => k));
      for (let k = 1; k < inClass.length; k++) assert.ok(inClass[k - 1].score <= inClass[k].score);
    }
    const dec = fd.decisionFunction(S.test.latents, S.test.labels);
    assert.deepEqual(Array.from(t.array('score') as Float64Array), Array.from(dec));
    // Without preds: pred / correct are null.
    const u = fd.scores({ latents: S.test.latents, labels: S.test.labels });
    assert.equal((u.objects()[0] as any).pred, null);
    assert.equal((u.objects()[0] as any).id, 0);
  });

  it('direction is a unit vector along the SVM normal; preprocess gives unit rows', () => {
    const u = fd.direction(0);
    assert.ok(Math.abs(Math.hypot(...u) - 1) < 1e-6);
    const w = fd.svms_![0]!.coef_!;
    const cos = u.reduce((s, v, j) => s + v * w[j], 0) / Math.hypot(...w);
    assert.ok(cos > 0.999999);
    const z = fd.preprocess(S.test.latents);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(Math.hypot(...z.data.subarray(i * z.cols, (i + 1) * z.cols)) - 1) < 1e-5);
    assert.throws(() => fd.direction(3), /class 3 \('truck'\) has no SVM: no errors/);
    assert.throws(() => fd.direction(9), /class 9 is not one of the fitted classes 0\.\.3/);
  });

  it('refit moves to a new C with a warm start and matches a fresh fit', () => {
    const g = FailureDirections.fromJSON(JSON.parse(JSON.stringify(fd)));
    const before = g.svms_![1]!.C;
    const newC = before === 1 ? 0.01 : 1;
    g.refit(1, newC);
    assert.equal((g.cv_.objects()[1] as any).C, newC);
    const fresh = new FailureDirections({ randomState: 0, Cs: [newC] }).setPreprocess(S.train.latents).fit(S.val.latents, S.val.labels, S.val.preds);
    const a = g.decisionFunction(S.test.latents, S.test.labels), b = fresh.decisionFunction(S.test.latents, S.test.labels);
    let num = 0, den = 0;
    S.test.labels.forEach((c, i) => {
      if (c === 1) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
    });
    assert.ok(num / den < 5e-3, `relative difference ${num / den}`);
    assert.throws(() => g.refit(1, 0), /FailureDirections\.refit: C must be a positive finite number, got 0/);
    assert.throws(() => g.refit(3, 0.1), /class 3 \('truck'\) has no SVM/);
  });

  it('fitPath returns one model per C; the chosen C reproduces the fitted SVM', () => {
    const path = fd.fitPath(0);
    assert.equal(path.length, 7);
    const k = fd.options.Cs.indexOf(fd.svms_![0]!.C);
    const z = fd.preprocess(S.test.latents);
    const a = path[k].decisionFunction(z), b = fd.svms_![0]!.decisionFunction(z);
    let num = 0, den = 0;
    for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
    assert.ok(num / den < 5e-3);
    assert.equal(fd.fitPath(0, [0.5]).length, 1);
  });

  it('JSON round trip is exact, with and without data', () => {
    const j = JSON.parse(JSON.stringify(fd));
    const g = FailureDirections.fromJSON(j);
    assert.deepEqual(JSON.parse(JSON.stringify(g)), j);
    assert.deepEqual(g.scores({ latents: S.test.latents, labels: S.test.labels }).objects(), fd.scores({ latents: S.test.latents, labels: S.test.labels }).objects());
    const light = fd.toJSON({ data: false });
    assert.equal(light.fitted!.data, null);
    const h = FailureDirections.fromJSON(JSON.stringify(light));
    assert.deepEqual(Array.from(h.decisionFunction(S.test.latents, S.test.labels)), Array.from(fd.decisionFunction(S.test.latents, S.test.labels)));
    assert.throws(() => h.refit(0, 0.1), /saved without data/);
  });

  it('statuses for classes without errors, without correct predictions, with too few errors, without samples', () => {
    const n = S.val.latents.rows;
    const preds = Int32Array.from(S.val.preds);
    const labels = S.val.labels;
    // class 0: everything wrong; class 1: exactly one error; class 2 untouched; class 4 has no samples.
    let firstErr = true;
    for (let i = 0; i < n; i++) {
      if (labels[i] === 0) preds[i] = 1;
      if (labels[i] === 1) { preds[i] = firstErr ? 0 : 1; firstErr = false; }
    }
    const g = new FailureDirections({ Cs: [0.1] }).fit(S.val.latents, labels, preds, { classNames: [...names, 'empty'] });
    const st = (g.cv_.objects() as any[]).map((r) => r.status);
    assert.deepEqual(st, ['no correct predictions', 'too few errors (1 < 2 folds)', 'ok', 'no errors', 'no samples']);
    assert.equal(g.preprocessSource_, 'fit latents');
    const s = g.decisionFunction(S.test.latents, S.test.labels);
    S.test.labels.forEach((c, i) => assert.equal(Number.isNaN(s[i]), c !== 2));
  });

  it('bad input gets clear errors', () => {
    const g = new FailureDirections();
    assert.throws(() => g.decisionFunction(S.test.latents, S.test.labels), /not fitted yet/);
    assert.throws(() => g.fit(S.val.latents, S.val.labels.slice(1), S.val.preds), /FailureDirections\.fit: labels has 1199 entries but latents have 1200 rows/);
    const bad = { ...S.val.latents, data: S.val.latents.data.slice() };
    bad.data[3 * bad.cols + 5] = NaN;
    assert.throws(() => g.fit(bad, S.val.labels, S.val.preds), /FailureDirections\.fit: latents: non-finite value NaN at row 3, column 5/);
    assert.throws(() => g.fit(S.val.latents, Array.from(S.val.labels, (v, i) => (i === 2 ? 1.5 : v)), S.val.preds), /labels\[2\] = 1\.5 is not a class id/);
    assert.throws(() => g.fit(S.val.latents, S.val.labels, S.val.preds, { classNames: ['a'] }), /labels contain class 3 but classNames has only 1 names/);
    assert.throws(() => g.fit({ data: new Float32Array(0), rows: 0, cols: 4 }, [], []), /latents is empty/);
    assert.throws(() => fd.decisionFunction(S.test.latents, Array.from(S.test.labels, () => 7)), /labels\[0\] = 7 is not one of the fitted classes 0\.\.3/);
    assert.throws(() => fd.scores({ latents: S.test.latents, labels: S.test.labels, preds: [1, 2] }), /preds has 2 entries but latents have 1200 rows/);
    assert.throws(() => new FailureDirections({ Cs: [1, -1] }), /Cs\[1\] must be a positive finite number, got -1/);
    assert.throws(() => new FailureDirections({ folds: 1 }), /folds must be an integer >= 2, got 1/);
    assert.throws(() => fd.preprocess({ data: new Float32Array(3), rows: 1, cols: 3 }), /latents have 3 columns but the train latents had 48/);
  });
});

describe('FailureDirections on the scikit-learn fixture (the paper\'s procedure)', () => {
  const cv = loadFixture('cv.json');
  it('preprocessing matches the paper\'s SVMPreProcessing', () => {
    const pre = new Preprocessor().fit(matrix(cv.trainRaw, cv.trainRows, cv.cols));
    for (const c of cv.classes) {
      const z = pre.transform(matrix(c.rawLatents, c.rows, c.cols));
      const ref = f32(c.X);
      let err = 0;
      for (let k = 0; k < ref.length; k++) err = Math.max(err, Math.abs(z.data[k] - ref[k]));
      assert.ok(err < 1e-6, `max abs error ${err}`);
    }
  });
  it('per-class C equals the paper\'s choice on every determined class', () => {
    const raw = cv.classes.map((c: any) => f32(c.rawLatents));
    const d = cv.cols;
    const n = cv.classes.reduce((s: number, c: any) => s + c.rows, 0);
    const data = new Float32Array(n * d), labels = new Int32Array(n), preds = new Int32Array(n);
    let off = 0;
    cv.classes.forEach((c: any, k: number) => {
      data.set(raw[k], off * d);
      const y = u8(c.y);
      for (let i = 0; i < c.rows; i++) {
        labels[off + i] = k;
        preds[off + i] = y[i] ? k : (k + 1) % cv.classes.length;
      }
      off += c.rows;
    });
    const g = new FailureDirections({ shuffle: false }).setPreprocess(matrix(cv.trainRaw, cv.trainRows, d)).fit({ data, rows: n, cols: d }, labels, preds);
    const rows = g.cv_.objects() as any[];
    cv.classes.forEach((c: any, k: number) => {
      if (c.paperDetermined) assert.equal(rows[k].C, c.paperC, `class ${k}`);
    });
  });
});
