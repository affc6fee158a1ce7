/**
 * Hostile text in pictures (issue 13, item 9): every writer of user text into SVG, HTML, Plotly specs
 * or progress lines gets the one shared hostile set (test/util/hostile-strings.ts) as class names,
 * ids, captions, column names and values, titles and labels, and must produce valid markup that
 * shows the text instead of interpreting it (before: an ESC in a class name crashed imageStrip inside
 * sharp with an XML parse error).
 */
import { strict as assert } from 'node:assert';
import * as aq from 'arquero';
import sharp from 'sharp';
import { FailureDirections, splitInput } from '../../src/directions';
import type { ImageDataset } from '../../src/data/image-dataset';
import { progress, progressLine, ProgressState, setProgressSink } from '../../src/util/progress';
import { DisplayMessage, notebookProgressSink, setDisplayWriter } from '../../src/viz/display';
import { Figure } from '../../src/viz/figure';
import { figureHtml } from '../../src/viz/plotly-embed';
import { imageStrip } from '../../src/viz/image-strip';
import { tableHtml, tableText } from '../../src/viz/table-html';
import { captionPlot, cSliderPlot, cSweepPlot, precisionAtKPlot, projectionPlot, scoreHistogram } from '../../src/viz';
import { syntheticSplits } from '../directions/synthetic';
import { assertSafeMarkup, hasControl, HOSTILE, HOSTILE_LIST, stringsOf } from '../util/hostile-strings';

setProgressSink(null);

/** Our hover-template variables: anything else in a template came from user text. */
const OUR_TEMPLATES = /^%\{(x|y|customdata\[\d+\])(:[^}]*)?\}$/;
const K = HOSTILE_LIST.length;

/** An ImageDataset of 8x8 grey squares, one per hostile string: class names and ids are hostile. */
function hostileImages(): ImageDataset {
  const images = new Uint8Array(K * 64);
  for (let i = 0; i < K; i++) images.fill(20 * i, i * 64, (i + 1) * 64);
  return { images, height: 8, width: 8, channels: 1, labels: Int32Array.from({ length: K }, (_, i) => i), classNames: [...HOSTILE_LIST], ids: HOSTILE_LIST.map((h, i) => `${i}:${h}`), name: 'hostile' };
}

/** A fitted FailureDirections and a scores table whose class names, ids and groups are hostile. */
function hostileScores() {
  const S = syntheticSplits(3, { nClasses: 4, sizes: { train: 300, val: 600, test: 300 } });
  const names = [HOSTILE.ansi, HOSTILE.markup, HOSTILE.template, HOSTILE.bidi];
  const build = (s: typeof S.val, split: string) =>
    splitInput(
      { images: new Uint8Array(0), height: 1, width: 1, channels: 1, labels: s.labels, classNames: names, ids: Array.from(s.labels, (_, i) => `${HOSTILE_LIST[i % K]}#${i}`), groups: Array.from(s.labels, (_, i) => HOSTILE_LIST[(i * 7) % K]), name: split },
      s.latents,
      { pred: s.preds, confidence: s.confidences },
    );
  const dirs = new FailureDirections({ seed: 0 }).setPreprocess(S.train.latents).fit(build(S.val, 'val'));
  const scores = dirs.scores(build(S.test, 'test'));
  return { dirs, scores };
}

function checkFigure(fig: Figure, what: string, bundle = false): void {
  for (const { path, text } of stringsOf(fig.toJSON())) assertSafeMarkup(text, `${what} ${path}`, { ourTemplates: OUR_TEMPLATES });
  if (bundle) {
    const b = fig.toMimeBundle();
    assertSafeMarkup(b['text/html'] as string, `${what} text/html`);
    const plain = b['text/plain'] as string;
    assert.ok(!hasControl(plain), `${what} text/plain: no control characters`);
    assert.ok(plain.length < 3000, `${what} text/plain: ${plain.length} characters (the 100,000-character title is cut)`);
  }
}

