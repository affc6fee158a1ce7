/**
 * End-to-end: notebooks/04-interventions executed headless through the project's tslab kernel (a real,
 * small intervention experiment plus the committed benchmark results), its outputs checked.
 * Needs Jupyter (Debian packages) and chromium (figure PNGs): `bash kernel/setup.sh --with-chromium`.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { NotebookRun, REPO_ROOT, runNotebooks } from '../../kernel/run-notebooks';
import { join, codeCells, src, richOf, assertRanCleanly, assertFigurePngs } from './notebook-cells';



describe('notebooks: 04-interventions, executed headless', function () {
  this.timeout(30 * 60 * 1000);
  let run: NotebookRun;

  before(async () => {
    [run] = await runNotebooks({ names: ['04-interventions'], outDir: path.join(REPO_ROOT, 'out', 'notebooks'), log: () => {} });
    process.stderr.write(`      [04-interventions: ${run.seconds.toFixed(1)} s, .ipynb ${(run.notebookBytes / 1e6).toFixed(2)} MB]\n`);
  });

  it('runs every cell, with figures, image strips and tables and nothing on stderr', () => {
    assertRanCleanly(run.notebook, '04-interventions');
    const rich = richOf(run.notebook);
    assert.equal(rich.filter((d) => join(d['text/html']).includes('fd-plotly-src-')).length, 1, 'plotly.js embedded once');
    const figures = rich.filter((d) => 'application/vnd.plotly.v1+json' in d);
    assert.equal(figures.length, 4, 'precision@K, before/after, benchmark AP, benchmark worst-group');
    const strips = rich.filter((d) => 'image/png' in d && !('application/vnd.plotly.v1+json' in d));
    assert.equal(strips.length, 4, 'test images by group, and the SVM / Domino / entropy pool picks');
  });

  it('has a PNG of every figure drawn by plotly.js at export, stored once', async () => {
    assert.equal((await assertFigurePngs(run.notebook, run.html, '04-interventions')).length, 4);
  });

  it('ranks with every method in both spaces, picks mostly minority images with the SVM, and shows every arm and the benchmark', () => {
    const cells = codeCells(run.notebook);
    const text = (needle: string) => {
      const cell = cells.find((c) => src(c).includes(needle));
      assert.ok(cell, `no cell with ${needle}`);
      return (cell.outputs ?? []).map((o) => join(o.data?.['text/plain']) + join(o.text)).join('\n');
    };
    const ranking = text("exp.rankingSummaryTable([r])");
    for (const m of ['svm', 'domino', 'dominoTop', 'confidence', 'maxSoftmax', 'entropy', 'random']) assert.match(ranking, new RegExp(`^${m}\\s`, 'm'));
    assert.match(ranking, /10 rows x 7 columns/);
    const picks = text('fd.selectFromPool(null, pool');
    const svmMinority = Number(/^svm\s+16\s+(\d+)/m.exec(picks)?.[1]);
    assert.ok(svmMinority >= 12, `the SVM's 16 first pool picks hold ${svmMinority} minority images`);
    const captions = text('aq.from(r.captions)');
    assert.match(captions, /digit 0-4\s+small/);
    const arms = text('exp.interventionTable([r])');
    for (const a of ['base', 'pool:svm:joint', 'pool:svm:penultimate', 'pool:domino:joint', 'pool:domino:penultimate', 'pool:entropy', 'pool:random', 'upweight:balanced:joint', 'upweight:balanced:penultimate']) {
      assert.match(arms, new RegExp(`^${a}\\s`, 'm'));
    }
    const bench = text('science.json');
    assert.match(bench, /full run of .*: 6 settings, 30 runs/);
  });
});
