/**
 * `npm run bench:science [-- --quick] [-- --seeds N] [-- --only NAME] [-- --out DIR]`
 *
 * Reproduces the paper's claims on real data: on coloredMnist (several train correlations) and
 * hiddenSubclass, for each seed: base model, SVM vs confidence vs random rankings, flags, and test
 * accuracy after pool selection and after upweighting (each retrained from scratch). Writes
 * `science.json` and `science.md` (mean ± std over seeds) to `bench/results/` and prints the Markdown.
 *
 * `--quick` (one seed, two small settings, few epochs) writes `science-quick.*` unless `--out` says
 * otherwise; the test suite runs it to check the outputs are well formed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { coloredMnist, hiddenSubclass } from '../../src/data';
import type { DatasetSplits } from '../../src/data/image-dataset';
import { writeFileAtomic } from '../../src/util/fs-atomic';
import { interventionExperiment, type InterventionExperimentOptions, type InterventionResult } from '../../src/directions/intervention-experiment';
import { backendName, ensureBackend } from '../../src/model';
import { aggregate, renderMarkdown, type ScienceReport, type SettingResult } from './report';

interface Setting {
  name: string;
  dataset: 'coloredMnist' | 'hiddenSubclass';
  params: Record<string, unknown>;
  experiment: InterventionExperimentOptions;
}

interface Args {
  quick: boolean;
  /** Re-aggregate and re-render an existing results file instead of running. */
  render?: string;
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
    else throw new Error(`bench:science: unknown argument ${v} (use --quick, --seeds N, --only NAME, --out DIR, --render FILE.json)`);
  }
  if (a.seeds !== undefined && !(Number.isInteger(a.seeds) && a.seeds > 0)) throw new Error(`bench:science: --seeds must be a positive integer`);
  return a;
}

/**
 * The benchmark grid.
 *
 * Full: coloredMnist at train correlations 0.9 / 0.95 / 0.99 (the data module's protocol: 25% train
 * label noise, colour independent of the label outside train, 3000 / 1500 / 1500 / 2000 images) with a
 * pool budget of 50% of the pool's smaller class (a 10% budget moved no method's accuracy in trials),
 * and hiddenSubclass (Fashion-MNIST superclasses, hidden subclasses kept at 25% in train; train 12000
 * and val 6000 as the data module's defaults, pool and test 6000 each to fit the time budget) with a
 * budget of 25%; 5 epochs, 5 seeds. Quick: one small setting of each, one epoch, one seed.
 */
function settings(quick: boolean): Setting[] {
  if (quick) {
    const q: InterventionExperimentOptions = { epochs: 1, ks: [10, 25], perClass: [0.25] };
    return [
      { name: 'coloredMnist trainCorr=0.95 (quick)', dataset: 'coloredMnist', params: { trainCorr: 0.95, sizes: { train: 1000, val: 600, unlabeled: 500, test: 500 } }, experiment: q },
      { name: 'hiddenSubclass (quick)', dataset: 'hiddenSubclass', params: { sizes: { train: 2000, val: 1000, unlabeled: 1000, test: 1000 } }, experiment: q },
    ];
  }
  const common: InterventionExperimentOptions = { epochs: 5, ks: [10, 25, 50] };
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
  ];
}

async function load(s: Setting, seed: number): Promise<DatasetSplits> {
  if (s.dataset === 'coloredMnist') return coloredMnist({ ...(s.params as object), seed } as Parameters<typeof coloredMnist>[0]);
  return hiddenSubclass({ ...(s.params as object), seed } as Parameters<typeof hiddenSubclass>[0]);
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

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) return render(args.render);
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
  for (const s of grid) {
    const ts = performance.now();
    const cpuS = process.cpuUsage();
    const runs: InterventionResult[] = [];
    for (let seed = 0; seed < nSeeds; seed++) {
      const splits = await load(s, seed);
      // No embedding cache: every run embeds afresh, so the times are honest and repeatable.
      const { result } = await interventionExperiment(splits, { ...s.experiment, name: s.name, seed, cache: false });
      runs.push(result);
      const b = result.base;
      const svm = result.ranking.find((r) => r.target === 'minority' && r.method === 'svm');
      const conf = result.ranking.find((r) => r.target === 'minority' && r.method === 'confidence');
      console.error(
        `[science] ${s.name} seed ${seed}: base acc ${(b.accuracy * 100).toFixed(1)}% worst-group ${(b.worstGroupAccuracy * 100).toFixed(1)}%, ` +
          `minority AUROC svm ${svm?.auroc.toFixed(3)} conf ${conf?.auroc.toFixed(3)}, ${Object.values(result.seconds).reduce((a, c) => a + c, 0).toFixed(0)} s (load ${os.loadavg()[0].toFixed(1)})`,
      );
    }
    results.push({ name: s.name, dataset: s.dataset, params: s.params, seeds: runs.map((r) => r.seed), summary: aggregate(runs), runs, seconds: (performance.now() - ts) / 1000, cpuSeconds: cpuSeconds(cpuS) });
  }
  const report: ScienceReport = {
    mode: args.quick ? 'quick' : 'full',
    generatedAt: new Date().toISOString(),
    environment: { commit, node: process.version, backend: backendName(), cores: os.cpus().length, platform: `${os.platform()} ${os.arch()}`, loadAverageAtEnd: os.loadavg()[0] },
    config: { seeds: nSeeds, settings: grid.map((s) => ({ name: s.name, dataset: s.dataset, params: s.params, experiment: s.experiment })) },
    settings: results,
    totalSeconds: (performance.now() - t0) / 1000,
    totalCpuSeconds: cpuSeconds(cpu0),
  };
  const base = args.quick ? 'science-quick' : 'science';
  fs.mkdirSync(args.out, { recursive: true });
  const md = renderMarkdown(report);
  writeFileAtomic(path.join(args.out, `${base}.json`), Buffer.from(JSON.stringify(report, null, 1)));
  writeFileAtomic(path.join(args.out, `${base}.md`), Buffer.from(md));
  console.log(md);
  console.error(`[science] wrote ${path.join(args.out, base)}.{json,md} in ${(report.totalSeconds / 60).toFixed(1)} min (${((report.totalCpuSeconds ?? NaN) / 60).toFixed(1)} CPU min)`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
