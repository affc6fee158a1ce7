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
    assert.equal(strips.length, 2, 'SVM picks and random picks');
  });

  it('has a PNG of every figure drawn by plotly.js at export, stored once', async () => {
    assert.equal((await assertFigurePngs(run.notebook, run.html, '04-interventions')).length, 4);
  });

  it("shows the SVM's pool picks all in the minority group, and every intervention arm", () => {
    const cells = codeCells(run.notebook);
    const text = (needle: string) => {
      const cell = cells.find((c) => src(c).includes(needle));
      assert.ok(cell, `no cell with ${needle}`);
      return (cell.outputs ?? []).map((o) => join(o.data?.['text/plain']) + join(o.text)).join('\n');
    };
    const picks = text('fd.selectFromPool(run.directions, pool');
    assert.match(picks, /16 rows x 9 columns/);
    assert.ok(!/\bagrees\b/.test(picks), 'an SVM pick agrees with its label');
    const arms = text('internal.interventionTable([r])');
    for (const a of ['base', 'pool:svm', 'pool:confidence', 'pool:random', 'upweight:balanced', 'upweight:overweight', 'upweight:soft']) assert.match(arms, new RegExp(`^${a}\\s`, 'm'));
    const bench = text('science.json');
    assert.match(bench, /full run of .*: 4 settings, 20 runs/);
  });
});
