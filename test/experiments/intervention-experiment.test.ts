import { strict as assert } from 'node:assert';
import { coloredMnist } from '../../src/data';
import { spuriousAttribute } from '../../src/data/spurious-attribute';
import type { ImageDataset } from '../../src/data/image-dataset';
import { accuracySummary, interventionExperiment, type InterventionResult } from '../../src/experiments/intervention-experiment';
import { captionTable, interventionTable, rankingSummaryTable } from '../../src/experiments/intervention-tables';
import { setProgressSink } from '../../src/util/progress';

setProgressSink(null);

describe('accuracySummary', () => {
  it('computes overall, minority, majority and worst (class, group) accuracy', () => {
    const split = {
      labels: Int32Array.from([0, 0, 0, 1, 1, 1]),
      groups: ['a', 'a', 'b', 'a', 'b', 'b'],
      classNames: ['zero', 'one'],
    } as unknown as ImageDataset;
    const s = accuracySummary(split, [1, 1, 0, 1, 1, 0], [0, 0, 1, 0, 1, 1]);
    assert.equal(s.accuracy, 4 / 6);
    assert.equal(s.minorityAccuracy, 1 / 3);
    assert.equal(s.majorityAccuracy, 1);
    assert.equal(s.worstGroupAccuracy, 0);
    assert.equal(s.worstGroup, 'zero/b');
  });
});

describe('interventionExperiment', function () {
  this.timeout(10 * 60 * 1000);
  const strip = (r: InterventionResult) => ({ ...r, seconds: {} });

  it('runs every stage in both spaces with every ranking, and repeats exactly for a seed', async () => {
    const splits = spuriousAttribute({ seed: 3, sizes: { train: 500, val: 400, unlabeled: 300, test: 400 } });
    const opts = { seed: 3, epochs: 1, perClass: 10, ks: [5, 20], upweighting: ['balanced' as const], domino: { nMixtureComponents: 8 }, cache: false };
    const a = await interventionExperiment(splits, opts);
    const b = await interventionExperiment(splits, opts);
    assert.deepEqual(strip(a.result), strip(b.result));
    const r = a.result;
    assert.deepEqual(r.sizes, { train: 500, val: 400, pool: 300, test: 400 });
    assert.deepEqual(r.options.spaces, ['joint', 'penultimate']);
    assert.deepEqual(r.minority.groups, { 'digit 0-4': ['small'], 'digit 5-9': ['large'] });
    // Rankings: SVM / Domino / Domino-top per space, the baselines once (space null), both targets.
    const key = (x: { target: string; method: string; space: string | null }) => `${x.target}/${x.method}/${x.space}`;
    const keys = r.ranking.map(key);
    for (const t of ['minority', 'errors']) {
      for (const m of ['svm', 'domino', 'dominoTop']) for (const s of ['joint', 'penultimate']) assert.ok(keys.includes(`${t}/${m}/${s}`), `${t}/${m}/${s}`);
      for (const m of ['confidence', 'maxSoftmax', 'entropy', 'random']) assert.ok(keys.includes(`${t}/${m}/null`), `${t}/${m}`);
    }
    assert.equal(r.ranking.length, 2 * (3 * 2 + 4));
    for (const x of r.ranking) assert.deepEqual(Object.keys(x.precisionAtK), ['5', '20']);
    // Selection: SVM and Domino per space, the 4 baselines once; every arm K per class.
    assert.deepEqual(r.selection.map((s) => `${s.by}/${s.space}`), ['svm/joint', 'svm/penultimate', 'domino/joint', 'domino/penultimate', 'confidence/null', 'maxSoftmax/null', 'entropy/null', 'random/null']);
    for (const s of r.selection) assert.equal(s.added, 20);
    // binary task: max softmax and entropy are the same ranking, so the same picks and the same model
    const ms = r.selection.find((s) => s.by === 'maxSoftmax')!;
    const en = r.selection.find((s) => s.by === 'entropy')!;
    assert.equal(ms.minorityFraction, en.minorityFraction);
    assert.equal(ms.worstGroupAccuracy, en.worstGroupAccuracy);
    assert.deepEqual(r.upweighting.map((u) => `${u.scheme}/${u.space}`), ['balanced/joint', 'balanced/penultimate']);
    // Captions in the joint space, targets from the protocol.
    assert.deepEqual(r.captions.map((c) => [c.className, c.target]), [['digit 0-4', 'small'], ['digit 5-9', 'large']].filter(([n]) => r.captions.some((c) => c.className === n)));
    for (const c of r.captions) assert.ok(c.chance > 0 && c.chance < 0.5 && c.space === 'joint');
    assert.ok(r.domino.length >= 2);
    assert.ok(r.minority.testShareByClass!['digit 0-4'] < 0.12);
    assert.ok(a.spaces.joint && a.spaces.penultimate);
    assert.equal(a.spaces.joint!.testScores.numRows(), 400);
    assert.equal(a.predictions.test.probs.cols, 2);

    const arms = interventionTable([r]);
    assert.deepEqual(arms.array('arm'), ['base', 'pool:svm:joint', 'pool:svm:penultimate', 'pool:domino:joint', 'pool:domino:penultimate', 'pool:confidence', 'pool:maxSoftmax', 'pool:entropy', 'pool:random', 'upweight:balanced:joint', 'upweight:balanced:penultimate']);
    const rk = rankingSummaryTable([r]);
    assert.ok(rk.columnNames().includes('precision@20') && rk.columnNames().includes('space'));
    assert.equal(rk.numRows(), r.ranking.length);
    assert.equal(captionTable([r]).numRows(), r.captions.length);
  });

  it('runs in one space only, and names what is missing', async () => {
    const splits = coloredMnist({ trainCorr: 0.95, seed: 0, sizes: { train: 200, val: 200, unlabeled: 100, test: 100 } });
    const { result } = await interventionExperiment(splits, { seed: 0, epochs: 1, spaces: ['penultimate'], perClass: 5, selection: ['svm', 'random'], upweighting: [], domino: { nMixtureComponents: 4, nSlices: 2 }, cache: false });
    assert.deepEqual(result.selection.map((s) => `${s.by}/${s.space}`), ['svm/penultimate', 'random/null']);
    assert.deepEqual(result.captions, [], 'no captions without the joint space');
    await assert.rejects(interventionExperiment({ ...splits, unlabeled: undefined }), /splits.unlabeled/);
    const { groups: _g, ...noGroups } = splits.test;
    await assert.rejects(interventionExperiment({ ...splits, test: noGroups }), /split 'test' has no groups/);
    await assert.rejects(interventionExperiment(splits, { perClass: 2.5 }), /perClass 2.5/);
    await assert.rejects(interventionExperiment(splits, { spaces: ['clip' as never] }), /unknown space 'clip'/);
    await assert.rejects(interventionExperiment(splits, { selection: ['loss' as never] }), /unknown selection method 'loss'/);
  });
});
