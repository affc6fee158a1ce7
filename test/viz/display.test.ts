import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as util from 'node:util';
import * as zlib from 'node:zlib';
import * as aq from 'arquero';
import { DisplayMessage, init, inNotebook, notebookProgressSink, setDisplayWriter, show, showHtml } from '../../src/viz/display';
import { Figure } from '../../src/viz/figure';
import { imageStrip } from '../../src/viz/image-strip';
import { packedPlotly, plotlyLoaderHtml } from '../../src/viz/plotly-embed';
import { progress, setProgressSink } from '../../src/util/progress';

const fig = () =>
  new Figure({ data: [{ type: 'scatter', x: new Float32Array([1, 2, 3]), y: [0.1 + 0.2, 2, NaN], name: 'a' }], layout: { title: { text: 'three points' } } });

/** Collects display messages for the duration of `fn`. */
function collect(fn: () => void): Array<{ m: DisplayMessage; update: boolean }> {
  const seen: Array<{ m: DisplayMessage; update: boolean }> = [];
  const prev = setDisplayWriter((m, update) => seen.push({ m, update }));
  try {
    fn();
  } finally {
    setDisplayWriter(prev);
  }
  return seen;
}

/** Captures what is written to stdout during `fn`. */
function stdout(fn: () => void): string {
  const orig = process.stdout.write;
  let text = '';
  process.stdout.write = ((chunk: unknown) => {
    text += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    fn();
  } finally {
    process.stdout.write = orig;
  }
  return text;
}

describe('viz/display', () => {
  it('is not in a notebook under mocha, and then prints text summaries', () => {
    assert.equal(inNotebook(), false);
    const out = stdout(() => assert.equal(show(fig()), undefined));
    assert.equal(out, 'Figure("three points", scatter[3])\n');
    assert.match(stdout(() => show(aq.table({ a: [1, 2] }))), /a\n-\n1\n2\n2 rows x 1 column/);
  });

  it('publishes a figure as one output with Plotly JSON, HTML and text, and no PNG (added at export, as plotly.py)', () => {
    const seen = collect(() => show(fig()));
    assert.equal(seen.length, 1);
    const data = seen[0].m.data;
    assert.deepEqual(Object.keys(data).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
    const spec = data['application/vnd.plotly.v1+json'] as { data: Array<{ x: unknown; y: unknown }> };
    assert.deepEqual(spec.data[0].x, [1, 2, 3]); // typed array -> JSON array
    assert.deepEqual(spec.data[0].y, [0.3, 2, null]); // rounded, NaN -> null
    const html = data['text/html'] as string;
    const id = /<div class="fd-figure" id="(fd-fig-[0-9a-f]{10}-\d+)">/.exec(html)?.[1];
    assert.ok(id, 'figure div with a content-derived id');
    assert.ok(!/<img|data:image/.test(html), 'no image inside the HTML');
    assert.match(html, /<div class="fd-figure-placeholder"[^>]*>Figure\(&quot;three points&quot;, scatter\[3\]\): interactive figure/, 'a one-line placeholder where no JavaScript runs');
    assert.match(html, /if \(window\.Plotly\) draw\(\);\s*else \{/);
    assert.match(html, /q\.queue\.push\(draw\)/);
    assert.ok(!/<\/script/i.test(html.slice(html.indexOf('<script'), html.lastIndexOf('</script>'))), 'no premature </script>');
  });

  it('embeds plotly.js once, gzip + base64, byte-exact', () => {
    const html = plotlyLoaderHtml();
    const b64 = /<script type="text\/plain" id="fd-plotly-src-[^"]+">([A-Za-z0-9+/=]+)<\/script>/.exec(html)?.[1];
    assert.ok(b64);
    const src = zlib.gunzipSync(Buffer.from(b64, 'base64'));
    assert.ok(src.equals(fs.readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'))));
    assert.match(html, /DecompressionStream\('gzip'\)/);
    assert.ok(html.length < 2.2e6, `loader is ${html.length} bytes`);
    assert.equal(packedPlotly().b64, b64);
    // init() with the same writer (one cell run) embeds once; it returns undefined.
    let seen: Array<{ m: DisplayMessage }> = [];
    const writer = (m: DisplayMessage) => seen.push({ m });
    const prev = setDisplayWriter(writer);
    const prevSink = setProgressSink(null);
    try {
      assert.equal(init(), undefined);
      init();
      assert.equal(seen.length, 1);
      assert.equal(seen[0].m.data['text/html'], html);
      seen = [];
      setDisplayWriter((m) => seen.push({ m })); // a new cell run
      init();
      assert.equal(seen.length, 1);
    } finally {
      setDisplayWriter(prev);
      setProgressSink(prevSink);
    }
  });

  it('renders figures, tables and strips that are the top-level inspected value, and swallows the echo', () => {
    init(); // outside a notebook: patches Arquero, no output
    const t = aq.table({ id: [1, 2], score: [-0.5, 1.25] });
    let out = '';
    const seen = collect(() => {
      out = stdout(() => {
        console.log(fig()); // what tslab does with a cell's last value
        console.log(t);
        console.log(imageStrip({ images: new Uint8Array(4), height: 2, width: 2, channels: 1 }, [0], { labels: ['x'] }));
      });
    });
    assert.equal(seen.length, 3);
    assert.ok('application/vnd.plotly.v1+json' in seen[0].m.data);
    assert.match(seen[1].m.data['text/html'] as string, /2 rows x 2 columns/);
    assert.ok('image/png' in seen[2].m.data);
    assert.equal(out, '', 'the one-line summaries are not echoed');
    // Nested values only print their summary.
    const nested = collect(() => assert.match(util.inspect({ f: fig() }), /f: Figure\("three points"/));
    assert.equal(nested.length, 0);
    const jd = (fig() as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for('Jupyter.display')]();
    assert.ok('text/html' in jd && 'application/vnd.plotly.v1+json' in jd && !('image/png' in jd));
    const tjd = (t as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for('Jupyter.display')]();
    assert.match(tjd['text/html'] as string, /fd-table/);
  });

  it('falls back to tslab\'s public display.raw (one MIME type) when the internal writer is absent', () => {
    const calls: Array<[string, string | Uint8Array]> = [];
    const fake = { display: { raw: (t: string, b: string | Uint8Array) => calls.push([t, b]) }, newDisplay: () => fake.display };
    const g = globalThis as { __tslab__?: unknown };
    const prev = setDisplayWriter(undefined);
    g.__tslab__ = { require: (id: string) => (id === 'tslab' ? fake : undefined) };
    try {
      assert.equal(inNotebook(), true);
      show(fig());
      showHtml('<b>hi</b>');
    } finally {
      delete g.__tslab__;
      setDisplayWriter(prev);
    }
    assert.deepEqual(calls.map((c) => c[0]), ['text/html', 'text/html']);
    assert.match(String(calls[0][1]), /class="fd-figure"/);
  });

  it('shows progress as one line updated in place, ending without timings', () => {
    const prevSink = setProgressSink(notebookProgressSink());
    let seen: Array<{ m: DisplayMessage; update: boolean }>;
    try {
      seen = collect(() => {
        const p = progress('embed', 3);
        p.tick();
        p.tick(2, 'loss 0.5');
        p.done('loss 0.25');
      });
    } finally {
      setProgressSink(prevSink);
    }
    assert.ok(seen.length >= 2);
    const id = seen[0].m.transient?.display_id;
    assert.ok(id && seen.every((s) => s.m.transient?.display_id === id));
    assert.equal(seen[0].update, false);
    assert.ok(seen.slice(1).every((s) => s.update));
    assert.match(seen[0].m.data['text/html'] as string, /<progress value="1" max="3"/);
    assert.equal(seen[seen.length - 1].m.data['text/plain'], 'embed: 3/3 done loss 0.25');
  });
});
