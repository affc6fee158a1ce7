/**
 * scikit-learn-style generic checks, run over every estimator of svm/ and directions/:
 * fit returns this, fitting twice gives the same model, unfitted use throws, JSON round trip exact.
 */
import { strict as assert } from 'node:assert';
import { FailureDirections, Preprocessor } from '../../src/directions';
import { DominoSlicer } from '../../src/directions/domino-slicer';
import { LinearSVC } from '../../src/svm';
import { Matrix } from '../../src/util/matrix';
import { setProgressSink } from '../../src/util/progress';
import { inputOf, syntheticSplits } from './synthetic';

setProgressSink(null);
const S = syntheticSplits(11, { sizes: { train: 300, val: 400, test: 100 }, d: 24 });
const binary = (() => {
  const rows = Array.from(S.val.labels.keys()).filter((i) => S.val.labels[i] === 0);
  const X: Matrix = { data: new Float32Array(rows.length * S.d), rows: rows.length, cols: S.d };
  rows.forEach((r, k) => X.data.set(S.val.latents.data.subarray(r * S.d, (r + 1) * S.d), k * S.d));
  return { X, y: Uint8Array.from(rows, (r) => (S.val.preds[r] === 0 ? 1 : 0)) };
})();

interface Case {
  name: string;
  make: () => any;
  fit: (e: any) => any;
  use: (e: any) => ArrayLike<unknown>;
  fromJSON: (j: any) => any;
}

const cases: Case[] = [
  ...[true, false].map((regularizeIntercept) => ({
    name: `LinearSVC(regularizeIntercept=${regularizeIntercept})`,
    make: () => new LinearSVC({ C: 0.5, classWeight: 'balanced', regularizeIntercept }),
    fit: (e: LinearSVC) => e.fit(binary.X, binary.y),
    use: (e: LinearSVC) => e.decisionFunction(binary.X),
    fromJSON: (j: any) => LinearSVC.fromJSON(j),
  })),
  {
    name: 'LinearSVC(squared_hinge, classWeight map, no intercept)',
    make: () => new LinearSVC({ C: 0.2, loss: 'squared_hinge', classWeight: new Map([[0, 2]]), fitIntercept: false }),
    fit: (e: LinearSVC) => e.fit(binary.X, binary.y),
    use: (e: LinearSVC) => e.decisionFunction(binary.X),
    fromJSON: (j: any) => LinearSVC.fromJSON(j),
  },
  {
    name: 'Preprocessor',
    make: () => new Preprocessor(),
    fit: (e: Preprocessor) => e.fit(S.train.latents),
    use: (e: Preprocessor) => e.transform(S.test.latents).data,
    fromJSON: (j: any) => Preprocessor.fromJSON(j),
  },
  {
    name: 'FailureDirections',
    make: () => new FailureDirections({ Cs: [0.01, 1] }),
    fit: (e: FailureDirections) => e.setPreprocess(S.train.latents).fit(inputOf(S.val, 'val')),
    use: (e: FailureDirections) => e.decisionFunction(inputOf(S.test, 'test', inputOf(S.val, 'val').classNames)),
    fromJSON: (j: any) => FailureDirections.fromJSON(j),
  },
  {
    name: 'DominoSlicer',
    make: () => new DominoSlicer({ nMixtureComponents: 16, nPcaComponents: 8, seed: 3 }),
    fit: (e: DominoSlicer) => e.fit(S.val.latents, { labels: S.val.labels, probs: S.val.preds }),
    use: (e: DominoSlicer) => e.predictProba(S.test.latents, { labels: S.test.labels, probs: S.test.preds }),
    fromJSON: (j: any) => DominoSlicer.fromJSON(j),
  },
];

describe('generic estimator checks', () => {
  for (const c of cases) {
    describe(c.name, () => {
      it('fit returns this', () => {
        const e = c.make();
        assert.equal(c.fit(e), e);
      });
      it('fitting twice gives the same model', () => {
        const e = c.make();
        c.fit(e);
        const first = JSON.stringify(e);
        c.fit(e);
        assert.equal(JSON.stringify(e), first);
        assert.equal(JSON.stringify(c.fit(c.make())), first);
      });
      it('throws when used unfitted', () => {
        assert.throws(() => c.use(c.make()), /not fitted yet|no train statistics/);
      });
      it('JSON round trip is exact (unfitted and fitted)', () => {
        const u = JSON.parse(JSON.stringify(c.make()));
        assert.deepEqual(JSON.parse(JSON.stringify(c.fromJSON(u))), u);
        const e = c.fit(c.make());
        const j = JSON.parse(JSON.stringify(e));
        const back = c.fromJSON(j);
        assert.deepEqual(JSON.parse(JSON.stringify(back)), j);
        assert.deepEqual(Array.from(c.use(back)), Array.from(c.use(e)));
      });
    });
  }
});
