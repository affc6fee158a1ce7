/**
 * `npm run bench:science [-- --quick] [-- --seeds N] [-- --only NAME] [-- --out DIR] [-- --render FILE.json]`
 *   `[-- --merge OUT.json IN.json...]`
 *
 * The paper's claims against the peers a user would otherwise pick, on real data, in both spaces:
 * for each setting (coloredMnist at three train correlations, hiddenSubclass, and the two harder
 * benchmarks spuriousAttribute and rareSubclass) and each seed, the experiment of
 * `failure-directions/experiments` (base model; SVM and Domino in the joint encoder's space and in
 * the model's penultimate space; confidence, max softmax, entropy and random; caption check; pool
 * selection by every ranking and upweighting, each retrained from scratch). Writes `science.json`
 * and `science.md` (mean ± std over seeds, paired verdicts) to `bench/results/` and prints the Markdown.
 *
 * `--quick` (one seed, two small harder settings, one epoch, both spaces, every ranking) writes
 * `science-quick.*` unless `--out` says otherwise; the test suite runs it (under 2 minutes).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coloredMnist, hiddenSubclass } from '../../src/data';
import { rareSubclass } from '../../src/data/rare-subclass';
import { spuriousAttribute } from '../../src/data/spurious-attribute';
import type { DatasetSplits } from '../../src/data/image-dataset';
import { writeFileAtomic } from '../../src/util/fs-atomic';
import { jointEncoder } from '../../src/embed';
import { interventionExperiment, type InterventionExperimentOptions, type InterventionResult } from '../../src/experiments/intervention-experiment';
import { backendName, ensureBackend } from '../../src/model';
import { aggregate, mergeReports, renderMarkdown, type ScienceReport, type SettingResult } from './report';

type Dataset = 'coloredMnist' | 'hiddenSubclass' | 'spuriousAttribute' | 'rareSubclass';

interface Setting {
  name: string;
  dataset: Dataset;
  params: Record<string, unknown>;
  experiment: InterventionExperimentOptions;
  /** Meant to meet the harder conditions (minority < 10% of its class in test, minority accuracy 30-70%). */
  hard?: boolean;
}

interface Args {
  quick: boolean;
  /** Re-aggregate and re-render an existing results file instead of running. */
  render?: string;
  /** Assemble one report from runs of disjoint settings (`--only`, or a `.partial.json` kept by an interrupted run). */
  merge?: { out: string; inputs: string[] };
  seeds?: number;
  only?: string;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, out: path.resolve(__dirname, '..', 'results') };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--quick') a.quick = true;
    else if (v === '--seeds') a.seeds = Number(argv[++i]);
    else if (v === '--only') a.only = argv[++i];
    else if (v === '--out') a.out = path.resolve(argv[++i]);
    else if (v === '--render') a.render = path.resolve(argv[++i]);
    else if (v === '--merge') {
      const files = argv.slice(i + 1).filter((x) => !x.startsWith('--'));
      if (files.length < 2) throw new Error('bench:science: --merge needs OUT.json and at least one IN.json');
      a.merge = { out: path.resolve(files[0]), inputs: files.slice(1).map((x) => path.resolve(x)) };
      i += files.length;
    }    else throw new Error(`bench:science: unknown argument ${v} (use --quick, --seeds N, --only NAME, --out DIR, --render FILE.json, --merge OUT.json IN.json...)`);
  }
  if (a.seeds !== undefined && !(Number.isInteger(a.seeds) && a.seeds > 0)) throw new Error(`bench:science: --seeds must be a positive integer`);
  return a;
}

/**
 * The benchmark grid.
 *
 * Full, 5 epochs, 5 seeds, K = 10 / 50 / 100 per class for the top-K minority fraction:
 * - coloredMnist at train correlations 0.9 / 0.95 / 0.99 (3000 / 1500 / 1500 / 2000 images), pool
 *   budget half of the pool's smaller class (the minority is half of each class outside train);
 * - hiddenSubclass (Fashion-MNIST superclasses, hidden subclasses at 25% in train only; train 12000,
 *   val 6000, pool and test 6000), budget a quarter of the pool's smallest class;
 * - spuriousAttribute (size shortcut, minority ~7% of each class outside train) and rareSubclass
 *   (confusable subclasses at 4% of their superclass in train, 7% elsewhere), the harder settings,
 *   with a budget of a tenth of the pool's smallest class (about the size of its minority).
 * Quick: the two harder settings at small sizes, one epoch, one seed.
 */
