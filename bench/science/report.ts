/**
 * Aggregation and Markdown rendering of the science benchmark: per setting (and space), mean ± std
 * over seeds of every number an experiment run measured, paired comparisons of the SVM against each
 * peer, and the conditions the harder settings must meet.
 */
import type { InterventionResult, Space } from '../../src/experiments/intervention-experiment';

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
  /** Whether the setting is meant to meet the harder conditions (minority < 10% of its class in test, base minority accuracy 30-70%). */
  hard?: boolean;
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
 * One report from runs of disjoint settings: `--only` runs done in parallel or one after another, or
 * the `.partial.json` an interrupted run kept (`npm run bench:science -- --merge OUT.json IN.json...`).
 * Settings follow `grid`'s order (unknown names last); a setting present twice, runs of different
 * modes or different seed counts are refused. Each part's commit, date and wall time are kept under
 * `environment.parts`, so the report says how it was assembled; summaries are recomputed from the runs.
 */
export function mergeReports(parts: Array<{ name: string; report: ScienceReport }>, grid: Array<{ name: string; experiment?: unknown }>): ScienceReport {
  if (parts.length === 0) throw new Error('bench:science --merge: no input reports');
  const modes = new Set(parts.map((p) => p.report.mode));
  if (modes.size !== 1) throw new Error(`bench:science --merge: the inputs mix modes (${[...modes].join(', ')})`);
  const from = new Map<string, string>();
  const byName = new Map<string, SettingResult>();
  for (const { name, report } of parts) {
    for (const s of report.settings) {
      const before = from.get(s.name);
      if (before !== undefined) throw new Error(`bench:science --merge: setting '${s.name}' is in both ${before} and ${name}`);
      from.set(s.name, name);
      byName.set(s.name, s);
    }
  }
  const seedCounts = new Set([...byName.values()].map((s) => s.runs.length));
  if (seedCounts.size > 1) throw new Error(`bench:science --merge: settings were run with different numbers of seeds (${[...seedCounts].join(', ')})`);
  const order = (n: string) => {
    const i = grid.findIndex((g) => g.name === n);
    return i < 0 ? grid.length : i;
  };
  const settings = [...byName.values()].sort((a, b) => order(a.name) - order(b.name));
  for (const s of settings) s.summary = aggregate(s.runs);
  // A complete run records its environment in full; a partial file only its commit.
  const complete = parts.filter((p) => p.report.environment.backend !== undefined);
  const commits = [...new Set(parts.map((p) => String(p.report.environment.commit ?? '?')))];
  return {
    mode: parts[0].report.mode,
    generatedAt: parts.map((p) => p.report.generatedAt).sort().at(-1)!,
    environment: {
      ...(complete.at(-1)?.report.environment ?? {}),
      commit: commits.join(' + '),
      parts: parts.map(({ name, report }) => ({ file: name, commit: report.environment.commit ?? null, generatedAt: report.generatedAt, settings: report.settings.map((s) => s.name), totalSeconds: report.totalSeconds })),
    },
    config: {
      seeds: [...seedCounts][0] ?? 0,
      settings: settings.map((s) => ({ name: s.name, dataset: s.dataset, params: s.params, experiment: grid.find((g) => g.name === s.name)?.experiment ?? null, hard: !!s.hard })),
    },
    settings,
    totalSeconds: parts.reduce((a, p) => a + p.report.totalSeconds, 0),
    totalCpuSeconds: settings.every((s) => s.cpuSeconds !== undefined) ? settings.reduce((a, s) => a + (s.cpuSeconds ?? 0), 0) : undefined,
  };
}

const BASELINES = ['confidence', 'maxSoftmax', 'entropy', 'random'] as const;
const SPACE_METHODS = ['svm', 'domino', 'dominoTop'] as const;
const METHOD_LABEL: Record<string, string> = {
  svm: 'SVM',
  domino: 'Domino (matched)',
  dominoTop: 'Domino (top slice)',
  confidence: 'confidence (labels)',
  maxSoftmax: 'max softmax',
  entropy: 'entropy',
  random: 'random',
};

