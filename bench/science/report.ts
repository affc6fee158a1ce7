/**
 * Aggregation and Markdown rendering of the science benchmark: per setting, mean +- std over seeds
 * of every number an intervention run measured.
 */
import type { InterventionResult } from '../../src/directions/intervention-experiment';

/** mean, sample standard deviation (n - 1; 0 for one run) and count of the finite values. */
export interface Stat {
  mean: number;
  std: number;
  n: number;
}

/** One benchmark setting (dataset + parameters) over its seeds. */
export interface SettingResult {
  name: string;
  dataset: string;
  params: Record<string, unknown>;
  seeds: number[];
  summary: Record<string, Stat>;
  runs: InterventionResult[];
  /** Wall-clock seconds for all seeds. */
  seconds: number;
  /** CPU seconds (user + system) of this process for all seeds: the cost on an idle machine. */
  cpuSeconds?: number;
}

/** The whole `science.json`. */
export interface ScienceReport {
  mode: 'full' | 'quick';
  generatedAt: string;
  environment: Record<string, unknown>;
  config: Record<string, unknown>;
  settings: SettingResult[];
  totalSeconds: number;
  totalCpuSeconds?: number;
}

/**
 * One run as flat `key -> number` pairs, e.g. `ranking.minority.svm.auroc`, `selection.svm.worstGroupAccuracy`.
 */
export function flattenResult(r: InterventionResult): Record<string, number> {
  const out: Record<string, number> = {};
  const acc = (prefix: string, a: { accuracy: number; minorityAccuracy: number; majorityAccuracy: number; worstGroupAccuracy: number }) => {
    out[`${prefix}.accuracy`] = a.accuracy;
    out[`${prefix}.minorityAccuracy`] = a.minorityAccuracy;
    out[`${prefix}.majorityAccuracy`] = a.majorityAccuracy;
    out[`${prefix}.worstGroupAccuracy`] = a.worstGroupAccuracy;
  };
  acc('base', r.base);
  out['val.accuracy'] = r.val.accuracy;
  out['val.errors'] = r.val.errors;
  out['minority.trainShare'] = r.minority.trainShare;
  out['minority.poolShare'] = r.minority.poolShare;
  out['minority.testShare'] = r.minority.testShare;
  for (const k of r.ranking) {
    const p = `ranking.${k.target}.${k.method}`;
    out[`${p}.auroc`] = k.auroc;
    out[`${p}.ap`] = k.ap;
    for (const [K, v] of Object.entries(k.precisionAtK)) out[`${p}.p@${K}`] = v;
  }
  for (const f of r.flags) {
    out[`flags.${f.target}.precision`] = f.precision;
    out[`flags.${f.target}.recall`] = f.recall;
    out[`flags.${f.target}.flagged`] = f.flagged;
  }
  for (const s of r.selection) {
    // Keyed by the budget's position in the run's list, not by K: a fractional budget resolves to a
    // slightly different K on each seed's pool, and the seeds must aggregate together.
    const p = `selection.${s.by}.b${r.options.perClass.indexOf(s.perClass)}`;
    acc(p, s);
    out[`${p}.perClass`] = s.perClass;
    out[`${p}.added`] = s.added;
    out[`${p}.minorityFraction`] = s.minorityFraction;
    out[`${p}.errorFraction`] = s.errorFraction;
  }
  for (const u of r.upweighting) {
    acc(`upweight.${u.scheme}`, u);
    out[`upweight.${u.scheme}.flagged`] = u.flagged;
    out[`upweight.${u.scheme}.minorityWeightShare`] = u.minorityWeightShare;
  }
  for (const [k, v] of Object.entries(r.seconds)) out[`seconds.${k}`] = v;
  return out;
}

/** mean +- sample std of each key over runs (non-finite values are left out and lower `n`). */
export function aggregate(runs: InterventionResult[]): Record<string, Stat> {
  const flat = runs.map(flattenResult);
  const keys: string[] = [];
  for (const f of flat) for (const k of Object.keys(f)) if (!keys.includes(k)) keys.push(k);
  const out: Record<string, Stat> = {};
  for (const k of keys) {
    const v = flat.map((f) => f[k]).filter((x) => typeof x === 'number' && Number.isFinite(x));
    const n = v.length;
    const mean = n ? v.reduce((a, b) => a + b, 0) / n : NaN;
    const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : n === 1 ? 0 : NaN;
    out[k] = { mean, std, n };
  }
  return out;
}

