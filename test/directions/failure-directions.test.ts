import { strict as assert } from 'node:assert';
import { FailureDirections, NO_SIGNAL_RELATIVE_NORM, Preprocessor } from '../../src/directions';
import { Random } from '../../src/util/random';
import { NotFittedError } from '../../src/util/errors';
import { setProgressSink } from '../../src/util/progress';
import { f32, loadFixture, matrix, u8 } from '../svm/fixtures';
import { auroc, inputOf, syntheticSplits } from './synthetic';

setProgressSink(null);
const S = syntheticSplits(7);
const names = ['cat', 'dog', 'ship', 'truck'];
let fd: FailureDirections;

before(() => {
  fd = new FailureDirections({ seed: 0 }).setPreprocess(S.train.latents).fit(inputOf(S.val, 'val', names));
});

describe('FailureDirections end to end (planted failure subgroups)', () => {
  it('summarises every class in classSummary_ and the CV curves in cvResults_', () => {
    const rows = fd.classSummary_.objects() as any[];
    assert.deepEqual(fd.classSummary_.columnNames(), ['class', 'className', 'n', 'nErrors', 'C', 'cvBalancedAccuracy', 'status']);
    assert.equal(rows.length, 4);
    for (const r of rows.slice(0, 3)) {
      assert.equal(r.status, 'ok');
      assert.ok(fd.options.Cs.includes(r.C));
      assert.ok(r.cvBalancedAccuracy > 0.7, `class ${r.className}: CV balanced accuracy ${r.cvBalancedAccuracy}`);
    }
    assert.equal(rows[3].status, 'no errors');
    assert.equal(rows[3].C, null);
    assert.equal(fd.svms_[3], null);
    const cv = fd.cvResults_.objects() as any[];
    assert.deepEqual(fd.cvResults_.columnNames(), ['class', 'className', 'C', 'balancedAccuracy', 'converged', 'chosen', 'status']);
    assert.equal(cv.filter((r) => r.class === 0).length, 7);
    assert.deepEqual(cv.filter((r) => r.class === 0 && r.chosen).map((r) => r.C), [rows[0].C]);
    assert.ok(cv.filter((r) => r.class === 3).every((r) => Number.isNaN(r.balancedAccuracy) && !r.chosen));
    assert.equal(fd.preprocessSource_, 'train');
  });

  it('finds the planted subgroup on held-out data: AUROC of -score > 0.9 per class', () => {
    const t = fd.scores(inputOf(S.test, 'test', names, { groups: Array.from(S.test.group, (g) => (g ? 'hard' : 'easy')) }));
    const score = t.array('score') as Float64Array;
    for (let c = 0; c < 3; c++) {
      const rows = Array.from(S.test.labels.keys()).filter((i) => S.test.labels[i] === c);
      const a = auroc(rows.map((i) => -score[i]), rows.map((i) => S.test.group[i]));
      assert.ok(a > 0.9, `class ${c}: AUROC ${a}`);
    }
  });

  it('scores table: columns, flags, ranks, NaN for classes without an SVM', () => {
    const ids = Array.from({ length: S.test.latents.rows }, (_, i) => `img-${i}`);
    const t = fd.scores(inputOf(S.test, 'test', names, { ids }));
    assert.deepEqual(t.columnNames(), ['id', 'split', 'label', 'className', 'pred', 'predName', 'correct', 'confidence', 'score', 'flagged', 'rankInClass']);
    const rows = t.objects() as any[];
    assert.equal(rows[0].id, 'img-0');
    assert.equal(rows[0].split, 'test');
    for (const r of rows) {
      assert.equal(r.className, names[r.label]);
      assert.equal(r.predName, names[r.pred]);
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
    const dec = fd.decisionFunction(inputOf(S.test, 'test', names));
    assert.deepEqual(Array.from(t.array('score') as Float64Array), Array.from(dec));
    // One class's SVM on every row of a bare matrix.
    const all0 = fd.decisionFunction(S.test.latents, 0);
    S.test.labels.forEach((c, i) => c === 0 && assert.equal(all0[i], dec[i]));
    // Without preds: pred / predName / correct are null.
    const { preds: _p, ...noPreds } = inputOf(S.test, 'test', names);
    const u = fd.scores(noPreds);
    assert.equal((u.objects()[0] as any).pred, null);
    assert.equal((u.objects()[0] as any).predName, null);
    assert.equal((u.objects()[0] as any).id, 0);
  });

  it('direction is a unit vector along the SVM normal; preprocess gives unit rows', () => {
    const u = fd.direction(0);
    assert.ok(Math.abs(Math.hypot(...u) - 1) < 1e-6);
    const w = fd.svms_[0]!.coef_!;
    const cos = u.reduce((s, v, j) => s + v * w[j], 0) / Math.hypot(...w);
    assert.ok(cos > 0.999999);
    const z = fd.preprocess(S.test.latents);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(Math.hypot(...z.data.subarray(i * z.cols, (i + 1) * z.cols)) - 1) < 1e-5);
    assert.throws(() => fd.direction(3), /class 3 \('truck'\) has no direction: no errors/);
    assert.throws(() => fd.direction(9), /class 9 is not one of the fitted classes 0\.\.3/);
  });

  it('refit moves to a new C with a warm start and matches a fresh fit', () => {
    const g = FailureDirections.fromJSON(JSON.parse(JSON.stringify(fd)));
    const before = g.svms_[1]!.C;
    const newC = before === 1 ? 0.01 : 1;
    g.refit(1, newC);
    assert.equal((g.classSummary_.objects()[1] as any).C, newC);
    const fresh = new FailureDirections({ seed: 0, Cs: [newC] }).setPreprocess(S.train.latents).fit(inputOf(S.val, 'val', names));
    const a = g.decisionFunction(inputOf(S.test, 'test', names)), b = fresh.decisionFunction(inputOf(S.test, 'test', names));
    let num = 0, den = 0;
    S.test.labels.forEach((c, i) => {
      if (c === 1) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
    });
    assert.ok(num / den < 5e-3, `relative difference ${num / den}`);
    assert.throws(() => g.refit(1, 0), /FailureDirections\.refit: C must be a positive finite number, got 0/);
    assert.throws(() => g.refit(3, 0.1), /class 3 \('truck'\) has no direction/);
  });

  it('takes a class by name wherever it takes a class id', () => {
    assert.deepEqual(Array.from(fd.direction('dog')), Array.from(fd.direction(1)));
    assert.deepEqual(Array.from(fd.decisionFunction(S.test.latents, 'cat')), Array.from(fd.decisionFunction(S.test.latents, 0)));
    assert.equal(fd.fitPath('ship', [0.5]).length, 1);
    const g = FailureDirections.fromJSON(JSON.parse(JSON.stringify(fd)));
    g.refit('dog', 0.02);
    assert.equal((g.classSummary_.objects()[1] as any).C, 0.02);
    assert.throws(() => fd.direction('plane'), /no class named 'plane' \(4 classes: 'cat', 'dog', 'ship', 'truck'\)/);
  });

  it('fitPath returns one model per C; the chosen C reproduces the fitted SVM', () => {
    const path = fd.fitPath(0);
    assert.equal(path.length, 7);
    const k = fd.options.Cs.indexOf(fd.svms_[0]!.C);
    const z = fd.preprocess(S.test.latents);
    const a = path[k].decisionFunction(z), b = fd.svms_[0]!.decisionFunction(z);
    let num = 0, den = 0;
    for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
    assert.ok(num / den < 5e-3);
    assert.equal(fd.fitPath(0, [0.5]).length, 1);
  });

  it('JSON round trip is exact, with and without data', () => {
    const j = JSON.parse(JSON.stringify(fd));
    const g = FailureDirections.fromJSON(j);
    assert.deepEqual(JSON.parse(JSON.stringify(g)), j);
    assert.deepEqual(g.scores(inputOf(S.test, 'test', names)).objects(), fd.scores(inputOf(S.test, 'test', names)).objects());
    const light = fd.toJSON({ data: false });
    assert.equal(light.fitted!.data, null);
    const h = FailureDirections.fromJSON(JSON.stringify(light));
    assert.deepEqual(Array.from(h.decisionFunction(inputOf(S.test, 'test', names))), Array.from(fd.decisionFunction(inputOf(S.test, 'test', names))));
    assert.throws(() => h.refit(0, 0.1), /saved with \{ data: false \}/);
    // Version 1 files (randomState) still load.
    const v1 = JSON.parse(JSON.stringify(light));
    v1.version = 1;
    v1.options.randomState = 3;
    delete v1.options.seed;
    assert.equal(FailureDirections.fromJSON(v1).options.seed, 3);
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
    const g = new FailureDirections({ Cs: [0.1] }).fit(inputOf({ ...S.val, preds }, 'val', [...names, 'empty']));
    const st = (g.classSummary_.objects() as any[]).map((r) => r.status);
    assert.deepEqual(st, ['no correct predictions', 'too few errors (1 < 2 folds)', 'ok', 'no errors', 'no samples']);
    assert.equal(g.preprocessSource_, 'fit latents');
    const s = g.decisionFunction(inputOf(S.test, 'test', [...names, 'empty']));
    S.test.labels.forEach((c, i) => assert.equal(Number.isNaN(s[i]), c !== 2));
  });

  it('bad input gets clear errors', () => {
    const g = new FailureDirections();
    const val = inputOf(S.val, 'val', names);
    assert.throws(() => g.decisionFunction(inputOf(S.test, 'test', names)), (e: Error) => e instanceof NotFittedError && /not fitted yet/.test(e.message));
    assert.throws(() => g.classSummary_, NotFittedError);
    assert.throws(() => g.fit({ ...val, labels: val.labels.slice(1) }), /FailureDirections\.fit: labels has 1199 entries but latents have 1200 rows/);
    const bad = { ...S.val.latents, data: S.val.latents.data.slice() };
    bad.data[3 * bad.cols + 5] = NaN;
    assert.throws(() => g.fit({ ...val, latents: bad }), /FailureDirections\.fit: latents: non-finite value NaN at row 3, column 5/);
    assert.throws(() => g.fit({ ...val, labels: Array.from(S.val.labels, (v, i) => (i === 2 ? 1.5 : v)) as unknown as Int32Array }), /labels\[2\] of split 'val' = 1\.5 is not a class id/);
    assert.throws(() => g.fit({ ...val, classNames: ['a'] }), /labels\[\d+\] of split 'val' = \d is outside the vocabulary \(1 class: 'a'\)/);
    assert.throws(() => g.fit({ ...val, preds: undefined } as never), /has no predictions/);
    assert.throws(() => g.fit(S.val.latents as never), /expected one input object/);
    assert.throws(() => g.fit({ ...val, latents: { data: new Float32Array(0), rows: 0, cols: 4 }, labels: new Int32Array(0), preds: new Int32Array(0) }), /latents is empty/);
    assert.throws(() => fd.scores(inputOf(S.test, 'test', ['a', 'b', 'c', 'd'])), /split 'test' uses 4 classes: 'a', 'b', 'c', 'd' but the directions were fitted on 4 classes: 'cat', 'dog', 'ship', 'truck'/);
    assert.throws(() => fd.scores({ ...inputOf(S.test, 'test', names), preds: new Int32Array(2) }), /preds has 2 entries but latents have 1200 rows/);
    assert.throws(() => fd.decisionFunction(S.test.latents), /needs a classId/);
    assert.throws(() => new FailureDirections({ Cs: [1, -1] }), /Cs\[1\] must be a positive finite number, got -1/);
    assert.throws(() => new FailureDirections({ folds: 1 }), /folds must be an integer >= 2, got 1/);
    assert.throws(() => new FailureDirections({ randomState: 1 } as never), /called 'seed'/);
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
    const classNames = cv.classes.map((_: unknown, k: number) => `class ${k}`);
    const g = new FailureDirections({ shuffle: false })
      .setPreprocess(matrix(cv.trainRaw, cv.trainRows, d))
      .fit({ latents: { data, rows: n, cols: d }, labels, preds, classNames, ids: Array.from(labels, (_, i) => i), split: 'val' });
    const rows = g.classSummary_.objects() as any[];
    cv.classes.forEach((c: any, k: number) => {
      if (c.paperDetermined) assert.equal(rows[k].C, c.paperC, `class ${k}`);
    });
  });
});

