/**
 * `npm run bench:generator` — quality of the shipped image generator and the paper's generation checks.
 *
 *   npm run bench:generator -- [--seeds 5] [--skip-quality] [--skip-paper] [--quick] [--guidance 4] [--steps 25] [--dir weights/] [--out file.json]
 *
 * 1. Quality (quality.ts), judged by an independent classifier trained here on real analysis-range
 *    images (judge.ts): prompt fidelity and tint match, Frechet distance vs reconstructions and
 *    pixel-shuffled images, nearest-training-image distances, images/s vs the tfjs engine.
 * 2. The paper's checks (paper.ts) over seeds on coloredMnist and hiddenSubclass: base-model accuracy
 *    on images from the top negative / reference / top positive captions (the paper's numbers
 *    beside), accuracy vs alpha for flip / no flip, and augmentation vs reference images vs pool
 *    picks vs nothing.
 * Writes bench/results/generator.json and generator.md (`--quick`: generator-quick.*).
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../../src/util/fs-atomic';
import { jointEncoder } from '../../src/embed/joint-encoder';
import { imageGenerator } from '../../src/generate/image-generator';
import { backendName, ensureBackend } from '../../src/model/backend';
import { setProgressSink } from '../../src/util/progress';
import { trainJudge } from './judge';
import { paperTrial, PAPER_CAPTION_ACCURACY, type PaperSettings, type PaperTrial, type Benchmark } from './paper';
import { generatorQuality, type QualityResult } from './quality';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');

function meanStd(xs: number[]): { mean: number; std: number; n: number } {
  const v = xs.filter((x) => Number.isFinite(x));
  const mean = v.reduce((s, x) => s + x, 0) / (v.length || NaN);
  const std = v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length };
}
const ms = (xs: number[]) => {
  const r = meanStd(xs);
  return Number.isFinite(r.mean) ? `${(100 * r.mean).toFixed(1)} ± ${(100 * r.std).toFixed(1)}` : 'n/a';
};

function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Markdown of the quality section. */
export function qualityMarkdown(q: QualityResult, judgeAcc: { digits: number; fashion: number }): string {
  const out: string[] = [];
  out.push(`Engine ${q.engine}; guidance ${q.settings.guidance}, ${q.settings.steps} DDIM steps. Judge accuracy on real held-out images: digits ${pct(judgeAcc.digits)}, Fashion-MNIST ${pct(judgeAcc.fashion)}.`, '');
  out.push('### Prompt fidelity ("a photo of a {class}"; target >= 85%)', '');
  out.push(mdTable(['domain', 'judged as the prompted class', 'judge on real images (ceiling)', 'target'], q.fidelitySummary.map((r) => [r.domain, pct(r.judged), pct(r.realAccuracy), pct(r.target)])), '');
  out.push(mdTable(['class', 'prompt', 'n', 'judged', 'real'], q.fidelity.map((r) => [r.className, r.prompt, String(r.n), pct(r.judged), pct(r.realAccuracy)])), '');
  out.push(`### Tint ("a photo of a {colour} {noun}"; measured from pixels; target >= 95%): ${pct(q.tintSummary.match)}`, '');
  out.push(mdTable(['colour', 'prompts', 'n', 'tint matches', 'identity kept (judge)'], q.tints.map((r) => [r.colour, String(r.prompts), String(r.n), pct(r.match), pct(r.judged)])), '');
  out.push('### Realism: Frechet distance to real held-out images (judge penultimate space; lower is better)', '');
  out.push(mdTable(['image set', 'n', 'Frechet distance'], q.realism.map((r) => [r.set, String(r.n), r.frechet.toFixed(2)])), '');
  out.push('### No copying: distance to the nearest generator-training image (gray pixels, L2)', '');
  out.push(mdTable(['images', 'n', 'median', '5th percentile'], q.copying.map((r) => [r.set, String(r.n), r.medianNearest.toFixed(2), r.p05Nearest.toFixed(2)])), '');
  out.push('### Guidance scale (prompt fidelity and tint match at other scales; fewer images)', '');
  out.push(mdTable(['guidance', 'digits judged', 'Fashion-MNIST judged', 'tint matches', 'Frechet distance'], q.guidanceSweep.map((r) => [r.guidance === 0 ? '0 (unconditional)' : String(r.guidance), pct(r.digits), pct(r.fashion), pct(r.tint), r.frechet.toFixed(2)])), '');
  out.push('### Speed (1,000 images = 20 prompts x 50; machine shared, so a lower bound)', '');
  const base = q.speed.find((s) => s.engine === 'tfjs');
  out.push(mdTable(['engine', 'images', 'seconds', 'images/s', 'vs tfjs'], q.speed.map((s) => [s.engine, String(s.images), s.seconds.toFixed(2), s.imagesPerSecond.toFixed(0), base ? (s.imagesPerSecond / base.imagesPerSecond).toFixed(1) + 'x' : '-'])));
  return out.join('\n');
}

