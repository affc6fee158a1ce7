import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Figure } from '../../src/viz/figure';
import { plotlyLoaderHtml } from '../../src/viz/plotly-embed';
import { checkInChromium } from '../../kernel/browser-check';

describe('viz/plotly-embed in headless Chromium', function () {
  this.timeout(180_000);

  it('draws every figure whatever the output order, with the loader repeated', async () => {
    const before = new Figure({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { title: 'before the loader' } });
    const after = new Figure({ data: [{ type: 'scatter', x: [1, 2], y: [1, 2] }], layout: { title: 'after the loader' } });
    const html = (f: Figure) => f.toMimeBundle()['text/html'] as string;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-order-'));
    const file = path.join(dir, 'order.html');
    // As in a notebook whose init cell was re-run below a figure, then again (a second loader copy).
    fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${html(before)}${plotlyLoaderHtml()}${html(after)}${plotlyLoaderHtml()}</body></html>`);
    try {
      const r = await checkInChromium(file);
      assert.equal(r.figures, 2);
      assert.equal(r.drawn, 2, JSON.stringify(r));
      assert.ok(r.mainSvg >= 4);
      assert.equal(r.previewsLeft, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