describe('FailureDirections: a class whose SVM learned nothing has no direction (status no signal)', () => {
  /**
   * The input: class 'same' is ten identical embedding rows, `nWrong` of them predicted
   * wrong; class 'real' has a planted failure direction so the fit is otherwise normal.
   */
  function identicalRows(nWrong: number) {
    const rng = new Random(4);
    const d = 8;
    const nReal = 80;
    const n = 10 + nReal;
    const data = new Float32Array(n * d);
    const labels = new Int32Array(n);
    const preds = new Int32Array(n);
    const row = Float32Array.from({ length: d }, (_, j) => Math.sin(j + 1) * 3 + 1);
    for (let i = 0; i < 10; i++) {
      data.set(row, i * d);
      preds[i] = i < nWrong ? 1 : 0;
    }
    for (let i = 10; i < n; i++) {
      const wrong = i % 4 === 0;
      labels[i] = 1;
      preds[i] = wrong ? 0 : 1;
      for (let j = 0; j < d; j++) data[i * d + j] = rng.normal() + (wrong && j === 0 ? 3 : 0);
    }
    const train = Float32Array.from({ length: 200 * d }, () => rng.normal());
    return {
      train: { data: train, rows: 200, cols: d },
      input: { latents: { data, rows: n, cols: d }, labels, preds, classNames: ['same', 'real'], ids: Array.from(labels, (_, i) => `img-${i}`), split: 'val' },
    };
  }

  it('ten identical rows, five right and five wrong: no signal, NaN scores, nothing flagged, a clear direction() error', () => {
    for (const options of [{}, { regularizeIntercept: true }, { loss: 'squared_hinge' as const }, { whiten: false }]) {
      for (const nWrong of [5, 3]) {
        const { train, input } = identicalRows(nWrong);
        const dirs = new FailureDirections({ seed: 0, ...options }).setPreprocess(train).fit(input);
        const [same, real] = dirs.classSummary_.objects() as any[];
        const what = `${JSON.stringify(options)}, ${nWrong} wrong`;
        assert.match(same.status, /^no signal \((weight vector numerically zero: relative norm (0|\d\.\de-(1\d|2\d))|every sample scores the same: relative spread 0)\)$/, what); // before: 'ok'
        assert.equal(real.status, 'ok', what);
        assert.equal(same.n, 10);
        assert.equal(same.nErrors, nWrong);
        assert.ok(dirs.options.Cs.includes(same.C), 'the CV still ran: its C and score are reported');
        assert.equal(same.cvBalancedAccuracy, 0.5);
        assert.equal(dirs.svms_[0], null);
        const scores = dirs.scores(input).objects() as any[];
        for (const r of scores.filter((r) => r.label === 0)) assert.ok(Number.isNaN(r.score) && r.flagged === false && Number.isNaN(r.rankInClass), what); // before: every sample flagged
        assert.ok(scores.filter((r) => r.label === 1).every((r) => Number.isFinite(r.score)));
        assert.throws(() => dirs.direction(0), /FailureDirections\.direction: class 0 \('same'\) has no direction: no signal \(.*\); its SVM learned nothing: the correct and wrong validation samples of this class cannot be told apart in the embedding/);
        assert.throws(() => dirs.decisionFunction(input.latents, 0), /class 0 \('same'\) has no direction: no signal/);
        assert.throws(() => dirs.refit(0, 0.1), /has no direction: no signal/);
        assert.throws(() => dirs.fitPath(0), /has no direction: no signal/);
        assert.equal(dirs.direction(1).length, 8);
        const again = FailureDirections.fromJSON(JSON.stringify(dirs));
        assert.equal((again.classSummary_.objects()[0] as any).status, same.status, 'the status survives JSON');
        assert.throws(() => again.direction(0), /no signal/);
      }
    }
  });

  it('real directions never trip it: every class of the paper-procedure fixture keeps status ok, with any loss or intercept', () => {
    const cv = loadFixture('cv.json');
    const d = cv.cols;
    const n = cv.classes.reduce((s: number, c: any) => s + c.rows, 0);
    const data = new Float32Array(n * d), labels = new Int32Array(n), preds = new Int32Array(n);
    let off = 0;
    cv.classes.forEach((c: any, k: number) => {
      data.set(f32(c.rawLatents), off * d);
      const y = u8(c.y);
      for (let i = 0; i < c.rows; i++) {
        labels[off + i] = k;
        preds[off + i] = y[i] ? k : (k + 1) % cv.classes.length;
      }
      off += c.rows;
    });
    const input = { latents: { data, rows: n, cols: d }, labels, preds, classNames: cv.classes.map((_: unknown, k: number) => `class ${k}`), ids: Array.from(labels, (_, i) => i), split: 'val' };
    for (const options of [{ shuffle: false }, { loss: 'squared_hinge' as const }, { regularizeIntercept: true }, { Cs: [1e-6] }, { Cs: [1] }]) {
      const g = new FailureDirections(options).setPreprocess(matrix(cv.trainRaw, cv.trainRows, d)).fit(input);
      assert.deepEqual((g.classSummary_.objects() as any[]).map((r) => r.status), cv.classes.map(() => 'ok'), JSON.stringify(options));
    }
    // The margin to the rule, measured on the SVMs themselves, is in test/svm/relative-weight-norm.test.ts.
    assert.equal(NO_SIGNAL_RELATIVE_NORM, 1e-6);
  });

  it('chance-level CV alone is not no signal: a real direction with 3 errors keeps its status and ranks held-out failures', () => {
    // A planted failure direction, 3 errors among 40 validation samples: 2-fold CV cannot beat 0.5
    // balanced accuracy at any C, yet the direction refit on all 40 ranks held-out failures well.
    const d = 32;
    const rng = new Random(9);
    const u = Float64Array.from({ length: d }, () => rng.normal());
    const nu = Math.hypot(...u);
    const make = (m: number, mErr: number) => {
      const data = new Float32Array(m * d);
      const preds = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const err = i < mErr;
        preds[i] = err ? 1 : 0;
        for (let j = 0; j < d; j++) data[i * d + j] = rng.normal() + (err ? (2 * u[j]) / nu : 0);
      }
      return { latents: { data, rows: m, cols: d }, labels: new Int32Array(m), preds, classNames: ['a', 'b'], ids: Array.from(preds, (_, i) => i), split: 'val' };
    };
    const val = make(40, 3);
    const test = make(1000, 100);
    const dirs = new FailureDirections({ seed: 0 }).fit(val);
    const row = dirs.classSummary_.objects()[0] as any;
    assert.ok(row.cvBalancedAccuracy <= 0.5, `CV balanced accuracy ${row.cvBalancedAccuracy}`);
    assert.equal(row.status, 'ok');
    const s = dirs.scores(test).array('score') as Float64Array;
    const a = auroc(Array.from(s, (v) => -v), Array.from(test.preds));
    assert.ok(a > 0.75, `held-out AUROC ${a}`);
  });
});
