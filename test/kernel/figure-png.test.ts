import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import sharp from 'sharp';
import { type Browser, launchChromium } from '../../kernel/browser';
import { addFigurePngs, FigurePngRenderer, LazyFigurePngRenderer, type NotebookJson, type PlotlyJsonSpec } from '../../kernel/figure-png';
import { Figure } from '../../src/viz/figure';
import { inkByArea } from './png-ink';

/** Deterministic values spread over [lo, hi] (no RNG needed). */
const spread = (n: number, lo: number, hi: number, k: number) => Array.from({ length: n }, (_, i) => lo + (hi - lo) * ((Math.sin(i * k) + 1) / 2));

/** Two histograms side by side (facets), or the same values merged into one chart across the width. */
function histograms(merged: boolean): PlotlyJsonSpec {
  const a = spread(400, -2, 0, 1.3);
  const b = spread(400, 0.5, 3, 2.7);
  const layout: Record<string, unknown> = { width: 640, height: 360, showlegend: false, margin: { l: 50, r: 20, t: 40, b: 40 }, title: { text: merged ? 'merged' : 'two facets' } };
  if (merged) return { data: [{ type: 'histogram', x: [...a, ...b], marker: { color: '#1f77b4' } }], layout };
  return {
    data: [
      { type: 'histogram', x: a, marker: { color: '#1f77b4' } },
      { type: 'histogram', x: b, xaxis: 'x2', yaxis: 'y2', marker: { color: '#ff7f0e', pattern: { shape: '/' } } },
    ],
    layout: { ...layout, xaxis: { domain: [0, 0.44] }, xaxis2: { domain: [0.56, 1] }, yaxis2: { anchor: 'x2' } },
  };
}

describe('kernel/figure-png: figure PNGs drawn by plotly.js in headless Chromium', function () {
  this.timeout(180_000);
  let browser: Browser;
  let renderer: FigurePngRenderer;

  before(async () => {
    browser = await launchChromium();
    renderer = await FigurePngRenderer.open(browser);
  });
  after(async () => {
    await renderer?.close();
    await browser?.close();
  });

  it('uses the plotly.js bundle that the package embeds', () => {
    const pkg = JSON.parse(fs.readFileSync(require.resolve('plotly.js-dist-min/package.json'), 'utf8')) as { version: string };
    assert.equal(renderer.plotlyVersion, pkg.version);
  });

  it('draws a two-facet figure as two separate plot areas (a merged chart fails the same check)', async () => {
    const areas = await renderer.plotAreas(histograms(false));
    assert.deepEqual(areas.map((a) => a.id), ['x2y2', 'xy']);
    assert.ok(areas[0].x > areas[1].x + areas[1].width, `the panels do not overlap: ${JSON.stringify(areas)}`);
    const two = await inkByArea((await renderer.render(histograms(false))).png, areas);
    for (const p of two.inside) assert.ok(p.columns > 0.5 * p.width, `panel ${p.id} has its bars: ${JSON.stringify(two)}`);
    assert.equal(two.between, 0, `nothing drawn between the panels: ${JSON.stringify(two)}`);
    // Negative control: what the old hand-written renderer did (one chart over the whole width).
    const merged = await inkByArea((await renderer.render(histograms(true))).png, areas);
    assert.ok(merged.between > 10, `a merged chart has bars between the panels: ${JSON.stringify(merged)}`);
  });

  it('is deterministic: the same bytes from a second page in a second browser', async () => {
    const spec = new Figure({
      data: [{ type: 'scatter', mode: 'markers', x: spread(300, 0, 1, 0.7), y: spread(300, 0, 1, 1.9), marker: { color: spread(300, 0, 1, 3.1), colorscale: 'Viridis' } }],
      layout: { width: 500, height: 400, title: { text: 'determinism <b>check</b>' }, annotations: [{ x: 0.5, y: 0.5, text: 'note', showarrow: true }] },
    }).toJSON() as unknown as PlotlyJsonSpec;
    const first = await renderer.render(spec);
    const again = await renderer.render(spec);
    const other = await launchChromium();
    try {
      const r2 = await FigurePngRenderer.open(other);
      const second = await r2.render(spec);
      assert.ok(first.png.equals(again.png), 'same page, same bytes');
      assert.ok(first.png.equals(second.png), 'new browser, same bytes');
    } finally {
      await other.close();
    }
  });

  it('sizes the PNG from the layout (else 700 x 500, as Kaleido), times the scale', async () => {
    const sized = await renderer.render({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { width: 420, height: 300 } });
    assert.deepEqual([sized.width, sized.height], [420, 300]);
    const meta = await sharp(sized.png).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 420, 300]);
    const dflt = await renderer.render({ data: [{ type: 'bar', x: ['a'], y: [1] }] });
    assert.deepEqual([dflt.width, dflt.height], [700, 500]);
    const double = await renderer.render({ data: [{ type: 'bar', x: ['a'], y: [1] }], layout: { width: 200, height: 100 } }, { scale: 2 });
    assert.deepEqual([double.width, double.height], [400, 200]);
    // The palette encoding is what makes PNGs small; the lossless one keeps every pixel.
    const lossless = await renderer.render(histograms(false), { compress: 'lossless' });
    const palette = await renderer.render(histograms(false));
    assert.ok(palette.png.length < lossless.png.length, `${palette.png.length} < ${lossless.png.length}`);
  });

  it('fills image/png into exactly the Plotly outputs of a notebook, naming the figure on failure', async () => {
    const fig = new Figure({ data: [{ type: 'bar', x: ['a'], y: [1] }], layout: { title: { text: 'one bar' }, width: 300, height: 200 } });
    const nb: NotebookJson = {
      cells: [
        { cell_type: 'markdown' },
        { cell_type: 'code', outputs: [{ output_type: 'stream' }, { output_type: 'display_data', data: { 'text/html': '<b>table</b>' } }] },
        { cell_type: 'code', outputs: [{ output_type: 'display_data', data: fig.toMimeBundle() as Record<string, unknown> }] },
      ],
    };
    assert.ok(!('image/png' in nb.cells[2].outputs![0].data!), 'a live figure output has no PNG');
    const report = await addFigurePngs(nb, async () => renderer, 'test-notebook');
    assert.equal(report.figures, 1);
    assert.deepEqual(report.items.map((i) => [i.cell, i.output, i.width, i.height]), [[2, 0, 300, 200]]);
    const png = Buffer.from(nb.cells[2].outputs![0].data!['image/png'] as string, 'base64');
    assert.equal(png.length, report.bytes);
    assert.equal((await sharp(png).metadata()).width, 300);
    assert.ok(!('image/png' in nb.cells[1].outputs![1].data!), 'other outputs untouched');
    await assert.rejects(addFigurePngs(nb, async () => renderer, 'test-notebook', { width: -1 }), /test-notebook, cell 2 \(0-based\), output 0: figure "one bar": plotly\.js could not render it/);
  });

  it('starts no browser for a notebook without figures', async () => {
    const lazy = new LazyFigurePngRenderer({ executablePath: '/nonexistent/chromium' });
    const report = await addFigurePngs({ cells: [{ cell_type: 'code', outputs: [{ output_type: 'display_data', data: { 'text/plain': 'x' } }] }] }, () => lazy.get());
    assert.equal(report.figures, 0);
    assert.equal(lazy.started, false);
    await assert.rejects(lazy.get(), /chromium not found at \/nonexistent\/chromium/);
    await lazy.close();
  });
});
