import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Figure } from '../../src/viz/figure';
import { plotlyLoaderHtml } from '../../src/viz/plotly-embed';
import { type Browser, launchChromium } from '../../kernel/browser';
import { checkInChromium } from '../../kernel/browser-check';

describe('viz/plotly-embed in headless Chromium', function () {
  this.timeout(180_000);
  let browser: Browser;
  let dir: string;
  const html = (f: Figure) => f.toMimeBundle()['text/html'] as string;
  const page = (body: string) => {
    const file = path.join(dir, `page-${fs.readdirSync(dir).length}.html`);
    fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${body}</body></html>`);
    return file;
  };

  before(async () => {
    browser = await launchChromium();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-embed-'));
  });
  after(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws every figure whatever the output order, with the loader repeated, and no page errors', async () => {
    const before = new Figure({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { title: 'before the loader' } });
    const after = new Figure({ data: [{ type: 'scatter', x: [1, 2], y: [1, 2] }], layout: { title: 'after the loader' } });
    // As in a notebook whose init cell was re-run below a figure, then again (a second loader copy).
    const file = page(`${html(before)}${plotlyLoaderHtml()}${html(after)}${plotlyLoaderHtml()}`);
    const r = await checkInChromium(file, { browser });
    assert.equal(r.figures, 2);
    assert.equal(r.drawn, 2, JSON.stringify(r));
    assert.ok(r.mainSvg >= 4);
    assert.equal(r.placeholdersLeft, 0, 'placeholders removed once drawn');
    assert.match(r.plotlyStatus, /^plotly\.js \d+\.\d+\.\d+ ready/);
  });

  it('Figure.saveHtml writes a standalone offline page that draws the figure', async () => {
    const fig = new Figure({ data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { title: { text: 'saved & kept' } } });
    const file = path.join(dir, 'saved.html');
    fig.saveHtml(file);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /^<!DOCTYPE html>/);
    assert.match(text, /<title>Figure\(&quot;saved &amp; kept&quot;, bar\[2\]\)<\/title>/);
    const r = await checkInChromium(file, { browser });
    assert.equal(r.figures, 1);
    assert.equal(r.drawn, 1, JSON.stringify(r));
  });

  it('fails on a JavaScript error on the page, naming it', async () => {
    const bad = new Figure({ data: [{ type: 'bar', x: ['a'], y: [1] }], layout: { title: 'fine' } });
    const file = page(`${plotlyLoaderHtml()}${html(bad)}<script>setTimeout(function () { null.boom(); }, 10);</script><script>console.error('something broke');</script>`);
    await assert.rejects(checkInChromium(file, { browser }), (e: Error) => {
      assert.match(e.message, /JavaScript errors on .*page-\d+\.html \(2\)/);
      assert.match(e.message, /uncaught TypeError: Cannot read properties of null \(reading 'boom'\)/);
      assert.match(e.message, /console\.error: something broke/);
      return true;
    });
  });

  it('fails when the page reaches for the network (exports must work offline)', async () => {
    const file = page(`${plotlyLoaderHtml()}<img src="https://cdn.example.invalid/x.png">`);
    await assert.rejects(checkInChromium(file, { browser, timeoutMs: 5000 }), /network request blocked .*https:\/\/cdn\.example\.invalid\/x\.png/);
  });

  it('reports figures that did not draw (no plotly.js on the page): placeholder left, no main-svg', async () => {
    const fig = new Figure({ data: [{ type: 'bar', x: ['a'], y: [1] }], layout: { title: 'never drawn' } });
    const r = await checkInChromium(page(html(fig)), { browser, timeoutMs: 1500 });
    assert.deepEqual([r.figures, r.drawn, r.mainSvg, r.placeholdersLeft], [1, 0, 0, 1]);
  });
});