/** Markdown of the paper checks. */
export function paperMarkdown(trials: PaperTrial[], s: PaperSettings): string {
  const out: string[] = [];
  const benches = [...new Set(trials.map((t) => t.benchmark))] as Benchmark[];
  const seeds = [...new Set(trials.map((t) => t.seed))].length;
  out.push(`Mean ± std over ${seeds} seeds, in %. Per class: ${s.nCaption} images per caption kind, ${s.nDirection} per (flip, alpha); augmentation adds N = ${s.nAugment.join(' or ')} images per class. Guidance ${s.guidance}, ${s.steps} steps.`, '');
  out.push('### Base-model accuracy on generated images, by caption (the paper: Stable Diffusion on CIFAR-10)', '');
  const rows: string[][] = [];
  for (const b of benches) {
    const cls = trials.filter((t) => t.benchmark === b).flatMap((t) => t.classes).filter((c) => c.caption);
    const perSeed = (k: 'negative' | 'reference' | 'positive') =>
      trials.filter((t) => t.benchmark === b).map((t) => {
        const cs = t.classes.filter((c) => c.caption);
        return cs.reduce((sum, c) => sum + c.caption![k], 0) / cs.length;
      });
    rows.push([b, String(cls.length), ms(perSeed('negative')), ms(perSeed('reference')), ms(perSeed('positive'))]);
  }
  rows.push(['paper (CIFAR-10)', '-', (100 * PAPER_CAPTION_ACCURACY.negative).toFixed(1), (100 * PAPER_CAPTION_ACCURACY.reference).toFixed(1), (100 * PAPER_CAPTION_ACCURACY.positive).toFixed(1)]);
  out.push(mdTable(['benchmark', 'class-seeds', 'top negative caption', 'reference caption', 'top positive caption'], rows), '');
  out.push('Per class (mean over seeds; the captions of the first seed):', '');
  const perClass: string[][] = [];
  for (const b of benches) {
    const ts = trials.filter((t) => t.benchmark === b);
    for (const c of ts[0].classes) {
      const all = ts.map((t) => t.classes[c.classId]).filter((x) => x.caption);
      perClass.push([b, c.className, String(all.length), c.negativeCaption ?? '-', ms(all.map((x) => x.caption!.negative)), ms(all.map((x) => x.caption!.reference)), c.positiveCaption ?? '-', ms(all.map((x) => x.caption!.positive))]);
    }
  }
  out.push(mdTable(['benchmark', 'class', 'seeds', 'negative caption', 'acc.', 'reference acc.', 'positive caption', 'acc.'], perClass), '');
  out.push('### Accuracy vs alpha along the failure direction ("flip" = towards the failure side)', '');
  const arows: string[][] = [];
  for (const b of benches) for (const flip of [true, false]) {
    const ts = trials.filter((t) => t.benchmark === b);
    arows.push([b, flip ? 'flip' : 'no flip', ...s.alphas.map((a) => ms(ts.map((t) => {
      const cells = t.classes.flatMap((c) => c.direction.filter((d) => d.flip === flip && d.alpha === a));
      return cells.reduce((sum, d) => sum + d.accuracy, 0) / (cells.length || NaN);
    })))]);
  }
  out.push(mdTable(['benchmark', 'direction', ...s.alphas.map((a) => `alpha ${a}`)], arows), '');
  out.push(`### Augmentation: retrain from scratch on train + N images per class (test split)`, '');
  const grows: string[][] = [];
  for (const b of benches) {
    const ts = trials.filter((t) => t.benchmark === b);
    for (const { arm, perClass } of ts[0].augmentation) {
      const xs = ts.map((t) => t.augmentation.find((a) => a.arm === arm && a.perClass === perClass)!);
      grows.push([b, arm, perClass ? String(perClass) : '-', ms(xs.map((x) => x.accuracy)), ms(xs.map((x) => x.minorityAccuracy)), ms(xs.map((x) => x.worstGroupAccuracy))]);
    }
  }
  out.push(mdTable(['benchmark', 'added to train', 'N per class', 'accuracy', 'minority accuracy', 'worst-group accuracy'], grows));
  return out.join('\n');
}