function settings(quick: boolean): Setting[] {
  if (quick) {
    const q: InterventionExperimentOptions = { epochs: 1, ks: [10, 50, 100], perClass: [0.1], upweighting: ['balanced', 'soft'] };
    return [
      { name: 'spuriousAttribute size (quick)', dataset: 'spuriousAttribute', params: { attribute: 'size', sizes: { train: 600, val: 400, unlabeled: 300, test: 400 } }, experiment: q, hard: true },
      { name: 'rareSubclass (quick)', dataset: 'rareSubclass', params: { sizes: { train: 1500, val: 900, unlabeled: 900, test: 1200 } }, experiment: q, hard: true },
    ];
  }
  const common: InterventionExperimentOptions = { epochs: 5, ks: [10, 50, 100] };
  const cm = (trainCorr: number): Setting => ({
    name: `coloredMnist trainCorr=${trainCorr}`,
    dataset: 'coloredMnist',
    params: { trainCorr },
    experiment: { ...common, perClass: [0.5] },
  });
  return [
    cm(0.9),
    cm(0.95),
    cm(0.99),
    {
      name: 'hiddenSubclass',
      dataset: 'hiddenSubclass',
      params: { sizes: { train: 12000, val: 6000, unlabeled: 6000, test: 6000 } },
      experiment: { ...common, perClass: [0.25] },
    },
    { name: 'spuriousAttribute size', dataset: 'spuriousAttribute', params: { attribute: 'size' }, experiment: { ...common, perClass: [0.1] }, hard: true },
    { name: 'rareSubclass', dataset: 'rareSubclass', params: {}, experiment: { ...common, perClass: [0.1] }, hard: true },
  ];
}

async function load(s: Setting, seed: number): Promise<DatasetSplits> {
  const p = { ...(s.params as object), seed };
  switch (s.dataset) {
    case 'coloredMnist':
      return coloredMnist(p as Parameters<typeof coloredMnist>[0]);
    case 'hiddenSubclass':
      return hiddenSubclass(p as Parameters<typeof hiddenSubclass>[0]);
    case 'spuriousAttribute':
      return spuriousAttribute(p as Parameters<typeof spuriousAttribute>[0]);
    case 'rareSubclass':
      return rareSubclass(p as Parameters<typeof rareSubclass>[0]);
  }
}

/** The git commit the run used (with `+dirty` when the working tree has changes), or null outside git. */
function gitCommit(): string | null {
  const root = path.resolve(__dirname, '..', '..');
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return null;
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' });
  return head.stdout.trim() + (dirty.stdout.trim() ? '+dirty' : '');
}

/**
 * `--render FILE.json`: recompute every setting's summary from its stored runs and rewrite the JSON
 * and the Markdown next to it. For changes to the aggregation or the tables; no model is trained.
 */
function render(file: string): void {
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as ScienceReport;
  for (const s of report.settings) s.summary = aggregate(s.runs);
  const md = renderMarkdown(report);
  writeFileAtomic(file, Buffer.from(JSON.stringify(report, null, 1)));
  writeFileAtomic(file.replace(/\.json$/, '.md'), Buffer.from(md));
  console.log(md);
}

/**
 * `--merge OUT.json IN.json...`: one report from runs of disjoint settings (see `mergeReports`).
 */
