/**
 * `npm run bench:encoder` — the joint encoder's quality report.
 *
 *   npm run bench:encoder -- [--seeds 3] [--skip-captions] [--dir other/weights] [--out file.json]
 *
 * 1. Zero-shot accuracy (Fashion-MNIST test, MNIST analysis digits, Colored MNIST) vs chance.
 * 2. Attribute retrieval: precision of the top 50 images for a caption vs the attribute's base rate.
 * 3. Caption acceptance across seeds (see captions.ts) vs the success rate of a random ranking.
 * Writes bench/results/encoder.json and prints the tables.
 */
import * as path from 'node:path';
import { backendName, ensureBackend } from '../../src/model/backend';
import { jointEncoder } from '../../src/embed/joint-encoder';
import { setProgressSink } from '../../src/util/progress';
import { writeFileAtomic } from '../../src/util/fs-atomic';
import { encoderQuality } from './quality';
import { coloredMnistTrials, hiddenSubclassTrials, type CaptionTrial } from './captions';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');

function table(rows: string[][]): string {
  const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r, i) => r.map((c, j) => c.padEnd(w[j])).join('  ') + (i === 0 ? '\n' + w.map((n) => '-'.repeat(n)).join('  ') : '')).join('\n');
}

/** Validation error rate of the target group vs the rest of the class, e.g. "64% / 8%". */
function targetVsOthers(t: CaptionTrial): string {
  const rates = t.groupErrorRates;
  const key = t.benchmark === 'coloredMnist' ? 'disagrees' : t.target;
  const others = Object.entries(rates).filter(([g]) => g !== key);
  const mean = others.length ? others.reduce((s, [, r]) => s + r, 0) / others.length : NaN;
  return `${pct(rates[key] ?? NaN)} / ${pct(mean)}`;
}

const report: string[] = [];
/** Prints a line and keeps it for the Markdown report. */
function say(text: string): void {
  console.log(text);
  report.push(text);
}

async function main() {
  const argv = process.argv;
  const seedsAt = argv.indexOf('--seeds');
  const nSeeds = seedsAt >= 0 ? Number(argv[seedsAt + 1]) : 3;
  const skipCaptions = argv.includes('--skip-captions');
  const dirAt = argv.indexOf('--dir');
  const dir = dirAt >= 0 ? argv[dirAt + 1] : undefined;
  const outAt = argv.indexOf('--out');
  if (!process.stderr.isTTY) setProgressSink(null);
  await ensureBackend();
  const t0 = Date.now();
  const enc = await jointEncoder(dir ? { dir } : {});
  say(`encoder ${enc.name} (dim ${enc.dim}, ${enc.vocabulary.length} words, logit scale ${enc.logitScale.toFixed(1)}); backend ${backendName()}`);

  const { zeroShot, retrieval } = await encoderQuality(enc);
  say('\nZero-shot classification');
  say(table([['dataset', 'prompts', 'n', 'accuracy', 'chance', 'ratio'], ...zeroShot.map((r) => [r.dataset, r.prompts, String(r.n), pct(r.accuracy), pct(r.chance), (r.accuracy / r.chance).toFixed(1) + 'x'])]));
  say('\nAttribute retrieval (precision of the top 50 images, and of the top R where R = images with the attribute)');
  say(table([['images', 'caption', 'P@50', 'R-precision', 'base rate', 'ratio (R-prec.)'], ...retrieval.map((r) => [r.set, r.caption, pct(r.precision), pct(r.rPrecision), pct(r.baseRate), (r.rPrecision / r.baseRate).toFixed(1) + 'x'])]));

  const trials: CaptionTrial[] = [];
  let captionSummary: { benchmark: string; trials: number; successes: number; rate: number; namesHardest: number; grounded: number; chance: number }[] = [];
  if (!skipCaptions) {
    for (let seed = 0; seed < nSeeds; seed++) {
      trials.push(...(await coloredMnistTrials(enc, seed)));
      trials.push(...(await hiddenSubclassTrials(enc, seed)));
      trials.push(...(await hiddenSubclassTrials(enc, seed, 'seasonal')));
      console.error(`captions: seed ${seed} done (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
    say('\nCaptioning failure directions (top negative caption)');
    say(
      table([
        ['benchmark', 'seed', 'class', 'errors/n', 'target', 'err target / others', 'ok', 'rank', 'top caption', 'hardest', 'acc@50 / class', 'grounded top'],
        ...trials.map((t) => [
          t.benchmark,
          String(t.seed),
          t.className,
          `${t.nErrors}/${t.n}`,
          t.target,
          targetVsOthers(t),
          t.success ? 'yes' : 'NO',
          String(t.firstTargetRank),
          t.top[0]?.caption ?? '(no SVM)',
          t.namesHardest === null ? '-' : t.namesHardest ? 'named' : `not (${t.hardestGroup})`,
          `${pct(t.retrieval.accuracy)} / ${pct(t.retrieval.classAccuracy)}`,
          t.groundedTop === null ? '-' : `${t.groundedTop}${t.groundedSuccess ? '' : ' (miss)'}`,
        ]),
      ]),
    );
    const summary = (b: CaptionTrial['benchmark']) => {
      const ts = trials.filter((t) => t.benchmark === b);
      const ok = ts.filter((t) => t.success).length;
      const hard = ts.filter((t) => t.namesHardest).length;
      const grounded = ts.filter((t) => t.groundedSuccess).length;
      const chance = ts.reduce((s, t) => s + t.chance, 0) / ts.length;
      return { benchmark: b, trials: ts.length, successes: ok, rate: ok / ts.length, namesHardest: hard / ts.length, grounded: grounded / ts.length, chance };
    };
    captionSummary = (['coloredMnist', 'hiddenSubclass', 'hiddenSubclass (seasonal)'] as const).map(summary);
    say('\nCaption success rate (top negative caption names the target)');
    say(
      table([
        ['benchmark', 'seeds', 'success', 'rate', 'random ranking', 'ratio', 'names hardest group', 'grounded captions'],
        ...captionSummary.map((s) => [s.benchmark, String(nSeeds), `${s.successes}/${s.trials}`, pct(s.rate), pct(s.chance), (s.rate / s.chance).toFixed(1) + 'x', pct(s.namesHardest), pct(s.grounded)]),
      ]),
    );
  }
  const seconds = (Date.now() - t0) / 1000;
  const out = outAt >= 0 ? path.resolve(argv[outAt + 1]) : path.join(__dirname, '..', 'results', 'encoder.json');
  const result = {
    encoder: enc.name,
    weightsSha256: enc.manifest.weightsSha256,
    backend: backendName(),
    training: (({ seconds, epochs, seed, alignWeight }) => ({ seconds, epochs, seed, alignWeight }))((enc.manifest.training ?? {}) as Record<string, unknown>),
    zeroShot,
    retrieval,
    captions: skipCaptions ? null : { seeds: nSeeds, summary: captionSummary, trials },
    seconds,
  };
  writeFileAtomic(out, Buffer.from(JSON.stringify(result, null, 1) + '\n'));
  // The same tables as Markdown-friendly preformatted text, for the README / closing note.
  const md = ['# Joint encoder quality (`npm run bench:encoder`)', '', '```', ...report, '```', '', `Backend ${backendName()}, ${seconds.toFixed(0)} s.`, ''].join('\n');
  writeFileAtomic(out.replace(/\.json$/, '.md'), Buffer.from(md));
  console.log(`\nwrote ${path.relative(process.cwd(), out)} and encoder.md (${seconds.toFixed(0)} s)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
