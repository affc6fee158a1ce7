/**
 * End-to-end: the three tutorial notebooks (01 Colored MNIST, 02 hidden subclass, 03 your own data)
 * executed headless through the project's tslab kernel, their outputs checked (every figure has a PNG
 * drawn by plotly.js at export; the two-panel histogram's PNG has two panels), the flagship re-executed
 * for identical outputs, and every HTML export opened in headless Chromium: no JavaScript error, every
 * Plotly figure drew, every image loaded, and clicking the C slider changes the ranking shown. Full-page
 * screenshots are kept in out/notebooks/. Needs Jupyter and chromium (`bash kernel/setup.sh --with-chromium`).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadFashionMnist, loadMnist } from '../../src/data';
import { NotebookRun, REPO_ROOT, runNotebook, runNotebooks } from '../../kernel/run-notebooks';
import { type Browser, launchChromium } from '../../kernel/browser';
import { BrowserReport, checkInChromium } from '../../kernel/browser-check';
import { FigurePngRenderer } from '../../kernel/figure-png';
import { checkSliders, type SliderCheckResult } from './page-scripts';
import { join, cellsOf, codeCells, outputsOf, richOf, assertRanCleanly, assertFigurePngs, type FigurePngInfo, type Output } from './notebook-cells';
import { inkByArea } from '../kernel/png-ink';


const NAMES = ['01-colored-mnist', '02-hidden-subclass', '03-your-own-data'];
const outputs = outputsOf;
const rich = richOf;
const isFigure = (d: Record<string, unknown>) => 'application/vnd.plotly.v1+json' in d;
const isStrip = (d: Record<string, unknown>) => 'image/png' in d && !isFigure(d);
/**
 * A finished progress line ("embed train: 3000/3000 done") shows whether a step ran or was served
 * from the embedding cache, so it depends on the cache's state, not on the computation: leave those
 * out when comparing two runs.
 */
const isProgress = (o: Output) => o.output_type === 'display_data' && join(o.data?.['text/html']).includes('class="fd-progress"');
const resultsOf = (file: string) => JSON.stringify(codeCells(file).map((c) => (c.outputs ?? []).filter((o) => !isProgress(o))));

