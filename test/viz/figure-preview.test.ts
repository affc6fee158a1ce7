import { strict as assert } from 'node:assert';
import sharp from 'sharp';
import { figurePng, figureSvg } from '../../src/viz/figure-preview';

async function pixel(png: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const o = (y * info.width + x) * info.channels;
  return Array.from(data.subarray(o, o + 3));
}

describe('viz/figure-preview', () => {
  it('lays out title, axis titles, ticks, legend and one marker per point', () => {
    const svg = figureSvg({
      data: [
        { type: 'scatter', mode: 'markers', name: 'digit 0', x: [0, 1, 2], y: [0, 1, 4] },
        { type: 'scattergl', mode: 'markers', name: 'digit 1', x: new Float32Array([3, 4]), y: new Float32Array([1, 2]) },
      ],
      layout: { title: { text: 'PCA <b>demo</b>' }, xaxis: { title: { text: 'PC 1' } }, yaxis: { title: 'PC 2' } },
    });
    assert.match(svg, /<text[^>]*>PCA demo<\/text>/);
    assert.match(svg, />PC 1</);
    assert.match(svg, />PC 2</);
    assert.match(svg, />digit 0</);
    assert.match(svg, />digit 1</);
    assert.equal((svg.match(/<circle cx/g) ?? []).length, 5 + 2); // 5 markers + 2 legend symbols
    for (const tick of ['0', '1', '2', '3', '4']) assert.match(svg, new RegExp(`text-anchor="middle">${tick}</text>`));
  });

  it('bins histograms over shared edges and honours histnorm', () => {
    const svg = figureSvg({
      data: [
        { type: 'histogram', x: [0.1, 0.2, 0.3, 1.1], xbins: { start: 0, end: 2, size: 1 }, name: 'a' },
        { type: 'histogram', x: [1.5, 1.6], name: 'b', histnorm: 'percent' },
      ],
      layout: { barmode: 'overlay' },
    });
    const bars = svg.match(/fill="#1f77b4" stroke/g) ?? [];
    assert.equal(bars.length, 2); // two bins for trace a
    // Trace b shares the bins: both values fall in [1, 2), one bar at 100 (percent).
    const b = svg.match(/fill="#ff7f0e" stroke/g) ?? [];
    assert.equal(b.length, 1);
    assert.match(svg, />100<\/text>/);
  });

  it('draws log axes with decade ticks and notes unsupported traces', () => {
    const svg = figureSvg({
      data: [{ type: 'scatter', x: [1e-6, 1e-3, 1], y: [0.5, 0.7, 0.6], error_y: { array: [0.1, 0.1, 0.1] } }, { type: 'heatmap', z: [[1]] }],
      layout: { xaxis: { type: 'log' } },
    });
    assert.match(svg, />1e-6</);
    assert.match(svg, />0\.001</);
    assert.match(svg, />1</);
    assert.match(svg, /preview omits: heatmap/);
  });

  it('rasterises at the layout size with the trace colour where the markers are', async () => {
    const spec = { data: [{ type: 'scatter', mode: 'markers', x: [0, 1], y: [0, 1], marker: { size: 40, color: '#d62728' } }], layout: { width: 400, height: 300, xaxis: { range: [-1, 2] }, yaxis: { range: [-1, 2] } } };
    const png = figurePng(spec);
    const meta = await sharp(png).metadata();
    assert.equal(meta.width, 400);
    assert.equal(meta.height, 300);
    // Find the marker at data (0, 0) from the SVG, then read its pixel.
    const m = /<circle cx="([\d.]+)" cy="([\d.]+)" r="20"\/>/.exec(figureSvg(spec));
    assert.ok(m);
    const [r, g, b] = await pixel(png, Math.round(Number(m[1])), Math.round(Number(m[2])));
    assert.ok(Math.abs(r - 0xd6) < 12 && Math.abs(g - 0x27) < 12 && Math.abs(b - 0x28) < 12, `pixel ${r},${g},${b}`);
  });

  it('is deterministic', () => {
    const spec = { data: [{ type: 'bar', x: ['a', 'b'], y: [2, 3] }], layout: { title: 'bars' } };
    assert.equal(figurePng(spec).compare(figurePng(spec)), 0);
  });
});
