/**
 * Long-format Arquero tables of experiment results (one row per run and arm, or per run, target,
 * method and space), ready for `groupby(...).rollup(...)` across seeds and for plotting.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import type { InterventionResult } from './intervention-experiment';

/**
 * One row per run (`setting`, `seed`) and arm: `base`; `pool:<by>` for a baseline ranking and
 * `pool:<by>:<space>` for the SVM's and Domino's (suffix `@<budget>` when the run tried several
 * budgets); `upweight:<scheme>:<space>`. Columns: `setting, seed, arm, kind ('base' | 'pool' |
 * 'upweight'), method, space, perClass, added, accuracy, minorityAccuracy, majorityAccuracy,
 * worstGroupAccuracy, worstGroup, minorityFraction` (pool arms: share of minority examples among the
 * picks) and `minorityWeightShare` (upweight arms; base: the minority's share of train).
 *
 * @example
 * ```ts
 * import * as aq from 'arquero';
 * const runs = [(await interventionExperiment(fd.spuriousAttribute({ seed: 0 }), { seed: 0 })).result];
 * const t = interventionTable(runs);
 * t.groupby('setting', 'arm').rollup({ wg: aq.op.mean('worstGroupAccuracy'), sd: aq.op.stdev('worstGroupAccuracy') });
 * ```
 */
export function interventionTable(results: InterventionResult[]): ColumnTable {
  const rows: Array<Record<string, unknown>> = [];
  for (const r of results) {
    const common = { setting: r.name, seed: r.seed };
    const acc = (a: InterventionResult['base']) => ({
      accuracy: a.accuracy,
      minorityAccuracy: a.minorityAccuracy,
      majorityAccuracy: a.majorityAccuracy,
      worstGroupAccuracy: a.worstGroupAccuracy,
      worstGroup: a.worstGroup,
    });
    rows.push({ ...common, arm: 'base', kind: 'base', method: null, space: null, perClass: null, added: 0, ...acc(r.base), minorityFraction: null, minorityWeightShare: r.minority.trainShare });
    const multiK = new Set(r.selection.map((s) => s.perClass)).size > 1;
    for (const s of r.selection) {
      const arm = `pool:${s.by}${s.space ? `:${s.space}` : ''}`;
      rows.push({
        ...common,
        // Name by the requested budget (the same for every seed), not the resolved K.
        arm: multiK ? `${arm}@${s.budget ?? s.perClass}` : arm,
        kind: 'pool',
        method: s.by,
        space: s.space ?? null,
        perClass: s.perClass,
        added: s.added,
        ...acc(s),
        minorityFraction: s.minorityFraction,
        minorityWeightShare: null,
      });
    }
    for (const u of r.upweighting) {
      rows.push({ ...common, arm: `upweight:${u.scheme}:${u.space}`, kind: 'upweight', method: u.scheme, space: u.space, perClass: null, added: 0, ...acc(u), minorityFraction: null, minorityWeightShare: u.minorityWeightShare });
    }
  }
  return tableFromRows(rows, ['setting', 'seed', 'arm', 'kind', 'method', 'space', 'perClass', 'added', 'accuracy', 'minorityAccuracy', 'majorityAccuracy', 'worstGroupAccuracy', 'worstGroup', 'minorityFraction', 'minorityWeightShare']);
}

/**
 * One row per run, target (`'minority'` or `'errors'`), ranking method and space (null for the
 * baselines, which use no embedding): `setting, seed, target, method, space, auroc, ap`, one
 * `precision@K` column per K, and (SVM rows) the pooled `flagPrecision` / `flagRecall` on test.
 *
 * @example
 * ```ts
 * import * as aq from 'arquero';
 * const runs = [(await interventionExperiment(fd.spuriousAttribute({ seed: 0 }), { seed: 0 })).result];
 * rankingSummaryTable(runs).filter((d) => d.target === 'minority').groupby('method', 'space').rollup({ ap: aq.op.mean('ap') });
 * ```
 */
export function rankingSummaryTable(results: InterventionResult[]): ColumnTable {
  const rows: Array<Record<string, unknown>> = [];
  const ks: string[] = [];
  for (const r of results) {
    for (const x of r.ranking) {
      const flags = x.method === 'svm' ? r.flags.find((f) => f.target === x.target && f.space === x.space) : undefined;
      const row: Record<string, unknown> = { setting: r.name, seed: r.seed, target: x.target, method: x.method, space: x.space ?? null, auroc: x.auroc, ap: x.ap };
      for (const [k, v] of Object.entries(x.precisionAtK)) {
        row[`precision@${k}`] = v;
        if (!ks.includes(k)) ks.push(k);
      }
      row.flagPrecision = flags ? flags.precision : null;
      row.flagRecall = flags ? flags.recall : null;
      rows.push(row);
    }
  }
  ks.sort((a, b) => Number(a) - Number(b));
  return tableFromRows(rows, ['setting', 'seed', 'target', 'method', 'space', 'auroc', 'ap', ...ks.map((k) => `precision@${k}`), 'flagPrecision', 'flagRecall']);
}

/**
 * One row per run and class of the caption check: `setting, seed, className, target, success, top,
 * firstTargetRank, chance`.
 *
 * @example
 * ```ts
 * import * as aq from 'arquero';
 * const runs = [(await interventionExperiment(fd.spuriousAttribute({ seed: 0 }), { seed: 0 })).result];
 * captionTable(runs).groupby('setting').rollup({ success: aq.op.mean('success') });
 * ```
 */
export function captionTable(results: InterventionResult[]): ColumnTable {
  const rows: Array<Record<string, unknown>> = [];
  for (const r of results) for (const c of r.captions ?? []) rows.push({ setting: r.name, seed: r.seed, className: c.className, target: c.target, success: c.success, top: c.top, firstTargetRank: c.firstTargetRank, chance: c.chance });
  return tableFromRows(rows, ['setting', 'seed', 'className', 'target', 'success', 'top', 'firstTargetRank', 'chance']);
}

function tableFromRows(rows: Array<Record<string, unknown>>, names: string[]): ColumnTable {
  const cols: Record<string, unknown[]> = {};
  for (const n of names) cols[n] = rows.map((r) => (r[n] === undefined ? null : r[n]));
  return aq.table(cols, names);
}