function merge(out: string, inputs: string[]): void {
  const parts = inputs.map((file) => {
    if (!fs.existsSync(file)) throw new Error(`bench:science --merge: ${file} does not exist`);
    return { name: path.basename(file), report: JSON.parse(fs.readFileSync(file, 'utf8')) as ScienceReport };
  });
  const grid = settings(parts[0].report.mode === 'quick');
  const report = mergeReports(parts, grid.map((g) => ({ name: g.name, experiment: g.experiment })));
  writeFileAtomic(out, Buffer.from(JSON.stringify(report, null, 1)));
  writeFileAtomic(out.replace(/\.json$/, '.md'), Buffer.from(renderMarkdown(report)));
  console.error(`[science] merged ${report.settings.length} settings from ${inputs.length} files into ${out}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) return render(args.render);
  if (args.merge) return merge(args.merge.out, args.merge.inputs);
  const nSeeds = args.seeds ?? (args.quick ? 1 : 5);
  const grid = settings(args.quick).filter((s) => !args.only || s.name.includes(args.only));
  if (grid.length === 0) throw new Error(`bench:science: no setting matches --only ${args.only}`);
  await ensureBackend();
  const commit = gitCommit(); // at the start: the code that runs, whatever is committed meanwhile
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const cpuSeconds = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1e6;
  };
  const results: SettingResult[] = [];
  const enc = await jointEncoder(); // loaded once, shared by every run
  for (const s of grid) {
    const ts = performance.now();
    const cpuS = process.cpuUsage();
    const runs: InterventionResult[] = [];
    for (let seed = 0; seed < nSeeds; seed++) {
      const splits = await load(s, seed);
      // No embedding cache: every run embeds afresh, so the times are honest and repeatable.
      const { result } = await interventionExperiment(splits, { ...s.experiment, name: s.name, seed, cache: false, jointEncoder: enc });
      runs.push(result);
      const b = result.base;
      const ap = (method: string, space: string | null) => result.ranking.find((r) => r.target === 'minority' && r.method === method && r.space === space)?.ap.toFixed(3);
      console.error(
        `[science] ${s.name} seed ${seed}: base acc ${(b.accuracy * 100).toFixed(1)}% minority ${(b.minorityAccuracy * 100).toFixed(1)}% worst-group ${(b.worstGroupAccuracy * 100).toFixed(1)}%, ` +
          `minority AP svm joint ${ap('svm', 'joint')} penult ${ap('svm', 'penultimate')}, domino joint ${ap('domino', 'joint')}, entropy ${ap('entropy', null)}, confidence ${ap('confidence', null)}; ` +
          `${Object.values(result.seconds).reduce((a, c) => a + c, 0).toFixed(0)} s (load ${os.loadavg()[0].toFixed(1)})`,
      );
    }
    results.push({ name: s.name, dataset: s.dataset, params: s.params, seeds: runs.map((r) => r.seed), summary: aggregate(runs), runs, seconds: (performance.now() - ts) / 1000, cpuSeconds: cpuSeconds(cpuS), hard: s.hard });
    // A long run keeps what it has: the settings done so far, readable with --render.
    fs.mkdirSync(args.out, { recursive: true });
    writeFileAtomic(path.join(args.out, `${args.quick ? 'science-quick' : 'science'}.partial.json`), Buffer.from(JSON.stringify({ mode: args.quick ? 'quick' : 'full', generatedAt: new Date().toISOString(), environment: { commit }, config: {}, settings: results, totalSeconds: (performance.now() - t0) / 1000 }, null, 1)));
  }
  const report: ScienceReport = {
    mode: args.quick ? 'quick' : 'full',
    generatedAt: new Date().toISOString(),
    environment: { commit, node: process.version, backend: backendName(), cores: os.cpus().length, platform: `${os.platform()} ${os.arch()}`, loadAverageAtEnd: os.loadavg()[0] },
    config: { seeds: nSeeds, settings: grid.map((s) => ({ name: s.name, dataset: s.dataset, params: s.params, experiment: s.experiment, hard: !!s.hard })) },
    settings: results,
    totalSeconds: (performance.now() - t0) / 1000,
    totalCpuSeconds: cpuSeconds(cpu0),
  };
  const base = args.quick ? 'science-quick' : 'science';
  fs.mkdirSync(args.out, { recursive: true });
  const md = renderMarkdown(report);
  writeFileAtomic(path.join(args.out, `${base}.json`), Buffer.from(JSON.stringify(report, null, 1)));
  writeFileAtomic(path.join(args.out, `${base}.md`), Buffer.from(md));
  fs.rmSync(path.join(args.out, `${base}.partial.json`), { force: true });
  console.log(md);
  console.error(`[science] wrote ${path.join(args.out, base)}.{json,md} in ${(report.totalSeconds / 60).toFixed(1)} min (${((report.totalCpuSeconds ?? NaN) / 60).toFixed(1)} CPU min)`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
