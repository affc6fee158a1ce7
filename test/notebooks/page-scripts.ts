/**
 * Scripts run inside an exported notebook page by `checkInChromium(..., { pageScript })`.
 */

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

/** What {@link SLIDER_SCRIPT} returns. */
export interface SliderScriptResult {
  sliders: SliderReport[];
  /** Uncaught page errors while the script ran. */
  errors: string[];
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

/**
 * For every Plotly figure with a slider: records the shown ranking, then clicks each step's tick on
 * the slider rail (real mouse events, as a reader would), recording what the figure shows after each
 * click, and finally clicks the initial step again (so screenshots show the figure as first drawn).
 */
// Plain JavaScript in a string: a function compiled by the test runner could reference its helpers.
export const SLIDER_SCRIPT = `async function sliderCheck() {
  var sleep = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };
  // Headless Chromium under --virtual-time-budget fast-forwards timers but issues animation frames
  // only sporadically, and the slider runs its step's command on the next frame. Serve frames from
  // timers (16 ms apart) so the slider's own code runs on the virtual clock.
  window.requestAnimationFrame = function (cb) { return setTimeout(function () { cb(performance.now()); }, 16); };
  window.cancelAnimationFrame = function (id) { clearTimeout(id); };
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  window.addEventListener('unhandledrejection', function (e) { errors.push(String(e.reason && e.reason.stack || e.reason)); });
  await sleep(200);
  var plots = Array.from(document.querySelectorAll('.js-plotly-plot')).filter(function (gd) {
    return gd.layout && gd.layout.sliders && gd.layout.sliders.length;
  });
  var out = [];
  for (var p = 0; p < plots.length; p++) {
    var gd = plots[p];
    var state = function () {
      var tables = gd.data.filter(function (t, i) { return t.type === 'table' && gd._fullData[i] && gd._fullData[i].visible === true; });
      var shown = Array.from(gd.querySelectorAll('.table .cell-text')).map(function (e) { return e.textContent || ''; });
      var title = gd._fullLayout.title && gd._fullLayout.title.text;
      return { active: gd._fullLayout.sliders[0].active, title: title, tables: tables.length, ids: tables.length ? tables[0].cells.values[1].map(String) : null, shown: shown };
    };
    var ticks = Array.from(gd.querySelectorAll('.slider-tick-rect'));
    var touch = gd.querySelector('.slider-rail-touch-rect');
    if (!touch || ticks.length === 0) throw new Error('slider figure without a rail or ticks');
    var click = async function (k) {
      var tick = ticks[k].getBoundingClientRect();
      var rail = touch.getBoundingClientRect();
      var at = { bubbles: true, cancelable: true, view: window, clientX: tick.left + tick.width / 2, clientY: rail.top + rail.height / 2 };
      // Wait for the step's Plotly.update (at most 5 s).
      var done = false;
      gd.once('plotly_update', function () { done = true; });
      touch.dispatchEvent(new MouseEvent('mousedown', at));
      gd.dispatchEvent(new MouseEvent('mouseup', at));
      for (var t = 0; t < 100 && !done; t++) await sleep(50);
      await sleep(50);
      var s = state();
      s.updated = done;
      return s;
    };
    var initial = state();
    var states = [];
    // Every other step in turn, starting after the initial one, then back to the initial step.
    for (var k = 1; k < ticks.length; k++) states.push(await click((initial.active + k) % ticks.length));
    var back = await click(initial.active);
    out.push({ steps: ticks.length, initial: initial, states: states, back: back });
  }
  return { sliders: out, errors: errors };
}`;