describe('notebooks: 01-03 tutorials, executed headless and opened in Chromium', function () {
  this.timeout(1_200_000);
  const outDir = path.join(REPO_ROOT, 'out', 'notebooks');
  const runs = new Map<string, NotebookRun>();
  const reports = new Map<string, BrowserReport>();
  const pngs = new Map<string, FigurePngInfo[]>();
  let browser: Browser;

  before(async () => {
    // Corpus caches first: their one-time conversion reports progress of its own.
    loadMnist();
    loadFashionMnist();
    for (const r of await runNotebooks({ names: NAMES, outDir, log: () => {} })) {
      runs.set(r.name, r);
      const p = r.pngs ? `, ${r.pngs.figures} figure PNGs ${(r.pngs.bytes / 1e3).toFixed(0)} KB in ${(r.pngs.ms / 1000).toFixed(1)} s` : '';
      process.stderr.write(`      [${r.name}: ${r.seconds.toFixed(1)} s, .ipynb ${(r.notebookBytes / 1e6).toFixed(2)} MB, .html ${(r.htmlBytes / 1e6).toFixed(2)} MB${p}]\n`);
    }
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it('the committed notebooks are small, unexecuted, open with fd.init() and import the package by name', () => {
    for (const name of NAMES) {
      const file = path.join(REPO_ROOT, 'notebooks', `${name}.ipynb`);
      assert.ok(fs.statSync(file).size < 40_000, `${name}.ipynb is ${fs.statSync(file).size} bytes`);
      const cells = cellsOf(file);
      assert.ok(cells.every((c) => c.cell_type !== 'code' || ((c.outputs ?? []).length === 0 && c.execution_count == null)), `${name}: saved without outputs`);
      const first = join(codeCells(file)[0].source);
      assert.match(first, /import \* as fd from 'failure-directions';/);
      assert.match(first, /^fd\.init\(\);$/m);
      const prose = cells.filter((c) => c.cell_type === 'markdown').length;
      assert.ok(prose >= codeCells(file).length / 2, `${name}: a tutorial, with prose between the cells (${prose} markdown cells)`);
    }
  });

  it('every cell ran in order, with nothing on stderr; plotly.js embedded once per notebook', () => {
    for (const name of NAMES) {
      const file = runs.get(name)!.notebook;
      assertRanCleanly(file, name);
      assert.equal(rich(file).filter((d) => join(d['text/html']).includes('fd-plotly-src-')).length, 1, `${name}: plotly.js embedded once`);
    }
  });

  it('01 shows the whole pipeline: data strips, group accuracy, cv_, C sweep, scores, projections, histograms, strips, rankings, slider, refit, captions', () => {
    const file = runs.get('01-colored-mnist')!.notebook;
    const d = rich(file);
    const figures = d.filter(isFigure).map((f) => f['application/vnd.plotly.v1+json'] as { data: Array<{ type: string }>; layout: { sliders?: unknown[]; title?: { text?: string } } });
    const titles = figures.map((f) => String(f.layout.title?.text ?? ''));
    assert.ok(titles.some((t) => /balanced accuracy vs C/.test(t)), 'C sweep');
    assert.equal(titles.filter((t) => /^Test images of class .* along its failure direction/.test(t)).length, 2, 'a projection per class');
    assert.equal(titles.filter((t) => /captions along its failure direction/.test(t)).length, 2, 'a caption plot per class');
    assert.ok(titles.some((t) => /Test scores per class/.test(t)), 'score histogram');
    assert.ok(titles.some((t) => /among the K hardest/.test(t)), 'precision@K');
    const slider = figures.find((f) => f.layout.sliders?.length);
    assert.ok(slider, 'the C slider figure');
    assert.equal(slider.data.filter((t) => t.type === 'table').length, 7, 'one ranking table per C of the grid');
    // Section 8: the live panel (its widgets, histogram, table and strip of the hardest) with the precomputed slider as its fallback.
    assert.ok(d.some((x) => 'application/vnd.jupyter.widget-view+json' in x), "the live panel's widgets");
    assert.ok(d.some((x) => join(x['text/html']).includes('class="fd-c-slider-table"')), "the panel's table of the hardest");
    assert.ok(d.some((x) => join(x['text/html']).includes('class="fd-c-slider-strip"')), "the panel's strip of the hardest");
    assert.ok(d.some((x) => isFigure(x) && join(x['text/html']).includes('class="fd-c-slider-fallback"')), 'the precomputed slider, as the fallback');
    assert.ok(d.filter(isStrip).length >= 6, 'example strips and hardest / easiest strips');
    const text = d.map((x) => join(x['text/plain'])).join('\n');
    assert.match(text, /group\s+images\s+accuracy/, 'test accuracy by group');
    assert.match(text, /class\s+className\s+n\s+nErrors\s+C\s+cvBalancedAccuracy\s+status/, 'cv_ table');
    assert.match(text, /className\s+method\s+n\s+nTarget\s+auroc/, 'evaluateRanking table');
    assert.match(text, /0\.0003/, 'cv_ after refit(0, 3e-4) shows the new C');
    assert.match(text, /caption\s+score\s+adjective\s+noun\s+preposition\s+unknownWords/, 'rankCaptions table');
    assert.match(text, /className\s+caption\s+images\s+accuracy\s+classAccuracy/, 'retrieveByCaption accuracies');
    assert.match(text, /joint encoder/, 'comparison with the model\'s own space');
  });

  it('02 names the planted hidden subclasses; 03 reads the files it wrote back', () => {
    const out02 = outputs(runs.get('02-hidden-subclass')!.notebook).filter((o) => o.output_type === 'stream').map((o) => join(o.text)).join('');
    assert.match(out02, /lift at the failure end: .*other -> Dress.*\(\d of 3 planted\)/);
    assert.match(out02, /captions: .*other -> Dress.*\(\d of 3 planted\)/);
    const out03 = outputs(runs.get('03-your-own-data')!.notebook).filter((o) => o.output_type === 'stream').map((o) => join(o.text)).join('');
    assert.match(out03, /4000 PNG files written/);
    assert.match(out03, /train 2000, val 1000, test 1000 images/);
    assert.match(out03, /reloaded scores identical: true/);
    assert.match(out03, /classes coat, pullover, shirt, t-shirt; splits val, test; features 64-d/);
    // C: the committed PyTorch model through ONNX Runtime, captions from precomputed text embeddings
    assert.match(out03, /fashion-tops-resnet\.onnx: input 'input' 1x28x28; trained 3 epochs/);
    assert.match(out03, /embedding: '\/Flatten_output_0', 64-d/);
    assert.match(out03, /"a photo of a [^"]+": accuracy \d+% on its 25 nearest test shirts, \d+% on all test shirts/);
    assert.match(out03, /kept \d+ of \d+ words; dropped \d+: .*\(unknown to joint-encoder/);
  });

  it('every Plotly figure has a PNG drawn by plotly.js at export, stored once (not in the HTML)', async () => {
    for (const name of NAMES) {
      const r = runs.get(name)!;
      const found = await assertFigurePngs(r.notebook, r.html, name);
      assert.equal(found.length, rich(r.notebook).filter(isFigure).length);
      assert.equal(r.pngs?.figures, found.length, `${name}: the runner's report counts every figure`);
      pngs.set(name, found);
    }
    // Eight figures plus the live C slider panel's histogram (the precomputed slider is the panel's fallback).
    assert.equal(pngs.get('01-colored-mnist')!.length, 9, '01 has 9 figures');
  });

  it("01: the two-panel score histogram's PNG has two panels, where plotly's layout puts them", async () => {
    const hist = pngs.get('01-colored-mnist')?.find((p) => /Test scores per class/.test(p.title));
    assert.ok(hist, 'the score histogram of 01');
    const renderer = await FigurePngRenderer.open(browser);
    try {
      const areas = await renderer.plotAreas(hist.spec);
      assert.equal(areas.length, 2, `two subplots in the spec: ${JSON.stringify(areas)}`);
      const [a, b] = [...areas].sort((p, q) => p.x - q.x);
      assert.ok(b.x > a.x + a.width + 5, `side by side, apart: ${JSON.stringify(areas)}`);
      const ink = await inkByArea(hist.png, areas);
      for (const p of ink.inside) assert.ok(p.columns > 0.2 * p.width, `panel ${p.id} has its bars in the PNG: ${JSON.stringify(ink)}`);
      assert.equal(ink.between, 0, `no bars between the panels (a merged chart has them): ${JSON.stringify(ink)}`);
    } finally {
      await renderer.close();
    }
  });

  it('executed notebooks and HTML exports stay small (plotly.js once, no repeated library)', () => {
    for (const name of NAMES) {
      const r = runs.get(name)!;
      assert.ok(r.notebookBytes < 5e6, `${name}: executed .ipynb is ${r.notebookBytes} bytes`);
      assert.ok(r.htmlBytes < 5e6, `${name}: HTML is ${r.htmlBytes} bytes`);
    }
  });

  it('01 re-executes to the same outputs', async () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-flagship-again-'));
    try {
      const second = await runNotebook(path.join(REPO_ROOT, 'notebooks', '01-colored-mnist.ipynb'), { outDir: again });
      const first = runs.get('01-colored-mnist')!.notebook;
      assert.equal(resultsOf(second.notebook), resultsOf(first));
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });

  for (const name of NAMES) {
    it(`${name}: every figure draws and every image loads in headless Chromium (screenshot kept)`, async () => {
      const r = runs.get(name)!;
      const shot = path.join(outDir, `${name}.png`);
      // Throws on any JavaScript error on the page.
      const report = await checkInChromium(r.html, { browser, screenshot: shot, pageCheck: name === '01-colored-mnist' ? checkSliders : undefined });
      reports.set(name, report);
      const nFigures = rich(r.notebook).filter(isFigure).length;
      const nStrips = rich(r.notebook).filter(isStrip).length;
      assert.ok(nFigures > 0);
      assert.equal(report.figures, nFigures, `${name}: one figure container per figure output: ${JSON.stringify(report)}`);
      assert.equal(report.drawn, nFigures, `${name}: every figure drew: ${JSON.stringify(report)}`);
      assert.ok(report.mainSvg >= nFigures, `${name}: Plotly main-svg per figure: ${JSON.stringify(report)}`);
      assert.equal(report.placeholdersLeft, 0, 'placeholders replaced by the interactive charts');
      assert.equal(report.images, nStrips, `${name}: one <img> per image strip`);
      assert.equal(report.imagesLoaded, report.images, `${name}: every image decoded`);
      const meta = await sharp(shot).metadata();
      assert.equal(meta.width, 1100);
      assert.ok((meta.height ?? 0) > 3000 && Math.abs((meta.height ?? 0) - report.height) <= 1, `${name}: full-page screenshot (${meta.height} px of a ${report.height} px page)`);
    });
  }

  it('01: moving the C slider changes the ranking shown', () => {
    const page = reports.get('01-colored-mnist')?.page as SliderCheckResult | undefined;
    assert.ok(page, 'the Chromium check of 01 clicked the slider');
    assert.equal(page.sliders.length, 1);
    const s = page.sliders[0];
    assert.equal(s.steps, 7);
    assert.equal(s.initial.tables, 1, 'one ranking table visible');
    assert.match(s.initial.title, /\(chosen by CV\)/, 'the figure opens on the C chosen by cross-validation');
    for (const st of [...s.states, s.back]) {
      assert.ok(st.updated, `step ${st.active}: the slider ran its update`);
      assert.equal(st.tables, 1, `step ${st.active}: exactly one ranking table visible`);
      assert.ok(st.ids && st.ids.length === 10);
      // What the page draws is the visible table's ranking.
      for (const id of st.ids!) assert.ok(st.shown.includes(id), `step ${st.active}: id ${id} drawn in the table`);
    }
    assert.deepEqual(s.states.map((st) => st.active).sort(), [0, 1, 2, 3, 4, 5, 6].filter((k) => k !== s.initial.active), 'every other step clicked');
    assert.equal(new Set([s.initial, ...s.states].map((st) => st.title)).size, 7, 'each step has its own title (its C)');
    const rankings = new Set([s.initial, ...s.states].map((st) => st.ids!.join(' ')));
    assert.ok(rankings.size >= 2, `the shown ranking changes with C (${rankings.size} distinct rankings)`);
    assert.deepEqual(s.back.ids, s.initial.ids, 'clicking the initial step again restores its ranking');
  });
});
