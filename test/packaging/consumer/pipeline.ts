/**
 * A user's first script, run by test/packaging/pack-install.test.ts inside a fresh project where
 * failure-directions was installed from its `npm pack` tarball (so only what the tarball ships and
 * what npm resolves for a user is there). It is compiled there with this repository's TypeScript
 * against the installed `.d.ts` files, then run with plain `node`.
 *
 * Short real pipeline: Colored MNIST subset -> small CNN (learns the colour shortcut) -> predictions
 * -> shipped joint encoder embeddings -> FailureDirections -> scores table, plus an image strip
 * (rendered text needs the shipped fonts) and one loader call with an explicit `cacheDir` option.
 * It writes a JSON report (argv[2]) that the test checks; it asserts nothing itself.
 *
 * It uses the entry points a user has: the curated root and the `failure-directions/internal` and
 * `failure-directions/experiments` subpaths.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fd from 'failure-directions';
import * as internal from 'failure-directions/internal';
import * as exp from 'failure-directions/experiments';

async function main(): Promise<void> {
  const [reportFile, optionCacheDir] = process.argv.slice(2);
  if (!reportFile || !optionCacheDir) throw new Error('usage: node pipeline.js <report.json> <option-cache-dir>');
  const t0 = Date.now();
  const splits = fd.coloredMnist({ trainCorr: 0.95, seed: 0, sizes: { train: 1000, val: 600, unlabeled: 0, test: 600 } });
  const { train, val, test } = splits;
  const model = await fd.trainClassifier(train, { epochs: 2, seed: 0 });
  const encoder = await fd.jointEncoder();
  const a = await fd.analyze({ model, encoder, train, val, test, seed: 0 });
  const scores = a.scores.test;
  const strip = fd.imageStrip(test, fd.hardest(scores, { classId: 0, k: 3 }), { labelColumns: ['score', 'predName'], title: 'fonts' });
  // The per-call option wins over $FD_CACHE_DIR and the user cache directory.
  fd.loadMnist({ cacheDir: optionCacheDir });

  const score = scores.array('score') as ArrayLike<number>;
  const correct = scores.array('correct') as ArrayLike<boolean>;
  const groups = scores.array('group') as ArrayLike<string>;
  const report = {
    seconds: (Date.now() - t0) / 1000,
    cacheDir: internal.cacheDir(),
    encoder: encoder.name,
    // set by the first text render to a generated fonts.conf that points at the shipped fonts
    fontconfigFile: process.env.FONTCONFIG_FILE ?? null,
    rows: scores.numRows(),
    columns: scores.columnNames(),
    finiteScores: Array.from(score).filter(Number.isFinite).length,
    testErrors: Array.from(correct).filter((c) => !c).length,
    // How well the score ranks the test split's real errors and its minority group (low score = failure side).
    aurocErrors: fd.auroc(score, Array.from(correct, (c) => !c)),
    aurocDisagrees: fd.auroc(score, Array.from(groups, (g) => g === 'disagrees')),
    onnxRuntime: internal.onnxRuntimeStatus(),
    // the experiments subpath: the caption check reads the planted minority from the protocol
    experimentMethods: exp.EXPERIMENT_METHODS,
    captionTarget: exp.captionSpecFor(splits)?.target(0) ?? null,
    stripPngBytes: strip.png.length,
    stripSize: [strip.width, strip.height],
    optionCacheFiles: fs.readdirSync(optionCacheDir).sort(),
    packageDir: path.dirname(require.resolve('failure-directions/package.json')),
  };
  fs.writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
