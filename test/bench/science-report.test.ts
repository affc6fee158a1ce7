import { strict as assert } from 'node:assert';
import type { InterventionResult } from '../../src/experiments/intervention-experiment';
import { aggregate, flattenResult, fmt, mergeReports, renderMarkdown, verdict, type ScienceReport } from '../../bench/science/report';

function run(seed: number, wg: number, svmAp = 0.8): InterventionResult {
  const acc = { accuracy: 0.9, minorityAccuracy: 0.5, majorityAccuracy: 0.95, worstGroupAccuracy: wg, worstGroup: '3/disagrees' };
  const methods = [
    ['svm', 'joint', svmAp],
    ['domino', 'joint', 0.5],
    ['dominoTop', 'joint', 0.3],
    ['confidence', null, 0.6],
    ['maxSoftmax', null, 0.4],
    ['entropy', null, 0.4],
    ['random', null, 0.1],
  ] as const;
  return {
    name: 'toy',
    seed,
    options: { epochs: 1, spaces: ['joint'], perClass: [5], factor: 5, ks: [10] },
    sizes: { train: 100, val: 50, pool: 80, test: 60 },
    minority: { groups: { '0': ['disagrees'] }, trainShare: 0.05, poolShare: 0.05, testShare: 0.08, testShareByClass: { '0': 0.08 } },
    base: acc,
    baseMinorityByClass: { '0': 0.5 },
    val: { accuracy: 0.9, errors: 5 },
    ranking: methods.map(([method, space, ap]) => ({ target: 'minority' as const, method, space, auroc: ap + 0.1, ap: ap + seed * 0.01, precisionAtK: { '10': 0.7 }, classes: 2 })),
    flags: [{ target: 'minority', space: 'joint', precision: 0.6, recall: 0.7, flagged: 0.3 }],
    captions: [{ classId: 0, className: '0', target: 'green', success: true, top: 'a photo of a green digit', firstTargetRank: 0, chance: 0.1, nCandidates: 10, space: 'joint' }],
    selection: [
      { by: 'svm', space: 'joint', perClass: 5, added: 10, minorityFraction: 0.8, errorFraction: 0.4, ...acc, worstGroupAccuracy: wg + 0.1 },
      { by: 'random', space: null, perClass: 5, added: 10, minorityFraction: 0.1, errorFraction: 0.1, ...acc },
    ],
    upweighting: [{ scheme: 'balanced', space: 'joint', flagged: 0.2, minorityWeightShare: 0.3, ...acc }],
    domino: [],
    seconds: { trainBase: 1 },
  };
}

