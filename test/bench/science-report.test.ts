import { strict as assert } from 'node:assert';
import type { InterventionResult } from '../../src/directions/intervention-experiment';
import { aggregate, flattenResult, fmt, renderMarkdown } from '../../bench/science/report';

function run(seed: number, wg: number): InterventionResult {
  const acc = { accuracy: 0.9, minorityAccuracy: 0.5, majorityAccuracy: 0.95, worstGroupAccuracy: wg, worstGroup: '3/disagrees' };
  return {
    name: 'toy',
    seed,
    options: { epochs: 1, perClass: [5], factor: 5, ks: [10] },
    sizes: { train: 100, val: 50, pool: 80, test: 60 },
    minority: { groups: { '0': ['disagrees'] }, trainShare: 0.05, poolShare: 0.05, testShare: 0.5 },
    base: acc,
    val: { accuracy: 0.9, errors: 5 },
    ranking: (['svm', 'confidence', 'random'] as const).map((method, j) => ({ target: 'minority' as const, method, auroc: 0.9 - 0.2 * j, ap: 0.8 - 0.2 * j, precisionAtK: { '10': 0.7 }, classes: 2 })),
    flags: [{ target: 'minority', precision: 0.6, recall: 0.7, flagged: 0.3 }],
    selection: [{ by: 'svm', perClass: 5, added: 10, minorityFraction: 0.8, errorFraction: 0.4, ...acc, worstGroupAccuracy: wg + 0.1 }],
    upweighting: [{ scheme: 'balanced', flagged: 0.2, minorityWeightShare: 0.3, ...acc }],
    seconds: { trainBase: 1 },
  };
}

describe('science report', () => {
  it('flattens a run into dotted keys', () => {
    const f = flattenResult(run(0, 0.4));
    assert.equal(f['ranking.minority.confidence.auroc'], 0.7);
    assert.equal(f['ranking.minority.svm.p@10'], 0.7);
    assert.equal(f['selection.svm.b0.minorityFraction'], 0.8);
    assert.equal(f['selection.svm.b0.perClass'], 5);
    assert.equal(f['upweight.balanced.minorityWeightShare'], 0.3);
    assert.equal(f['seconds.trainBase'], 1);
  });

  it('aggregates mean and sample std over seeds, skipping non-finite values', () => {
    const r2 = run(1, 0.6);
    r2.base.minorityAccuracy = NaN;
    const s = aggregate([run(0, 0.4), r2]);
    assert.ok(Math.abs(s['base.worstGroupAccuracy'].mean - 0.5) < 1e-12);
    assert.ok(Math.abs(s['base.worstGroupAccuracy'].std - Math.sqrt(0.02)) < 1e-12);
    assert.deepEqual(s['base.minorityAccuracy'], { mean: 0.5, std: 0, n: 1 });
    assert.equal(fmt(s['base.worstGroupAccuracy'], { pct: true }), '50.0 ± 14.1');
    assert.equal(fmt(undefined), '—');
  });

  it('aggregates a fractional budget across seeds whose pools resolve it to different K', () => {
    const a = run(0, 0.4);
    const b = run(1, 0.6);
    b.options.perClass = [6];
    b.selection[0].perClass = 6;
    const s = aggregate([a, b]);
    assert.equal(s['selection.svm.b0.worstGroupAccuracy'].n, 2);
    assert.equal(s['selection.svm.b0.perClass'].mean, 5.5);
  });

  it('renders every section with the best method in bold', () => {
    const runs = [run(0, 0.4), run(1, 0.6)];
    const md = renderMarkdown({
      mode: 'quick',
      generatedAt: '2026-01-01T00:00:00Z',
      environment: { backend: 'wasm', cores: 2 },
      config: {},
      settings: [{ name: 'toy', dataset: 'coloredMnist', params: {}, seeds: [0, 1], summary: aggregate(runs), runs, seconds: 3 }],
      totalSeconds: 3,
    });
    for (const h of ['## Base model', '## Finding the minority group', '## SVM flags', '## Pool selection', '## Upweighting', '## Time per setting']) assert.ok(md.includes(h), h);
    assert.ok(md.includes('**0.900 ± 0.000**'), 'SVM AUROC is the best and bold');
    assert.ok(!md.includes('NaN'));
  });
});

describe('intervention tables', () => {
  it('has one row per run and arm, and one per run, target and method', async () => {
    const { interventionTable, rankingSummaryTable } = await import('../../src/directions/intervention-tables');
    const runs = [run(0, 0.4), run(1, 0.6)];
    const t = interventionTable(runs);
    assert.equal(t.numRows(), 2 * 3); // base, pool:svm, upweight:balanced
    assert.deepEqual(t.array('arm').slice(0, 3), ['base', 'pool:svm', 'upweight:balanced']);
    assert.deepEqual(Array.from(t.array('worstGroupAccuracy') as number[]).map((v) => +v.toFixed(2)), [0.4, 0.5, 0.4, 0.6, 0.7, 0.6]);
    assert.equal(t.array('minorityWeightShare')[0], 0.05);
    const r = rankingSummaryTable(runs);
    assert.equal(r.numRows(), 2 * 3);
    assert.ok(r.columnNames().includes('precision@10'));
    assert.equal(r.array('flagPrecision')[0], 0.6);
    assert.equal(r.array('flagPrecision')[1], null);
  });
});
