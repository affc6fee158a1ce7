import { strict as assert } from 'node:assert';
import { coloredMnist } from '../../src/data';
import { accuracySummary, interventionExperiment, type InterventionResult } from '../../src/directions/intervention-experiment';
import type { ImageDataset } from '../../src/data/image-dataset';

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

  it('runs every stage on real data and repeats exactly for a seed', async () => {
    const splits = coloredMnist({ trainCorr: 0.95, seed: 3, sizes: { train: 400, val: 300, unlabeled: 200, test: 200 } });
    const opts = { seed: 3, epochs: 1, perClass: 10, ks: [5], selection: ['svm', 'random'] as const, upweighting: ['balanced'] as const, cache: false };
    const a = await interventionExperiment(splits, { ...opts, selection: [...opts.selection], upweighting: [...opts.upweighting] });
    const b = await interventionExperiment(splits, { ...opts, selection: [...opts.selection], upweighting: [...opts.upweighting] });
    assert.deepEqual(strip(a.result), strip(b.result));
    const r = a.result;
    assert.deepEqual(r.sizes, { train: 400, val: 300, pool: 200, test: 200 });
    assert.deepEqual(r.options.perClass, [10]);
    assert.deepEqual(r.minority.groups, { 'digit 0-4': ['disagrees'], 'digit 5-9': ['disagrees'] });
    assert.deepEqual(r.selection.map((s) => [s.by, s.added]), [['svm', 20], ['random', 20]]);
    assert.equal(r.upweighting.length, 1);
    assert.equal(a.testScores.numRows(), 200);
    assert.ok(a.testScores.columnNames().includes('isMinority'));
    assert.equal(a.rankingTables.minority.numRows(), 3 * 3); // 2 classes + 'all', 3 methods
  });

  it('names what is missing', async () => {
    const splits = coloredMnist({ trainCorr: 0.95, seed: 0, sizes: { train: 50, val: 50, unlabeled: 50, test: 50 } });
    await assert.rejects(interventionExperiment({ ...splits, unlabeled: undefined }), /splits.unlabeled/);
    const { groups: _g, ...noGroups } = splits.test;
    await assert.rejects(interventionExperiment({ ...splits, test: noGroups }), /split 'test' has no groups/);
    await assert.rejects(interventionExperiment(splits, { perClass: 2.5 }), /perClass 2.5/);
  });
});
