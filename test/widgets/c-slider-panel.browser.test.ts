/**
 * Real browser: the classic notebook server (Debian's notebook 6.4 with the ipywidgets-6 front end) on
 * localhost with the project's kernel (tslab + comms), a notebook opened in headless Chromium through
 * playwright-core, its cells run, the panel's C slider dragged with the mouse and its class dropdown
 * changed. The table and the image strip must then show the ranking that an independent
 * `refit(classId, C)` (a copy of the fitted directions, in this process) gives at the C the slider
 * reached; the outputs are updated in place. Finally the saved notebook is exported without a kernel
 * and opened again: the precomputed Plotly slider shows and draws.
 *
 * Needs Jupyter, the widget front end and chromium: `bash kernel/setup.sh --with-chromium`.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { FailureDirections } from '../../src/directions/failure-directions';
import type { SplitInput } from '../../src/directions/split-input';
import { hardest } from '../../src/directions/table-views';
import { coloredMnist } from '../../src/data';
import { launchChromium, openPage } from '../../kernel/browser';
import { NotebookServer, REPO_ROOT, startNotebookServer } from './notebook-server';
import { panelNotebook } from './panel-notebook';

interface Shown {
  seq: number;
  classId: number;
  C: number;
  ids: Array<string | number>;
  stripSeq: number;
  stripIds: Array<string | number>;
  stripSrc: string;
  tableScores: number[];
  status: string;
  fallbackDisplay: string | null;
  /** Output areas of the panel's cell (no piling up: constant). */
  outputs: number;
  /** What each output area holds (for messages). */
  areas: string[];
  /** Text in the panel's own output area (errors of callbacks). */
  messages: string;
}

/** Reads what the panel's cell shows (runs in the page). */
function readPanel(): Shown | null {
  const table = document.querySelector('.fd-c-slider-table') as HTMLElement | null;
  const strip = document.querySelector('.fd-c-slider-strip') as HTMLElement | null;
  if (!table || !strip) return null;
  const cell = table.closest('.cell') as HTMLElement;
  const fallback = cell.querySelector('.fd-c-slider-fallback') as HTMLElement | null;
  const scoreCol = Array.from(table.querySelectorAll('th')).findIndex((th) => th.textContent === 'score');
  const scores = Array.from(table.querySelectorAll('tbody tr')).map((tr) => Number((tr.children[scoreCol] as HTMLElement).textContent));
  return {
    seq: Number(table.dataset.seq),
    classId: Number(table.dataset.class),
    C: Number(table.dataset.c),
    ids: JSON.parse(table.dataset.ids!),
    stripSeq: Number(strip.dataset.seq),
    stripIds: JSON.parse(strip.dataset.ids!),
    stripSrc: (strip.querySelector('img') as HTMLImageElement).src,
    tableScores: scores,
    status: (document.querySelector('.fd-c-slider-status') as HTMLElement | null)?.textContent ?? '',
    fallbackDisplay: fallback ? getComputedStyle(fallback).display : null,
    // The cell's outputs, not those inside the panel's Output widget (in the widget area).
    outputs: Array.from(cell.querySelectorAll('.output_area')).filter((a) => !a.closest('.widget-area')).length,
    areas: Array.from(cell.querySelectorAll('.output_area')).map((a) => {
      const sub = a.querySelector('.output_subarea');
      const inner = sub?.firstElementChild as HTMLElement | null | undefined;
      return `${a.closest('.widget-area') ? 'widget: ' : ''}${sub?.className ?? '?'} > ${inner?.className ?? inner?.tagName ?? '-'}`;
    }),
    messages: Array.from(document.querySelectorAll('.fd-c-slider-panel .output_area')).map((a) => a.textContent).join('\n'),
  };
}

/** The C slider's exponent in the front-end model (ipywidgets 6: a FloatSlider over log10 C). */
async function frontEndExponent(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const manager = (window as any).Jupyter.WidgetManager._managers[0];
    const models = await Promise.all(Object.values(manager._models) as Array<Promise<any>>);
    const m = models.find((x) => x.get('_model_name') === 'FloatSliderModel' && x.get('min') === -6 && x.get('max') === 2);
    return m.get('value') as number;
  });
}