/** The space key of a ranking / selection row: its space, or `all` for the baselines. */
function sp(space: Space | null | undefined): string {
  return space ?? 'all';
}

/**
 * One run as flat `key -> number` pairs, e.g. `ranking.minority.svm.joint.ap`,
 * `ranking.minority.entropy.all.p@10`, `selection.svm.joint.b0.worstGroupAccuracy`,
 * `upweight.balanced.penultimate.worstGroupAccuracy`, `captions.joint.success`.
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
  const byClass = Object.values(r.minority.testShareByClass ?? {});
  if (byClass.length) out['minority.testShareMax'] = Math.max(...byClass);
  const accByClass = Object.values(r.baseMinorityByClass ?? {}).filter((v) => Number.isFinite(v));
  if (accByClass.length) {
    out['base.minorityAccuracyMin'] = Math.min(...accByClass);
    out['base.minorityAccuracyMax'] = Math.max(...accByClass);
  }
  for (const k of r.ranking) {
    const p = `ranking.${k.target}.${k.method}.${sp(k.space)}`;
    out[`${p}.auroc`] = k.auroc;
    out[`${p}.ap`] = k.ap;
    for (const [K, v] of Object.entries(k.precisionAtK)) out[`${p}.p@${K}`] = v;
  }
  for (const f of r.flags) {
    out[`flags.${f.target}.${f.space}.precision`] = f.precision;
    out[`flags.${f.target}.${f.space}.recall`] = f.recall;
    out[`flags.${f.target}.${f.space}.flagged`] = f.flagged;
  }
  const caps = r.captions ?? [];
  for (const space of new Set(caps.map((c) => c.space))) {
    const cs = caps.filter((c) => c.space === space);
    out[`captions.${space}.success`] = cs.filter((c) => c.success).length / cs.length;
    out[`captions.${space}.chance`] = cs.reduce((a, c) => a + c.chance, 0) / cs.length;
    out[`captions.${space}.classes`] = cs.length;
  }
  for (const s of r.selection) {
    // Keyed by the budget's position in the run's list, not by K: a fractional budget resolves to a
    // slightly different K on each seed's pool, and the seeds must aggregate together.
    const p = `selection.${s.by}.${sp(s.space)}.b${r.options.perClass.indexOf(s.perClass)}`;
    acc(p, s);
    out[`${p}.perClass`] = s.perClass;
    out[`${p}.added`] = s.added;
    out[`${p}.minorityFraction`] = s.minorityFraction;
    out[`${p}.errorFraction`] = s.errorFraction;
  }
  for (const u of r.upweighting) {
    const p = `upweight.${u.scheme}.${u.space}`;
    acc(p, u);
    out[`${p}.flagged`] = u.flagged;
    out[`${p}.minorityWeightShare`] = u.minorityWeightShare;
  }
  for (const [k, v] of Object.entries(r.seconds)) out[`seconds.${k}`] = v;
  return out;
}

function stat(v: number[]): Stat {
  const x = v.filter((a) => typeof a === 'number' && Number.isFinite(a));
  const n = x.length;
  const mean = n ? x.reduce((a, b) => a + b, 0) / n : NaN;
  const std = n > 1 ? Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : n === 1 ? 0 : NaN;
  return { mean, std, n };
}

/** mean ± sample std of each key over runs (non-finite values are left out and lower `n`). */
export function aggregate(runs: InterventionResult[]): Record<string, Stat> {
  const flat = runs.map(flattenResult);
  const keys: string[] = [];
  for (const f of flat) for (const k of Object.keys(f)) if (!keys.includes(k)) keys.push(k);
  const out: Record<string, Stat> = {};
  for (const k of keys) out[k] = stat(flat.map((f) => f[k]));
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

/** Outcome of a paired comparison of the SVM with one peer over seeds. */
export interface Verdict {
  /** mean and std over seeds of (SVM - peer). */
  diff: Stat;
  /** Half-width of the two-sided 95% paired t interval of the mean difference (Infinity with one seed). */
  halfWidth: number;
  /** 'SVM' when the interval lies above 0, 'peer' when below, else 'tie'. */
  winner: 'SVM' | 'peer' | 'tie';
}

/** Two-sided 95% quantiles of Student's t, df = 1..10 (then 2.2 to 30 df, 1.96 beyond). */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
function t95(df: number): number {
  return df < 1 ? Infinity : df <= T95.length ? T95[df - 1] : df <= 30 ? 2.2 : 1.96;
}

/**
 * Paired comparison over seeds of the SVM's ranking metric in `space` against `peer` (its own space
 * for Domino, the space-free value for a baseline): the mean difference and who wins, i.e. whether
 * the 95% paired t interval of the mean difference excludes 0. With one seed, always a tie.
 */
export function verdict(runs: InterventionResult[], space: Space, peer: string, metric: 'ap' | 'auroc' | 'p@10' | 'p@50' | 'p@100', target: 'minority' | 'errors' = 'minority'): Verdict {
  const d: number[] = [];
  for (const r of runs) {
    const f = flattenResult(r);
    const a = f[`ranking.${target}.svm.${space}.${metric}`];
    const peerSpace = (SPACE_METHODS as readonly string[]).includes(peer) ? space : 'all';
    const b = f[`ranking.${target}.${peer}.${peerSpace}.${metric}`];
    if (Number.isFinite(a) && Number.isFinite(b)) d.push(a - b);
  }
  const s = stat(d);
  const halfWidth = s.n > 1 ? (t95(s.n - 1) * s.std) / Math.sqrt(s.n) : Infinity;
  const winner = s.mean - halfWidth > 0 ? 'SVM' : s.mean + halfWidth < 0 ? 'peer' : 'tie';
  return { diff: s, halfWidth, winner };
}

function spacesOf(S: SettingResult[]): Space[] {
  const out: Space[] = [];
  for (const s of S) for (const sp_ of s.runs[0]?.options.spaces ?? []) if (!out.includes(sp_)) out.push(sp_);
  return out;
}

/** What the paper reports for settings like ours (qualitative where no number transfers). */
export const PAPER_CORRESPONDENCE: Array<{ ours: string; paper: string }> = [
  {
    ours: 'coloredMnist, spuriousAttribute',
    paper:
      "Spurious correlations: the paper's CelebA age / gender setting is the closest (the model leans on a feature correlated with the label in train). Colored MNIST and the size shortcut are not in the paper.",
  },
  {
    ours: 'hiddenSubclass, rareSubclass',
    paper:
      "The paper's CIFAR-100 superclass setting (one subclass per superclass under-represented in train), where it reports that the SVM's most negative images surface the under-represented subclass and that adding its pool picks helps that subclass more than confidence or random picks do. Different data, encoder and base model: compare the direction of the effects, not values.",
  },
];

/** The Markdown report. */
export function renderMarkdown(report: ScienceReport): string {
  const S = report.settings;
  const first = S[0]?.runs[0];
  const ks = first?.options.ks ?? [];
  const spaces = spacesOf(S);
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines);
  push(`# Science benchmark (${report.mode})`, '');
  push(
    `Mean ± std over seeds (n per row in the first table). Accuracies in %, on the test split. ` +
      `"Minority" = the planted subgroup of each class (the group the benchmark's protocol names, else the group least represented in train); ` +
      `worst-group = lowest accuracy over (class, group) cells. Rankings are per class, macro-averaged over classes; ` +
      `"top-K minority fraction" = share of the minority among each class's K lowest-ranked test images (precision@K). ` +
      `Spaces: **joint** = the shipped joint image-text encoder (64-d, the paper's CLIP stand-in), **penultimate** = the base model's penultimate layer (128-d); ` +
      `the baselines use no embedding and are the same in both. ` +
      `Generated ${report.generatedAt} in ${(report.totalSeconds / 60).toFixed(1)} min wall clock` +
      (report.totalCpuSeconds !== undefined ? `, ${(report.totalCpuSeconds / 60).toFixed(1)} min of CPU time` : '') +
      ` (${String(report.environment.backend ?? '?')} backend, ${String(report.environment.cores ?? '?')} cores, commit ${String(report.environment.commit ?? '?')}).`,
    '',
  );
  const parts = report.environment.parts as Array<{ commit: string | null; generatedAt: string; settings: string[]; totalSeconds: number }> | undefined;
  if (parts?.length) {
    push(
      `Assembled with \`--merge\` from ${parts.length} runs of disjoint settings: ` +
        parts.map((p) => `${p.settings.join(', ')} (commit ${p.commit ?? '?'}, ${p.generatedAt.slice(0, 16).replace('T', ' ')}, ${(p.totalSeconds / 60).toFixed(1)} min)`).join('; ') +
        '.',
      '',
    );
  }
  push(
    'Rankings compared (lowest first = most suspicious): **SVM** = failure direction decision value; ' +
      '**Domino (matched)** = probability of the Domino slice (per class, fit on val) that best recovers the target on val, chosen with val ground truth as Domino is evaluated in its paper; ' +
      "**Domino (top slice)** = Domino's own most error-dense slice, no ground truth; " +
      "**confidence** = the model's probability of the true class (needs labels); **max softmax** and **entropy** = label-free uncertainty; **random**.",
    '',
  );

  push('## Base model and the conditions of the harder settings', '');
  push(
    table(
      ['setting', 'seeds', 'train / val / pool / test', 'minority share: train / test (max class)', 'accuracy', 'minority acc. (pooled)', 'minority acc. per class, min / max', 'worst-group acc.', 'minority < 10% of class in test', 'minority acc. in 30-70%'],
      S.map((s) => {
        const z = s.runs[0]?.sizes;
        const shareOk = s.runs.every((r) => Math.max(...Object.values(r.minority.testShareByClass ?? { x: NaN })) < 0.1);
        const accs = s.runs.map((r) => r.base.minorityAccuracy);
        const accOk = accs.every((a) => a >= 0.3 && a <= 0.7);
        const m = s.summary['base.minorityAccuracy'];
        return [
          s.name,
          String(s.seeds.length),
          z ? `${z.train} / ${z.val} / ${z.pool} / ${z.test}` : '—',
          `${fmt(s.summary['minority.trainShare'], { pct: true })} / ${fmt(s.summary['minority.testShareMax'], { pct: true })}`,
          fmt(s.summary['base.accuracy'], { pct: true }),
          fmt(m, { pct: true }),
          `${fmt(s.summary['base.minorityAccuracyMin'], { pct: true })} / ${fmt(s.summary['base.minorityAccuracyMax'], { pct: true })}`,
          fmt(s.summary['base.worstGroupAccuracy'], { pct: true }),
          s.hard ? (shareOk ? 'yes, every seed' : 'NO') : shareOk ? 'yes' : 'no (not required)',
          s.hard ? (accOk ? `yes, every seed (${(Math.min(...accs) * 100).toFixed(0)}-${(Math.max(...accs) * 100).toFixed(0)}%)` : `NO (${(Math.min(...accs) * 100).toFixed(0)}-${(Math.max(...accs) * 100).toFixed(0)}%)`) : 'not required',
        ];
      }),
    ),
  );

  push('', '## Verdict: does the failure direction find the minority better than each peer?', '');
  push(
    'Average precision for the minority on test, paired over seeds: SVM − peer (mean ± std of the per-seed difference). ' +
      '**SVM** / **peer** = the 95% paired t interval of the mean difference lies above / below 0 (with 5 seeds: |mean| > 2.78 std / √5); "tie" = it contains 0. Domino is compared in the same space.',
    '',
  );
  const peers = ['domino', 'dominoTop', 'maxSoftmax', 'entropy', 'confidence', 'random'];
  const vrows: string[][] = [];
  for (const s of S) {
    for (const space of spaces) {
      if (!s.runs[0]?.options.spaces.includes(space)) continue;
      const row = [s.name, space, fmt(s.summary[`ranking.minority.svm.${space}.ap`])];
      for (const p of peers) {
        const v = verdict(s.runs, space, p, 'ap');
        const d = v.diff;
        const txt = Number.isFinite(d.mean) ? `${d.mean >= 0 ? '+' : ''}${d.mean.toFixed(3)}${d.n > 1 ? ` ± ${d.std.toFixed(3)}` : ''}` : '—';
        row.push(v.winner === 'SVM' ? `**SVM** ${txt}` : v.winner === 'peer' ? `**peer** ${txt}` : `tie ${txt}`);
      }
      vrows.push(row);
    }
  }
  push(table(['setting', 'space', 'SVM AP', ...peers.map((p) => `vs ${METHOD_LABEL[p]}`)], vrows));

  const methodKeys = (s: SettingResult, space: Space, target: string, metric: string) => [
    ...SPACE_METHODS.map((m) => `ranking.${target}.${m}.${space}.${metric}`),
    ...BASELINES.map((m) => `ranking.${target}.${m}.all.${metric}`),
  ];
  const methodHeader = [...SPACE_METHODS, ...BASELINES].map((m) => METHOD_LABEL[m]);
  const rankTable = (target: 'minority' | 'errors', metric: string) =>
    table(
      ['setting', 'space', ...methodHeader],
      S.flatMap((s) => spaces.filter((space) => s.runs[0]?.options.spaces.includes(space)).map((space) => [s.name, space, ...bestOf(s.summary, methodKeys(s, space, target, metric))])),
    );
  push('', '## Finding the minority (test split)', '');
  for (const [metric, title] of [
    ['ap', 'Average precision'],
    ['auroc', 'AUROC'],
    ...ks.map((k) => [`p@${k}`, `Top-${k} minority fraction (precision@${k} per class)`]),
  ] as Array<[string, string]>) {
    push(`${title}:`, '', rankTable('minority', metric), '');
  }
  push("## Finding the base model's errors (test split)", '');
  for (const [metric, title] of [
    ['ap', 'Average precision'],
    ['auroc', 'AUROC'],
  ] as Array<[string, string]>) {
    push(`${title}:`, '', rankTable('errors', metric), '');
  }

  push('## Caption check (joint space)', '');
  push(
    "Share of classes whose most negative caption (the paper's captioning: candidate captions minus the reference caption, through the class's SVM) names the planted minority; chance = share of candidates that name it.",
    '',
  );
  push(
    table(
      ['setting', 'classes captioned', 'success', 'chance'],
      S.map((s) => [s.name, fmt(s.summary['captions.joint.classes'], { digits: 1 }), fmt(s.summary['captions.joint.success'], { pct: true }), fmt(s.summary['captions.joint.chance'], { pct: true })]),
    ),
    '',
  );
  const examples: string[] = [];
  for (const s of S) {
    const r = s.runs[0];
    for (const c of r?.captions ?? []) examples.push(`- ${s.name}, seed ${r.seed}, ${c.className} (target "${c.target}"): top caption "${c.top}"${c.success ? '' : ` — target first at rank ${c.firstTargetRank}`}`);
  }
  if (examples.length) push('Top captions of the first seed:', '', ...examples, '');

  push('## SVM flags (test score < 0)', '');
  push(
    table(
      ['setting', 'space', 'flagged', 'precision (minority)', 'recall (minority)', 'precision (errors)', 'recall (errors)'],
      S.flatMap((s) =>
        spaces
          .filter((space) => s.runs[0]?.options.spaces.includes(space))
          .map((space) => [
            s.name,
            space,
            fmt(s.summary[`flags.minority.${space}.flagged`], { pct: true }),
            fmt(s.summary[`flags.minority.${space}.precision`], { pct: true }),
            fmt(s.summary[`flags.minority.${space}.recall`], { pct: true }),
            fmt(s.summary[`flags.errors.${space}.precision`], { pct: true }),
            fmt(s.summary[`flags.errors.${space}.recall`], { pct: true }),
          ]),
      ),
    ),
    '',
  );

  const ACC = [
    ['worstGroupAccuracy', 'Worst-group accuracy'],
    ['minorityAccuracy', 'Minority accuracy'],
    ['accuracy', 'Overall accuracy'],
  ] as const;
  const arms = (s: SettingResult) => {
    const out_: Array<{ key: string; label: string }> = [];
    const seen = new Set<string>();
    for (const x of s.runs[0]?.selection ?? []) {
      const key = `${x.by}.${sp(x.space)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out_.push({ key, label: x.space ? `${METHOD_LABEL[x.by]} (${x.space})` : METHOD_LABEL[x.by] });
    }
    return out_;
  };
  push('## Pool selection: retrain from scratch on train + the K lowest-ranked pool images per class', '');
  for (const s of S) {
    const A = arms(s);
    const nb = s.runs[0]?.options.perClass.length ?? 0;
    push(`### ${s.name}`, '');
    const rows: string[][] = [];
    for (let b = 0; b < nb; b++) {
      const K = fmt(s.summary[`selection.${A[0]?.key}.b${b}.perClass`], { digits: 0 });
      rows.push([`minority share of the picks (K = ${K})`, '—', ...bestOf(s.summary, A.map((a) => `selection.${a.key}.b${b}.minorityFraction`), { pct: true })]);
      for (const [m, title] of ACC) rows.push([`${title.toLowerCase()} after (K = ${K})`, fmt(s.summary[`base.${m}`], { pct: true }), ...bestOf(s.summary, A.map((a) => `selection.${a.key}.b${b}.${m}`), { pct: true })]);
    }
    push(table(['%', 'base', ...A.map((a) => a.label)], rows), '');
  }

  push('## Upweighting the SVM-flagged training images: retrain from scratch with per-example weights', '');
  const schemes = [...new Set(first?.upweighting.map((u) => u.scheme) ?? [])];
  push(
    table(
      ['setting', 'space', 'train flagged', 'minority weight share: unweighted', ...schemes.map((u) => `weight share: ${u}`), 'worst-group: base', ...schemes.map((u) => `worst-group: ${u}`), 'minority acc.: base', ...schemes.map((u) => `minority acc.: ${u}`)],
      S.flatMap((s) =>
        spaces
          .filter((space) => s.runs[0]?.options.spaces.includes(space))
          .map((space) => [
            s.name,
            space,
            fmt(s.summary[`upweight.${schemes[0]}.${space}.flagged`], { pct: true }),
            fmt(s.summary['minority.trainShare'], { pct: true }),
            ...schemes.map((u) => fmt(s.summary[`upweight.${u}.${space}.minorityWeightShare`], { pct: true })),
            ...bestOf(s.summary, ['base.worstGroupAccuracy', ...schemes.map((u) => `upweight.${u}.${space}.worstGroupAccuracy`)], { pct: true }),
            ...bestOf(s.summary, ['base.minorityAccuracy', ...schemes.map((u) => `upweight.${u}.${space}.minorityAccuracy`)], { pct: true }),
          ]),
      ),
    ),
    '',
  );

  push("## The paper's numbers", '');
  push(
    "No setting here reproduces one of Jain et al.'s (they use CIFAR-10/100, CelebA, Waterbirds and ChestX-ray with CLIP ViT embeddings and ResNets; this benchmark uses MNIST / Fashion-MNIST, a small CNN and the shipped 64-d encoder, to run from scratch on a CPU in CI), so no number of theirs is put beside ours as if comparable (and the paper's text could not be read from this machine to quote its figures exactly). What corresponds:",
    '',
  );
  push(table(['our setting', 'the paper'], PAPER_CORRESPONDENCE.map((p) => [p.ours, p.paper])), '');

  push('## Time per setting', '');
  push('Wall clock depends on what else the machine runs; CPU time (this process, user + system) is what the run costs on an idle machine (tfjs-wasm is single-threaded).', '');
  push(table(['setting', 'seeds', 'wall seconds (all seeds)', 'CPU seconds (all seeds)'], S.map((s) => [s.name, String(s.seeds.length), s.seconds.toFixed(0), s.cpuSeconds !== undefined ? s.cpuSeconds.toFixed(0) : '—'])));
  push('');
  return out.join('\n');
}
