/**
 * Checks run inside an exported notebook page by `checkInChromium(..., { pageCheck })`, with real input
 * from playwright (the browser's own hit testing, as a reader's mouse).
 *
 * Functions passed to `page.evaluate` are serialised into the page: they must not call helpers
 * defined outside them (or named inner functions, which the test runner's compiler may wrap).
 */
import type { Page } from '../../kernel/browser';

/** One state of a C-slider figure as the page shows it. */
export interface SliderState {
  /** The slider's active step. */
  active: number;
  /** The figure title (names the C and how many of the top K are wrong). */
  title: string;
  /** Visible table traces (exactly one per step). */
  tables: number;
  /** Ids of the visible ranking, hardest first, from the table trace's data. */
  ids: string[] | null;
  /** The text of every table cell drawn in the DOM (what the reader sees). */
  shown: string[];
  /** Whether the click's Plotly update happened (absent for the initial state). */
  updated?: boolean;
}

/** What {@link checkSliders} returns. */
export interface SliderCheckResult {
  sliders: SliderReport[];
}

/** One slider figure's states. */
export interface SliderReport {
  steps: number;
  initial: SliderState;
  /** The state after clicking each other step's tick, from the one after the initial step round. */
  states: SliderState[];
  /** After clicking the initial step again. */
  back: SliderState;
}

/** The state of the slider figure marked `data-fd-slider="k"`. */
async function sliderState(page: Page, k: number): Promise<SliderState> {
  return page.locator(`[data-fd-slider="${k}"]`).evaluate((el) => {
    const gd = el as HTMLElement & { data: Array<Record<string, any>>; _fullData: Array<Record<string, any>>; _fullLayout: Record<string, any> };
    const tables = gd.data.filter((t, i) => t.type === 'table' && gd._fullData[i] && gd._fullData[i].visible === true);
    const shown = Array.from(gd.querySelectorAll('.table .cell-text')).map((e) => e.textContent || '');
    const title = gd._fullLayout.title && gd._fullLayout.title.text;
    return { active: gd._fullLayout.sliders[0].active, title, tables: tables.length, ids: tables.length ? tables[0].cells.values[1].map(String) : null, shown };
  });
}

/**
 * For every Plotly figure with a slider: records the shown ranking, then clicks each step's tick on
 * the slider rail with the mouse, recording what the figure shows after each click (waiting for the
 * step's `plotly_update`, at most 5 s), and finally clicks the initial step again (so screenshots show
 * the figure as first drawn).
 */
export async function checkSliders(page: Page): Promise<SliderCheckResult> {
  const count = await page.evaluate(() => {
    const plots = Array.from(document.querySelectorAll('.js-plotly-plot')).filter((gd) => {
      const layout = (gd as HTMLElement & { layout?: { sliders?: unknown[] } }).layout;
      return !!(layout && layout.sliders && layout.sliders.length);
    });
    plots.forEach((gd, k) => gd.setAttribute('data-fd-slider', String(k)));
    return plots.length;
  });
  const sliders: SliderReport[] = [];
  for (let k = 0; k < count; k++) {
    const figure = page.locator(`[data-fd-slider="${k}"]`);
    const ticks = figure.locator('.slider-tick-rect');
    const rail = figure.locator('.slider-rail-touch-rect');
    const steps = await ticks.count();
    if (steps === 0 || (await rail.count()) !== 1) throw new Error('slider figure without a rail or ticks');
    const click = async (step: number): Promise<SliderState> => {
      await figure.scrollIntoViewIfNeeded();
      const tick = await ticks.nth(step).boundingBox();
      const box = await rail.boundingBox();
      if (!tick || !box) throw new Error(`slider tick ${step} is not laid out`);
      await figure.evaluate((gd) => {
        (window as unknown as { __fdUpdated: boolean }).__fdUpdated = false;
        (gd as HTMLElement & { once(ev: string, f: () => void): void }).once('plotly_update', () => {
          (window as unknown as { __fdUpdated: boolean }).__fdUpdated = true;
        });
      });
      await page.mouse.click(tick.x + tick.width / 2, box.y + box.height / 2);
      const updated = await page
        .waitForFunction(() => (window as unknown as { __fdUpdated: boolean }).__fdUpdated, undefined, { timeout: 5000, polling: 50 })
        .then(() => true, () => false);
      const s = await sliderState(page, k);
      s.updated = updated;
      return s;
    };
    const initial = await sliderState(page, k);
    const states: SliderState[] = [];
    // Every other step in turn, starting after the initial one, then back to the initial step.
    for (let j = 1; j < steps; j++) states.push(await click((initial.active + j) % steps));
    const back = await click(initial.active);
    sliders.push({ steps, initial, states, back });
  }
  return { sliders };
}
