/**
 * End-to-end: the tour notebook executed headless through the project's tslab kernel, its outputs
 * checked (the figure's PNG drawn by plotly.js at export), re-executed to the same bytes, and its HTML
 * export opened in headless Chromium. Also the runner: failures name the cell; a live figure output has
 * no PNG, the export adds one. Needs Jupyter (Debian packages) and chromium:
 * `bash kernel/setup.sh --with-chromium` installs them.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadMnist } from '../../src/data';
import { NotebookError, NotebookRun, REPO_ROOT, runNotebook, runNotebooks } from '../../kernel/run-notebooks';
import { checkInChromium } from '../../kernel/browser-check';
import { join, codeCells, outputsOf as allOutputs, richOf, assertRanCleanly, assertFigurePngs } from './notebook-cells';


const outputsOf = (file: string) => JSON.stringify(codeCells(file).map((c) => c.outputs));

describe('notebooks: the tour, executed headless and opened in Chromium', function () {
  this.timeout(600_000);
  const outDir = path.join(REPO_ROOT, 'out', 'notebooks');
  let run: NotebookRun;

  before(async () => {
    // The first loadMnist call converts the corpus and reports progress; warm the cache so both runs
    // below see the same state (the determinism check compares their outputs).
    loadMnist();
    [run] = await runNotebooks({ names: ['00-tour'], outDir, log: () => {} });
    process.stderr.write(`      [tour: ${run.seconds.toFixed(1)} s, .ipynb ${(run.notebookBytes / 1e6).toFixed(2)} MB, .html ${(run.htmlBytes / 1e6).toFixed(2)} MB]\n`);
  });

  it('renders a table, a Plotly figure and image strips, with no errors', () => {
    assertRanCleanly(run.notebook, 'tour');
    const outputs = allOutputs(run.notebook);
    const rich = richOf(run.notebook);
    const init = rich.find((d) => join(d['text/html']).includes('fd-plotly-src-'));
    assert.ok(init, 'init() embedded plotly.js');
    assert.equal(rich.filter((d) => join(d['text/html']).includes('fd-plotly-src-')).length, 1, 'plotly.js embedded once');
    const tables = rich.filter((d) => join(d['text/html']).includes('class="fd-table"'));
    assert.ok(tables.some((d) => join(d['text/html']).includes('10,000 rows x 5 columns (first 10 shown)')));
    const figures = rich.filter((d) => 'application/vnd.plotly.v1+json' in d);
    assert.equal(figures.length, 1);
    const fig = figures[0];
    assert.ok(join(fig['text/html']).includes('class="fd-figure"'));
    const spec = fig['application/vnd.plotly.v1+json'] as { data: Array<{ x: number[]; name: string }> };
    assert.equal(spec.data.length, 10, 'one trace per digit');
    assert.equal(spec.data.reduce((n, t) => n + t.x.length, 0), 2000);
    const strips = rich.filter((d) => 'image/png' in d && !('application/vnd.plotly.v1+json' in d));
    assert.equal(strips.length, 3);
    assert.ok(rich.some((d) => join(d['text/plain']) === 'mean image per class: 10/10 done'), 'final progress line');
    // No stray echo of the self-rendered values.
    const stdout = outputs.filter((o) => o.output_type === 'stream' && o.name === 'stdout').map((o) => join(o.text));
    assert.deepEqual(stdout, ['10000 images of 28x28 pixels, classes 0 1 2 3 4 5 6 7 8 9\n']);
  });

  it('has a PNG of its figure drawn by plotly.js, stored once (not in the HTML)', async () => {
    const pngs = await assertFigurePngs(run.notebook, run.html, 'tour');
    assert.equal(pngs.length, 1);
    assert.ok(run.pngs && run.pngs.figures === 1 && run.pngs.bytes === pngs[0].bytes, JSON.stringify(run.pngs));
  });

  it('is signed as trusted, and reasonably small', () => {
    const check = spawnSync('/usr/bin/python3', ['-c', 'import sys, nbformat; from nbformat.sign import NotebookNotary; nb = nbformat.read(sys.argv[1], as_version=4); print(NotebookNotary().check_signature(nb))', run.notebook], { encoding: 'utf8' });
    assert.equal(check.stdout.trim(), 'True', check.stderr);
    assert.ok(run.notebookBytes < 3.5e6, `executed tour is ${run.notebookBytes} bytes`);
    assert.ok(run.htmlBytes < 4e6, `HTML export is ${run.htmlBytes} bytes`);
  });

  it('re-executes to the same bytes (outputs, figure PNG, signature)', async () => {
    const again = path.join(os.tmpdir(), `fd-tour-again-${process.pid}`);
    try {
      const second = await runNotebook(path.join(REPO_ROOT, 'notebooks', '00-tour.ipynb'), { outDir: again });
      assert.equal(outputsOf(second.notebook), outputsOf(run.notebook));
      assert.ok(fs.readFileSync(second.notebook).equals(fs.readFileSync(run.notebook)), 'executed .ipynb byte-identical');
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });

  it('draws the Plotly figure and loads every image in headless Chromium', async () => {
    const shot = path.join(outDir, '00-tour.png');
    const report = await checkInChromium(run.html, { screenshot: shot });
    assert.ok(report.mainSvg > 0, `no Plotly main-svg in the DOM: ${JSON.stringify(report)}`);
    assert.equal(report.figures, 1);
    assert.equal(report.drawn, report.figures, `figures drawn: ${JSON.stringify(report)}`);
    assert.equal(report.placeholdersLeft, 0, 'placeholders replaced by the interactive charts');
    assert.ok(report.images >= 3 && report.imagesLoaded === report.images, `images: ${JSON.stringify(report)}`);
    assert.match(report.plotlyStatus, /plotly\.js 4\.\d+\.\d+ ready/);
    const meta = await sharp(shot).metadata();
    assert.equal(meta.width, 1100);
    assert.ok((meta.height ?? 0) > 2000, 'full-page screenshot');
  });
});

describe('notebooks: the runner', function () {
  this.timeout(300_000);

  it('names the notebook, the cell and the error of a failing cell; a live figure output has no PNG', async () => {
    // Inside the repository, so that the notebook resolves the package by name.
    const dir = fs.mkdtempSync(path.join(REPO_ROOT, 'out', 'fd-nb-fail-'));
    const nb = {
      cells: [
        { cell_type: 'markdown', id: 'a', metadata: {}, source: ['# broken'] },
        { cell_type: 'code', id: 'b', metadata: {}, execution_count: null, outputs: [], source: ['console.log(`cache=${process.env.FD_CACHE_DIR}`);'] },
        { cell_type: 'code', id: 'f', metadata: {}, execution_count: null, outputs: [], source: ["import * as fd from 'failure-directions';\n", "fd.show({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { title: { text: 'live' } } });"] },
        { cell_type: 'code', id: 'c', metadata: {}, execution_count: null, outputs: [], source: ['\n', "const answer = JSON.parse('{not json');\n", 'answer'] },
        { cell_type: 'code', id: 'd', metadata: {}, execution_count: null, outputs: [], source: ["console.log('never')"] },
      ],
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    const file = path.join(dir, 'broken.ipynb');
    fs.writeFileSync(file, JSON.stringify(nb));
    const prevCache = process.env.FD_CACHE_DIR;
    process.env.FD_CACHE_DIR = path.join(dir, 'cache');
    try {
      await assert.rejects(runNotebooks({ names: [file], outDir: path.join(dir, 'out'), log: () => {} }), (e: Error & { failures?: NotebookError[] }) => {
        const f = e.failures?.[0];
        assert.ok(f instanceof NotebookError, String(e));
        assert.equal(f.cell, 3);
        assert.equal(f.firstLine, "const answer = JSON.parse('{not json');");
        assert.match(f.detail, /SyntaxError/);
        assert.match(f.message, /broken\.ipynb failed at cell 3 \(0-based\): "const answer = JSON\.parse/);
        assert.ok(fs.existsSync(f.executed), 'the partially executed copy is kept');
        const cells = codeCells(f.executed);
        assert.equal(join(cells[0].outputs?.[0]?.text), `cache=${path.join(dir, 'cache')}\n`, 'FD_CACHE_DIR reaches the kernel');
        // A figure as the kernel publishes it, with no export step after it (the run failed): no PNG.
        const live = (cells[1].outputs ?? []).find((o) => o.data && 'application/vnd.plotly.v1+json' in o.data);
        assert.ok(live, 'the figure cell ran');
        assert.deepEqual(Object.keys(live.data!).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
        assert.deepEqual(cells[3].outputs, [], 'cells after the failure did not run');
        return true;
      });
    } finally {
      if (prevCache === undefined) delete process.env.FD_CACHE_DIR;
      else process.env.FD_CACHE_DIR = prevCache;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names an unknown notebook', async () => {
    await assert.rejects(runNotebooks({ names: ['no-such-notebook'] }), /no notebook named 'no-such-notebook' \(known: 00-tour/);
  });
});