async function main() {
  if (!process.stderr.isTTY) setProgressSink(null);
  await ensureBackend();
  const quick = process.argv.includes('--quick');
  const nSeeds = Number(arg('seeds') ?? (quick ? 1 : 5));
  const dir = arg('dir');
  // Sampling settings (default: the generator's defaults, guidance 4 and 25 steps).
  const guidance = Number(arg('guidance') ?? 4);
  const steps = Number(arg('steps') ?? 25);
  const out = path.resolve(arg('out') ?? path.join(__dirname, '..', 'results', quick ? 'generator-quick.json' : 'generator.json'));
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const log = (m: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${m}`);
  const gen = await imageGenerator(dir ? { dir } : {});
  const enc = await jointEncoder();
  log(`generator ${gen.name} (${gen.engine}), conditioned on ${gen.conditioning.encoder}; backend ${backendName()}`);
  let quality: QualityResult | null = null;
  let judgeInfo: { heldOutAccuracy: { digits: number; fashion: number }; seconds: number } | null = null;
  if (!process.argv.includes('--skip-quality')) {
    const judge = await trainJudge(0, quick ? 1 : 8);
    judgeInfo = { heldOutAccuracy: judge.heldOutAccuracy, seconds: judge.seconds };
    log(`judge trained (${judge.seconds.toFixed(0)} s): held-out accuracy digits ${pct(judge.heldOutAccuracy.digits)}, fashion ${pct(judge.heldOutAccuracy.fashion)}`);
    quality = await generatorQuality(gen, judge, { perClass: quick ? 10 : 50, realismN: quick ? 300 : 2000, seed: 0, dir, log, guidance, steps });
    judge.model.dispose();
  }
  const settings: PaperSettings = quick
    ? { nCaption: 20, nDirection: 10, nAugment: [20, 40], alphas: [0, 0.25, 0.5], augmentAlpha: 0.3, guidance, steps, epochs: { coloredMnist: 1, hiddenSubclass: 1 }, sizes: { coloredMnist: { train: 1000, val: 600, unlabeled: 500, test: 500 }, hiddenSubclass: { train: 2000, val: 1000, unlabeled: 1000, test: 1000 } } }
    : { nCaption: 100, nDirection: 50, nAugment: [150, 400], alphas: [0, 0.1, 0.2, 0.3, 0.4, 0.5], augmentAlpha: 0.3, guidance, steps, epochs: { coloredMnist: 5, hiddenSubclass: 3 } };
  const trials: PaperTrial[] = [];
  if (!process.argv.includes('--skip-paper')) {
    for (let seed = 0; seed < nSeeds; seed++) {
      for (const b of ['coloredMnist', 'hiddenSubclass'] as const) trials.push(await paperTrial(b, seed, gen, enc, settings, log));
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = (Date.now() - t0) / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const result = { generator: gen.name, weightsSha256: gen.manifest.weightsSha256, engine: gen.engine, backend: backendName(), judge: judgeInfo, quality, paper: { settings, trials }, seconds, cpuSeconds, date: new Date().toISOString() };
  writeFileAtomic(out, Buffer.from(JSON.stringify(result, null, 1) + '\n'));
  const md = [
    `# Image generator (\`npm run bench:generator${quick ? ' -- --quick' : ''}\`)`,
    '',
    `Generator ${gen.name} (weights ${gen.manifest.weightsSha256.slice(0, 12)}), engine ${gen.engine}. ${seconds.toFixed(0)} s wall clock, ${cpuSeconds.toFixed(0)} s CPU on a shared 2-core machine; generated ${result.date}.`,
    '',
    ...(quality && judgeInfo ? ['## Quality', '', qualityMarkdown(quality, judgeInfo.heldOutAccuracy), ''] : []),
    ...(trials.length ? ["## The paper's checks", '', paperMarkdown(trials, settings), ''] : []),
  ].join('\n');
  writeFileAtomic(out.replace(/\.json$/, '.md'), Buffer.from(md));
  console.log('\n' + md);
  console.log(`\nwrote ${path.relative(process.cwd(), out)} and .md (${seconds.toFixed(0)} s, ${cpuSeconds.toFixed(0)} s CPU)`);
  await gen.dispose();
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