describe('hostile text in every writer', () => {
  it('imageStrip: hostile class names, ids, labels and titles render (before: sharp XML parse error on ESC)', async () => {
    const ds = hostileImages();
    const all = Array.from({ length: K }, (_, i) => i);
    const strips = [
      imageStrip(ds, all), // default labels: class name and id
      imageStrip(ds, all, { labels: [...HOSTILE_LIST], title: HOSTILE_LIST.join(' | ') }),
      ...HOSTILE_LIST.map((h) => imageStrip(ds, [0, 1], { title: h, labels: [h, `${h}\n${h}`] })),
    ];
    for (const s of strips) {
      const meta = await sharp(s.png).metadata();
      assert.equal(meta.format, 'png');
      assert.equal(meta.width, s.width);
      assert.ok(!hasControl(s.toString()));
    }
    // A table's rows: hostile column names and values under each image.
    const table = aq.table({ id: ds.ids, [HOSTILE.markup]: [...HOSTILE_LIST], [HOSTILE.ansi]: HOSTILE_LIST.map((_, i) => -i / 7) });
    const t = imageStrip(ds, table, { labelColumns: [HOSTILE.markup, HOSTILE.ansi] });
    assert.equal(t.indices.length, K);
    // A label with thousands of lines is cut, not a 100,000 px strip.
    assert.ok(imageStrip(ds, [0], { labels: ['x\n'.repeat(5000)] }).height < 400);
  });

  it('tableHtml / tableText: hostile column names and cells are escaped, one line each, bidi isolated, long ones cut', () => {
    const table = aq.table({ [HOSTILE.markup]: [...HOSTILE_LIST], [HOSTILE.bidi]: HOSTILE_LIST.map((_, i) => i), [HOSTILE.ansi]: [...HOSTILE_LIST].reverse() });
    const html = tableHtml(table, { limit: K });
    assertSafeMarkup(html, 'tableHtml');
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)/, 'shown, not run');
    assert.match(html, /␛\[31mcat␛\[0m/, 'ESC visible as ␛');
    assert.ok(html.length < 40_000, `${html.length} characters of HTML for 13 rows`);
    const text = tableText(table, { limit: K });
    assert.ok(!hasControl(text.replace(/\n/g, '')), 'no control characters in text/plain (Jupyter would run ANSI codes)');
    const lines = text.split('\n');
    assert.equal(lines.length, K + 3, 'one line per row: newlines in cells do not break rows');
    assert.ok(lines.every((l) => l.length < 400));
    for (const l of lines.filter((l) => l.includes('\u202E'))) assert.ok(l.indexOf('\u2068') < l.indexOf('\u202E') && l.indexOf('\u2069') > l.indexOf('\u202E'), 'the override is isolated');
  });

  it('progress: labels and details reach every sink as one safe line; the notebook sink writes safe HTML', () => {
    const states: ProgressState[] = [];
    const seen: DisplayMessage[] = [];
    const nb = notebookProgressSink();
    const prevWriter = setDisplayWriter((m) => seen.push(m));
    const prev = setProgressSink({ update: (s) => (states.push({ ...s }), nb.update(s)) });
    try {
      for (const h of HOSTILE_LIST) {
        const p = progress(`fit ${h}`, 2);
        p.tick(1, h);
        p.done(h);
      }
    } finally {
      setProgressSink(prev);
      setDisplayWriter(prevWriter);
    }
    assert.ok(states.length >= K);
    for (const s of states) {
      for (const t of [s.label, s.detail ?? '', progressLine(s)]) {
        assert.ok(!hasControl(t), 'no control characters (an ESC would drive the terminal)');
        assert.ok(t.length < 400, `${t.length} characters`);
      }
    }
    assert.ok(states.some((s) => s.detail?.includes('␛[31mcat')));
    for (const m of seen) {
      assertSafeMarkup(m.data['text/html'] as string, 'progress text/html');
      assert.ok(!hasControl(m.data['text/plain'] as string));
    }
  });

  it('every figure builder: hostile class names, ids, groups, captions, column names and titles stay text', () => {
    const { dirs, scores } = hostileScores();
    const fits = (dirs.classSummary_.objects() as Array<{ status: string }>).map((r) => r.status);
    const c = fits.indexOf('ok');
    assert.ok(c >= 0, `a class with a direction (${fits.join(', ')})`);
    for (const h of HOSTILE_LIST) {
      checkFigure(scoreHistogram(scores, { color: 'group', title: h }), 'scoreHistogram');
      checkFigure(projectionPlot(dirs, scores, { classId: c, color: 'group', title: h }), 'projectionPlot');
      checkFigure(cSweepPlot(dirs.cvResults_, { title: h }), 'cSweepPlot');
      checkFigure(precisionAtKPlot(scores, { classId: c, target: { group: h }, title: h }), 'precisionAtKPlot');
      checkFigure(captionPlot({ caption: HOSTILE_LIST.map((x, i) => `${i} ${x}`), score: HOSTILE_LIST.map((_, i) => i - 6) }, { top: 7, title: h }), 'captionPlot');
    }
    checkFigure(cSliderPlot(dirs, scores, { classId: c, topK: 5 }), 'cSliderPlot (class name in the default title)');
    checkFigure(cSliderPlot(dirs, scores, { classId: c, topK: 5, title: HOSTILE.markup }), 'cSliderPlot');
    const renamed = scores.rename({ score: HOSTILE.markup });
    checkFigure(scoreHistogram(renamed, { x: HOSTILE.markup, facet: null }), 'scoreHistogram (a hostile column name)');
    checkFigure(precisionAtKPlot(renamed, { rankings: [HOSTILE.markup, 'random'], targetName: HOSTILE.template }), 'precisionAtKPlot (hostile ranking and target names)');
    // The template is shown as text: Plotly turns &#37; back into %.
    const spec = JSON.stringify(scoreHistogram(scores, { color: 'group' }).toJSON());
    assert.match(spec, /100&#37;\{x\}/);
  });

  it('figure outputs (HTML, text) survive every hostile string at once', () => {
    const { dirs, scores } = hostileScores();
    const all = HOSTILE_LIST.join(' | ');
    checkFigure(scoreHistogram(scores, { color: 'group', title: all }), 'scoreHistogram', true);
    checkFigure(cSweepPlot(dirs.cvResults_, { title: all }), 'cSweepPlot', true);
    checkFigure(captionPlot({ caption: [...HOSTILE_LIST], score: HOSTILE_LIST.map((_, i) => i - 6) }, { title: all }), 'captionPlot', true);
    const html = figureHtml({ data: [], layout: { title: { text: all } } }, 'fd-fig-x', all);
    assertSafeMarkup(html, 'figureHtml');
    assert.doesNotMatch(scoreHistogram(scores, { title: HOSTILE.markup }).toString(), /&lt;/, 'text/plain shows the characters, not entities');
  });
});