describe('science report', () => {
  it('flattens a run into dotted keys (space, or all for the baselines)', () => {
    const f = flattenResult(run(0, 0.4));
    assert.equal(f['ranking.minority.confidence.all.auroc'], 0.7);
    assert.equal(f['ranking.minority.svm.joint.p@10'], 0.7);
    assert.equal(f['selection.svm.joint.b0.minorityFraction'], 0.8);
    assert.equal(f['selection.random.all.b0.perClass'], 5);
    assert.equal(f['upweight.balanced.joint.minorityWeightShare'], 0.3);
    assert.equal(f['captions.joint.success'], 1);
    assert.equal(f['minority.testShareMax'], 0.08);
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

  it('calls a paired winner only when the 95% t interval excludes 0', () => {
    const runs = [0, 1, 2, 3, 4].map((s) => run(s, 0.5, 0.8 + 0.01 * (s % 2)));
    assert.equal(verdict(runs, 'joint', 'domino', 'ap').winner, 'SVM');
    assert.ok(Math.abs(verdict(runs, 'joint', 'domino', 'ap').diff.mean - 0.304) < 1e-9);
    const close = [0, 1, 2, 3, 4].map((s) => run(s, 0.5, s % 2 ? 0.75 : 0.45));
    assert.equal(verdict(close, 'joint', 'confidence', 'ap').winner, 'tie');
    const worse = [0, 1, 2].map((s) => run(s, 0.5, 0.2));
    assert.equal(verdict(worse, 'joint', 'confidence', 'ap').winner, 'peer');
  });

  it('renders every section with the best method in bold', () => {
    const runs = [run(0, 0.4), run(1, 0.6)];
    const md = renderMarkdown({
      mode: 'quick',
      generatedAt: '2026-01-01T00:00:00Z',
      environment: { backend: 'wasm', cores: 2 },
      config: {},
      settings: [{ name: 'toy', dataset: 'coloredMnist', params: {}, seeds: [0, 1], summary: aggregate(runs), runs, seconds: 3, hard: true }],
      totalSeconds: 3,
    });
    for (const h of ['## Base model', '## Verdict', '## Finding the minority', '## Caption check', '## SVM flags', '## Pool selection', '## Upweighting', "## The paper's numbers", '## Time per setting']) assert.ok(md.includes(h), h);
    assert.ok(md.includes('**0.805 ± 0.007**'), 'SVM AP is the best and bold');
    assert.ok(md.includes('**SVM** +0.300 ± 0.000'), 'verdict against Domino');
    assert.ok(md.includes('yes, every seed'), 'conditions checked');
    assert.ok(!md.includes('NaN'));
  });
});

describe('science report: --merge', () => {
  const setting = (name: string, seeds: number[], cpu?: number) => {
    const runs = seeds.map((s) => run(s, 0.4));
    return { name, dataset: 'coloredMnist', params: {}, seeds, summary: {}, runs, seconds: 10, cpuSeconds: cpu };
  };
  const partial = (settings: ReturnType<typeof setting>[], commit: string, at: string): ScienceReport => ({ mode: 'full', generatedAt: at, environment: { commit }, config: {}, settings, totalSeconds: 60 });
  const grid = [{ name: 'a', experiment: { epochs: 5 } }, { name: 'b' }, { name: 'c' }];

  it('joins disjoint settings in the grid order, recomputes summaries and records each part', () => {
    const p1 = partial([setting('c', [0, 1], 5)], 'abc', '2026-01-02T00:00:00Z');
    const p2 = { ...partial([setting('a', [0, 1], 7), setting('b', [0, 1], 1)], 'def', '2026-01-01T00:00:00Z'), environment: { commit: 'def', backend: 'wasm', cores: 2 } };
    const m = mergeReports([{ name: 'one.partial.json', report: p1 }, { name: 'two.json', report: p2 }], grid);
    assert.deepEqual(m.settings.map((s) => s.name), ['a', 'b', 'c']);
    assert.equal(m.environment.commit, 'abc + def');
    assert.equal(m.environment.backend, 'wasm');
    assert.equal(m.generatedAt, '2026-01-02T00:00:00Z');
    assert.equal(m.totalSeconds, 120);
    assert.equal(m.totalCpuSeconds, 13);
    assert.deepEqual((m.environment.parts as Array<{ settings: string[] }>).map((p) => p.settings), [['c'], ['a', 'b']]);
    assert.deepEqual((m.config.settings as Array<{ experiment: unknown }>)[0].experiment, { epochs: 5 });
    assert.ok(Math.abs(m.settings[0].summary['base.worstGroupAccuracy'].mean - 0.4) < 1e-12);
    assert.ok(renderMarkdown(m).includes('Assembled with `--merge` from 2 runs of disjoint settings: c (commit abc'));
  });

  it('refuses a setting present twice, mixed modes and different seed counts, naming them', () => {
    const a = partial([setting('a', [0, 1])], 'x', '2026-01-01T00:00:00Z');
    assert.throws(() => mergeReports([{ name: 'f1', report: a }, { name: 'f2', report: a }], grid), /setting 'a' is in both f1 and f2/);
    assert.throws(() => mergeReports([{ name: 'f1', report: a }, { name: 'f2', report: { ...partial([setting('b', [0, 1])], 'x', 'y'), mode: 'quick' } }], grid), /mix modes \(full, quick\)/);
    assert.throws(() => mergeReports([{ name: 'f1', report: a }, { name: 'f2', report: partial([setting('b', [0])], 'x', 'y') }], grid), /different numbers of seeds \(2, 1\)/);
    assert.throws(() => mergeReports([], grid), /no input reports/);
  });
});

describe('experiment tables', () => {
  it('has one row per run and arm, and one per run, target, method and space', async () => {
    const { interventionTable, rankingSummaryTable, captionTable } = await import('../../src/experiments/intervention-tables');
    const runs = [run(0, 0.4), run(1, 0.6)];
    const t = interventionTable(runs);
    assert.equal(t.numRows(), 2 * 4); // base, pool:svm:joint, pool:random, upweight:balanced:joint
    assert.deepEqual(t.array('arm').slice(0, 4), ['base', 'pool:svm:joint', 'pool:random', 'upweight:balanced:joint']);
    assert.deepEqual(Array.from(t.array('worstGroupAccuracy') as number[]).map((v) => +v.toFixed(2)), [0.4, 0.5, 0.4, 0.4, 0.6, 0.7, 0.6, 0.6]);
    assert.equal(t.array('minorityWeightShare')[0], 0.05);
    const r = rankingSummaryTable(runs);
    assert.equal(r.numRows(), 2 * 7);
    assert.ok(r.columnNames().includes('precision@10'));
    assert.equal(r.array('flagPrecision')[0], 0.6);
    assert.equal(r.array('flagPrecision')[1], null);
    assert.equal(r.array('space')[3], null);
    assert.equal(captionTable(runs).numRows(), 2);
  });
});