/** `0.912 ± 0.013` (or `—` when missing); `pct` renders as percentages. */
export function fmt(s: Stat | undefined, opts: { pct?: boolean; digits?: number } = {}): string {
  if (!s || !Number.isFinite(s.mean)) return '—';
  const scale = opts.pct ? 100 : 1;
  const d = opts.digits ?? (opts.pct ? 1 : 3);
  const m = (s.mean * scale).toFixed(d);
  return s.n > 1 ? `${m} ± ${(s.std * scale).toFixed(d)}` : m;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Bolds the cell(s) with the highest mean (as displayed) among `keys`; nothing when all are equal. */
function bestOf(summary: Record<string, Stat>, keys: string[], opts: { pct?: boolean } = {}): string[] {
  const cells = keys.map((k) => fmt(summary[k], opts));
  const shown = keys.map((k) => {
    const s = summary[k];
    return s && Number.isFinite(s.mean) ? Number(((opts.pct ? 100 : 1) * s.mean).toFixed(opts.pct ? 1 : 3)) : NaN;
  });
  const finite = shown.filter((m) => Number.isFinite(m));
  const best = Math.max(...finite);
  if (finite.length < 2 || finite.every((m) => m === best)) return cells;
  return cells.map((c, i) => (shown[i] === best ? `**${c}**` : c));
}

/** The Markdown report: one table per question, one row per setting. */
export function renderMarkdown(report: ScienceReport): string {
  const S = report.settings;
  const first = S[0]?.runs[0];
  const ks = first?.options.ks ?? [];
  const methods = ['svm', 'confidence', 'random'];
  const bys = [...new Set(first?.selection.map((s) => s.by) ?? [])];
  const schemes = first?.upweighting.map((u) => u.scheme) ?? [];
  const out: string[] = [];
  out.push(`# Science benchmark (${report.mode})`);
  out.push('');
  out.push(
    `Mean ± std over seeds (n per row in the first table). Accuracies in %, on the test split. ` +
      `"Minority" = the ground-truth group(s) least represented in train within each class; ` +
      `worst-group = lowest accuracy over (class, group) cells. Rankings are macro-averaged over classes. ` +
      `Generated ${report.generatedAt} in ${(report.totalSeconds / 60).toFixed(1)} min wall clock` +
      (report.totalCpuSeconds !== undefined ? `, ${(report.totalCpuSeconds / 60).toFixed(1)} min of CPU time` : '') +
      ` (${String(report.environment.backend ?? '?')} backend, ${String(report.environment.cores ?? '?')} cores).`,
  );
  out.push('');
  out.push('## Base model');
  out.push('');
  out.push(
    table(
      ['setting', 'seeds', 'train / val / pool / test', 'minority share of train', 'val errors', 'accuracy', 'minority acc.', 'worst-group acc.'],
      S.map((s) => {
        const z = s.runs[0]?.sizes;
        return [
          s.name,
          String(s.seeds.length),
          z ? `${z.train} / ${z.val} / ${z.pool} / ${z.test}` : '—',
          fmt(s.summary['minority.trainShare'], { pct: true }),
          fmt(s.summary['val.errors'], { digits: 0 }),
          fmt(s.summary['base.accuracy'], { pct: true }),
          fmt(s.summary['base.minorityAccuracy'], { pct: true }),
          fmt(s.summary['base.worstGroupAccuracy'], { pct: true }),
        ];
      }),
    ),
  );
  for (const target of ['minority', 'errors'] as const) {
    out.push('');
    out.push(target === 'minority' ? '## Finding the minority group (test split): SVM vs confidence vs random' : "## Finding the base model's errors (test split)");
    out.push('');
    const header = ['setting'];
    for (const m of ['AUROC', 'AP', ...ks.map((k) => `P@${k}`)]) for (const meth of methods) header.push(`${m} ${meth}`);
    out.push(
      table(
        header,
        S.map((s) => {
          const row = [s.name];
          for (const m of ['auroc', 'ap', ...ks.map((k) => `p@${k}`)]) row.push(...bestOf(s.summary, methods.map((meth) => `ranking.${target}.${meth}.${m}`)));
          return row;
        }),
      ),
    );
  }
  out.push('');
  out.push('## SVM flags (test score < 0)');
  out.push('');
  out.push(
    table(
      ['setting', 'flagged', 'precision (minority)', 'recall (minority)', 'precision (errors)', 'recall (errors)'],
      S.map((s) => [
        s.name,
        fmt(s.summary['flags.minority.flagged'], { pct: true }),
        fmt(s.summary['flags.minority.precision'], { pct: true }),
        fmt(s.summary['flags.minority.recall'], { pct: true }),
        fmt(s.summary['flags.errors.precision'], { pct: true }),
        fmt(s.summary['flags.errors.recall'], { pct: true }),
      ]),
    ),
  );
  const ACC = [
    ['worstGroupAccuracy', 'Worst-group accuracy'],
    ['minorityAccuracy', 'Minority accuracy'],
    ['accuracy', 'Overall accuracy'],
  ] as const;
  out.push('');
  out.push('## Pool selection: retrain from scratch on train + the K lowest-ranked pool examples per class');
  out.push('');
  out.push('Share of minority-group examples among the picks (ground truth, %):');
  out.push('');
  const selRows = (f: (s: SettingResult, b: number) => string[]) => {
    const rows: string[][] = [];
    for (const s of S) {
      for (let b = 0; b < (s.runs[0]?.options.perClass.length ?? 0); b++) {
        rows.push([s.name, fmt(s.summary[`selection.${bys[0]}.b${b}.perClass`], { digits: 0 }), ...f(s, b)]);
      }
    }
    return rows;
  };
  out.push(table(['setting', 'K per class', ...bys], selRows((s, b) => bestOf(s.summary, bys.map((by) => `selection.${by}.b${b}.minorityFraction`), { pct: true }))));
  for (const [m, title] of ACC) {
    out.push('');
    out.push(`${title} on test (%), base model vs retrained with each selection:`);
    out.push('');
    out.push(table(['setting', 'K per class', 'base', ...bys], selRows((s, b) => bestOf(s.summary, [`base.${m}`, ...bys.map((by) => `selection.${by}.b${b}.${m}`)], { pct: true }))));
  }
  out.push('');
  out.push('## Upweighting flagged training examples: retrain from scratch with per-example weights');
  out.push('');
  out.push('Train examples flagged (score < 0) and share of the total training weight on the minority (%; unweighted = the minority share of train):');
  out.push('');
  out.push(
    table(
      ['setting', 'flagged', 'minority share (unweighted)', ...schemes.map((u) => `weight share: ${u}`)],
      S.map((s) => [
        s.name,
        fmt(s.summary[`upweight.${schemes[0]}.flagged`], { pct: true }),
        fmt(s.summary['minority.trainShare'], { pct: true }),
        ...schemes.map((u) => fmt(s.summary[`upweight.${u}.minorityWeightShare`], { pct: true })),
      ]),
    ),
  );
  for (const [m, title] of ACC) {
    out.push('');
    out.push(`${title} on test (%), base model vs retrained with each weighting:`);
    out.push('');
    out.push(table(['setting', 'base', ...schemes], S.map((s) => [s.name, ...bestOf(s.summary, [`base.${m}`, ...schemes.map((u) => `upweight.${u}.${m}`)], { pct: true })])));
  }
  out.push('');
  out.push('## Time per setting');
  out.push('');
  out.push('Wall clock depends on what else the machine runs; CPU time (this process, user + system) is what the run costs on an idle machine (tfjs-wasm is single-threaded).');
  out.push('');
  out.push(table(['setting', 'seeds', 'wall seconds (all seeds)', 'CPU seconds (all seeds)'], S.map((s) => [s.name, String(s.seeds.length), s.seconds.toFixed(0), s.cpuSeconds !== undefined ? s.cpuSeconds.toFixed(0) : '—'])));
  out.push('');
  return out.join('\n');
}