/**
 * The page's errors, less one that is not ours: the ipywidgets-6 extension's stylesheet (Debian's
 * jupyter-js-widgets 2.1.4) holds a literally truncated `url("data:image/gif;base64,R0lGO...")`.
 */
function realErrors(errors: string[]): string[] {
  return errors.filter((e) => !/^console\.error: Failed to load resource: net::ERR_INVALID_URL \(data:image\/gif;base64,R0lGO\.\.\./.test(e));
}

interface Dump {
  dirs: Parameters<typeof FailureDirections.fromJSON>[0];
  input: { latents: number[]; rows: number; cols: number; labels: number[]; preds: number[]; ids: Array<string | number>; classNames: string[]; split: string; groups?: Array<string | null> };
}

/** The class's ranking (`fd.hardest` of `dirs.scores`) by an independent copy of the fitted directions, refitted at C when given. */
function independentRanking(dump: Dump, classId: number, C?: number): { order: Array<string | number>; scoreOf: Map<string | number, number>; rowOf: Map<string | number, number> } {
  const dirs = FailureDirections.fromJSON(dump.dirs);
  if (C !== undefined) dirs.refit(classId, C);
  const input: SplitInput = {
    latents: { data: Float32Array.from(dump.input.latents), rows: dump.input.rows, cols: dump.input.cols },
    labels: Int32Array.from(dump.input.labels),
    classNames: dump.input.classNames,
    preds: Int32Array.from(dump.input.preds),
    ids: dump.input.ids,
    split: dump.input.split,
    ...(dump.input.groups ? { groups: dump.input.groups } : {}),
  };
  const top = hardest(dirs.scores(input), { classId, k: 50 });
  const ids = top.array('id') as Array<string | number>;
  const scores = top.array('score') as ArrayLike<number>;
  const rows = Array.from(top.indices());
  return {
    order: ids,
    scoreOf: new Map(ids.map((id, r) => [id, scores[r]])),
    rowOf: new Map(ids.map((id, r) => [id, rows[r]])),
  };
}

/** The strip's tiles are the test images of `rows`, upscaled 3x (nearest): compare pixels. */
async function assertStripShows(src: string, rows: number[], images: { images: Uint8Array; height: number; width: number; channels: number }): Promise<void> {
  const png = Buffer.from(src.replace(/^data:image\/png;base64,/, ''), 'base64');
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { height: h, width: w, channels: ch } = images;
  const scale = 3;
  const gap = 6;
  const titleH = 24; // imageStrip: a 15 px bold title takes 1.6 lines
  rows.forEach((row, k) => {
    const left = gap + k * (w * scale + gap);
    const top = titleH + gap;
    let mismatches = 0;
    for (let y = 0; y < h * scale; y += 2) {
      for (let x = 0; x < w * scale; x += 2) {
        for (let c = 0; c < 3; c++) {
          const want = images.images[((row * h + Math.floor(y / scale)) * w + Math.floor(x / scale)) * ch + c];
          const got = data[((top + y) * info.width + left + x) * info.channels + c];
          if (want !== got) mismatches++;
        }
      }
    }
    assert.equal(mismatches, 0, `strip tile ${k} is not test image row ${row}`);
  });
}

describe('widgets: the live C slider panel in the classic notebook (headless Chromium)', function () {
  this.timeout(240_000);
  const dir = path.join(REPO_ROOT, 'out', 'widgets-browser');
  const dumpFile = path.join(dir, 'dump.json');
  let server: NotebookServer;
  let browser: Browser;
  let page: Page;
  let dump: Dump;
  let initial: Shown;
  let pageErrors: string[] = [];
  let started = 0;
  let test: ReturnType<typeof coloredMnist>['test'];

  const shown = async () => (await page.evaluate(readPanel))!;
  /** Waits until the panel shows a settled state for which the JS expression `cond` (over `s`) holds. */
  const waitSettled = async (cond: string, what: string) => {
    try {
      await page.waitForFunction(
        `(() => { const s = (${readPanel.toString()})(); return !!s && (${cond}) && !/refitting/.test(s.status) && s.stripSeq === s.seq; })()`,
        null,
        { timeout: 60_000, polling: 100 },
      );
    } catch (e) {
      await page.screenshot({ path: path.join(dir, 'failure.png') });
      throw new Error(`${what}: ${(e as Error).message}\nshown: ${JSON.stringify(await page.evaluate(readPanel))?.slice(0, 400)}\npage errors: ${pageErrors.join('\n')}\nserver log:\n${server.log().slice(-3000)}`, { cause: e });
    }
    return shown();
  };

  before(async () => {
    started = Date.now();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'panel.ipynb'), JSON.stringify(panelNotebook(), null, 1));
    ({ test } = coloredMnist({ trainCorr: 0.9, seed: 0 }));
    [server, browser] = await Promise.all([startNotebookServer(dir, { FD_WIDGET_TEST_DUMP: dumpFile }), launchChromium()]);
    // The notebook page talks to its server on localhost: not offline. Its errors are checked below.
    const session = await openPage(browser, { width: 1300, height: 1600, offline: false });
    page = session.page;
    pageErrors = session.errors;
    await page.goto(server.notebookUrl('panel.ipynb'));
    await page.waitForFunction(() => (window as any).Jupyter?.notebook?.kernel?.is_connected?.() && (window as any).Jupyter.WidgetManager?._managers?.length > 0, null, { timeout: 90_000 });
    await page.evaluate(() => (window as any).Jupyter.notebook.execute_all_cells());
    initial = await waitSettled('s.seq >= 1 && s.fallbackDisplay !== null', 'the panel (and its fallback) after running the notebook');
    dump = JSON.parse(fs.readFileSync(dumpFile, 'utf8'));
    process.stderr.write(`      [notebook server up, cells run and panel drawn in ${((Date.now() - started) / 1000).toFixed(1)} s]\n`);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    process.stderr.write(`      [widget browser test: ${((Date.now() - started) / 1000).toFixed(1)} s in all]\n`);
  });

  it('runs the notebook: live widgets above the histogram, table and strip; the static fallback hidden', async () => {
    const errors = await page.evaluate(() => Array.from(document.querySelectorAll('.output_error, .output_stderr')).map((e) => e.textContent));
    assert.deepEqual(errors, [], 'no error or stderr outputs');
    const widgets = await page.evaluate(() => ({
      sliders: document.querySelectorAll('.fd-c-slider-panel .ui-slider').length,
      selects: document.querySelectorAll('.fd-c-slider-panel select').length,
      plots: document.querySelectorAll('.fd-c-slider-table').length,
      drawn: Array.from(document.querySelectorAll('.output_area .fd-figure')).filter((f) => f.querySelector('.main-svg')).length,
    }));
    assert.equal(widgets.sliders, 2, 'C and K sliders');
    assert.equal(widgets.selects, 1, 'class dropdown');
    assert.ok(widgets.drawn >= 1, 'the histogram drew with plotly.js');
    assert.equal(initial.classId, 0);
    assert.equal(initial.C, 0.1, 'starts at the C cross-validation chose');
    assert.equal(initial.ids.length, 8);
    assert.deepEqual(initial.stripIds, initial.ids);
    assert.equal(initial.fallbackDisplay, 'none', 'the precomputed slider is hidden while the live panel shows');
    const expected = independentRanking(dump, 0);
    assert.deepEqual(initial.ids, expected.order.slice(0, 8));
    assert.deepEqual(realErrors(pageErrors), []);
  });

  it('dragging the C slider refits: the table and the strip show the ranking refit gives at the new C, in place', async () => {
    const rail = (await page.locator('.fd-c-slider-panel .ui-slider').first().boundingBox())!;
    const handle = (await page.locator('.fd-c-slider-panel .ui-slider-handle').first().boundingBox())!;
    const y = handle.y + handle.height / 2;
    await page.mouse.move(handle.x + handle.width / 2, y);
    await page.mouse.down();
    const targetX = rail.x + rail.width * 0.2; // exponent about -4.4: C about 4e-5
    const steps = 12;
    for (let i = 1; i <= steps; i++) {
      await page.mouse.move(handle.x + handle.width / 2 + ((targetX - handle.x - handle.width / 2) * i) / steps, y);
      await page.waitForTimeout(25); // a drag, not a jump: the kernel sees a burst of values
    }
    await page.mouse.up();
    const exponent = await frontEndExponent(page);
    assert.ok(exponent < -3.5 && exponent > -5.5, `the slider moved to exponent ${exponent}`);
    const C = 10 ** exponent;
    const after = await waitSettled(`Math.abs(Math.log10(s.C) - (${exponent})) < 1e-9`, `the panel at C = ${C}`);

    assert.equal(after.classId, 0);
    assert.ok(after.seq > initial.seq, 'redrawn');
    process.stderr.write(`      [a ${steps}-step drag to C = ${C.toExponential(3)}: ${after.seq - initial.seq} redraws]\n`);
    assert.equal(after.outputs, initial.outputs, `updated in place: no outputs piled up\nbefore: ${initial.areas.join(' | ')}\nafter: ${after.areas.join(' | ')}`);
    assert.equal(after.messages, '', 'no error in the panel');
    const expected = independentRanking(dump, 0, after.C);
    assert.deepEqual(after.ids, expected.order.slice(0, 8), 'the table shows the ranking of an independent refit at this C');
    after.tableScores.forEach((s, r) => assert.ok(Math.abs(s - expected.scoreOf.get(after.ids[r])!) < 1e-3, `score at rank ${r + 1}: ${s}`));
    assert.notDeepEqual(after.ids, initial.ids, 'the ranking changed');
    assert.deepEqual(after.stripIds, after.ids, 'the strip shows the same ranking');
    assert.notEqual(after.stripSrc, initial.stripSrc, 'the strip image changed');
    await assertStripShows(after.stripSrc, after.ids.map((id) => expected.rowOf.get(id)!), test);
    await page.screenshot({ path: path.join(dir, 'after-drag.png') });
  });

  it('the class dropdown shows the other class at its own C', async () => {
    const before = await shown();
    await page.selectOption('.fd-c-slider-panel select', { label: '1: digit 5-9' });
    const after = await waitSettled('s.classId === 1', 'the panel on class 1');
    assert.ok(after.seq > before.seq);
    assert.equal(after.C, 0.1, 'class 1 keeps the C cross-validation chose');
    assert.deepEqual(after.ids, independentRanking(dump, 1).order.slice(0, 8));
    assert.ok(Math.abs((await frontEndExponent(page)) + 1) < 1e-12, 'the slider moved to class 1\'s C');
    assert.equal(after.outputs, before.outputs, `before: ${before.areas.join(' | ')}\nafter: ${after.areas.join(' | ')}`);
    assert.equal(after.messages, '', 'no error in the panel');
    assert.deepEqual(realErrors(pageErrors), []);
  });

  it('without a kernel, the saved notebook still shows the precomputed slider (exported, opened in Chromium)', async () => {
    await page.evaluate(() => (window as any).Jupyter.notebook.save_notebook());
    const html = path.join(dir, 'panel.html');
    const py = `import sys, nbformat; from nbconvert import HTMLExporter
nb = nbformat.read(sys.argv[1], as_version=4)
html, _ = HTMLExporter(template_name='fd-offline', extra_template_basedirs=[sys.argv[3]]).from_notebook_node(nb)
open(sys.argv[2], 'w').write(html)`;
    const r = spawnSync('/usr/bin/python3', ['-c', py, path.join(dir, 'panel.ipynb'), html, path.join(REPO_ROOT, 'kernel', 'nbconvert-templates')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const session = await openPage(browser, { width: 1300, height: 1600 }); // offline: any network request is an error
    const offline = session.page;
    try {
      await offline.goto('file://' + html);
      await offline.waitForFunction(() => document.querySelector('.fd-c-slider-fallback .main-svg'), null, { timeout: 60_000 });
      const state = await offline.evaluate(() => {
        const fb = document.querySelector('.fd-c-slider-fallback') as HTMLElement;
        const table = document.querySelector('.fd-c-slider-table') as HTMLElement;
        return { display: getComputedStyle(fb).display, height: fb.getBoundingClientRect().height, sliders: fb.querySelectorAll('.slider-container, .slider-rail-rect').length, classId: table.dataset.class };
      });
      assert.notEqual(state.display, 'none', 'the fallback shows without the live panel');
      assert.ok(state.height > 300, `the fallback has a drawn figure (${state.height} px)`);
      assert.ok(state.sliders > 0, 'the precomputed figure has its Plotly slider');
      assert.equal(state.classId, '1', 'the saved outputs are the last state the live panel drew');
      await offline.screenshot({ path: path.join(dir, 'exported.png') });
      assert.deepEqual(session.errors, [], 'the exported page works offline, without errors');
    } finally {
      await session.close();
    }
  });
});
