import { strict as assert } from 'node:assert';
import { Random } from '../../src/util/random';
import { FailureDirections } from '../../src/directions/failure-directions';
import { setProgressSink } from '../../src/util/progress';
import { cSliderPlot } from '../../src/viz';
import { drawCSlider } from '../../src/viz/c-slider-plot';
import { inputOf, syntheticSplits } from '../directions/synthetic';

type Trace = Record<string, any>;

describe('cSliderPlot', () => {
  const rng = new Random(4);
  const n = 40;
  const Cs = [1e-4, 1e-3, 1e-2, 1e-1];
  const base = Float64Array.from({ length: n }, () => rng.normal());
  const other = Float64Array.from({ length: n }, () => rng.normal());
  // Steps 0 and 1 rank identically (one is a positive rescaling of the other); steps 2 and 3 mix in other scores.
  const scoresPerC = [
    Float64Array.from(base, (v) => 0.01 * v),
    Float64Array.from(base, (v) => 0.1 * v),
    Float64Array.from(base, (v, i) => v + 2 * other[i]),
    Float64Array.from(other, (v) => -v),
  ];
  const correct = Uint8Array.from(base, (v) => (v > -0.5 ? 1 : 0));
  const ids = Array.from({ length: n }, (_, i) => `s${i}`);
  const groups = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 'rare' : 'common'));
  const tables = (fig: { data: Trace[] }) => fig.data.filter((t) => t.type === 'table');
  const topIds = (table: Trace) => table.cells.values[1] as string[];

  it('one slider step per C, 3 precomputed traces per step, only the active step visible', () => {
    const fig = drawCSlider({ Cs, scoresPerC, correct, ids, groups }, { topK: 5, chosenC: 1e-2 });
    assert.equal(fig.data.length, 3 * Cs.length);
    const slider = (fig.layout.sliders as Trace[])[0];
    assert.equal(slider.steps.length, Cs.length);
    assert.equal(slider.active, 2); // the chosen C's step
    assert.deepEqual(slider.steps.map((s: Trace) => s.label), ['1e-4', '1e-3', '0.01*', '0.1']);
    assert.deepEqual(fig.data.map((t) => t.visible), [false, false, false, false, false, false, true, true, true, false, false, false]);
    slider.steps.forEach((step: Trace, s: number) => {
      assert.equal(step.method, 'update');
      assert.deepEqual(step.args[0].visible, fig.data.map((_, t) => Math.floor(t / 3) === s));
      assert.ok(Array.isArray(step.args[1]['xaxis.range']));
      assert.match(step.args[1]['title.text'], new RegExp(`C = ${step.label.replace('*', '')}`));
    });
    assert.deepEqual(fig.data.slice(0, 3).map((t) => t.type), ['histogram', 'histogram', 'table']);
  });

  it('each step ranks its own scores, hardest first; different rankings show different tables', () => {
    const fig = drawCSlider({ Cs, scoresPerC, correct, ids, groups }, { topK: 6, chosenC: null });
    const t = tables(fig);
    for (let s = 0; s < Cs.length; s++) {
      const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => scoresPerC[s][a] - scoresPerC[s][b]).slice(0, 6).map((i) => ids[i]);
      assert.deepEqual(topIds(t[s]), expected);
      const shownScores = t[s].cells.values[2] as number[];
      assert.ok(shownScores.every((v, k) => k === 0 || v >= shownScores[k - 1]));
    }
    assert.deepEqual(topIds(t[0]), topIds(t[1])); // same order under rescaling
    assert.notDeepEqual(topIds(t[1]), topIds(t[2]));
    assert.notDeepEqual(topIds(t[2]), topIds(t[3]));
    // the last column tracks where each sample ranked at the previous C
    assert.deepEqual(t[1].cells.values.at(-1), ['1', '2', '3', '4', '5', '6']);
    assert.match(t[1].header.values.at(-1), /rank at C = 1e-4/);
    // wrong rows are tinted, group column present
    const fill = t[0].cells.fill.color[0] as string[];
    t[0].cells.values[3].forEach((p: string, k: number) => assert.equal(fill[k], p === 'wrong' ? '#fde0dd' : '#ffffff'));
    assert.ok(t[0].header.values.includes('<b>group</b>'));
  });

  it('histograms split correct vs wrong per step, NaN excluded; deterministic', () => {
    const s0 = Float64Array.from(scoresPerC[0]);
    s0[0] = NaN;
    const data = { Cs, scoresPerC: [s0, ...scoresPerC.slice(1)], correct, ids };
    const fig = drawCSlider(data, { chosenC: null });
    const [hc, hw] = fig.data as Trace[];
    assert.equal(hc.x.length + hw.x.length, n - 1);
    assert.equal(hw.x.length, correct.filter((c, i) => !c && i !== 0).length);
    assert.deepEqual(hc.xbins, hw.xbins);
    assert.equal(JSON.stringify(fig), JSON.stringify(drawCSlider(data, { chosenC: null })));
  });

  it('names bad input', () => {
    assert.throws(() => drawCSlider({ Cs, scoresPerC: scoresPerC.slice(1), correct }, { chosenC: null }), /scoresPerC has 3 entries but Cs has 4/);
    assert.throws(() => drawCSlider({ Cs, scoresPerC: [...scoresPerC.slice(0, 3), new Float64Array(3)], correct }, { chosenC: null }), /scoresPerC\[3\] \(C = 0.1\) has 3 entries, expected 40/);
    assert.throws(() => drawCSlider({ Cs: [0, 1, 2, 3], scoresPerC, correct }, { chosenC: null }), /Cs\[0\] is 0/);
    assert.throws(() => drawCSlider({ Cs, scoresPerC, correct }, { active: 9, chosenC: null }), /active must be a step index/);
  });
});

describe('cSliderPlot(dirs, scores)', () => {
  setProgressSink(null);
  const S = syntheticSplits(6, { sizes: { train: 300, val: 500, test: 200 } });
  const names = ['a', 'b', 'c', 'd'];
  const dirs = new FailureDirections({ seed: 0 }).setPreprocess(S.train.latents).fit(inputOf(S.val, 'val', names));
  const scores = dirs.scores(inputOf(S.test, 'test', names, { ids: Array.from({ length: 200 }, (_, i) => `t${i}`) }));

  it("one step per C of the grid, starting at the class's chosen C; the chosen step ranks like the scores table", () => {
    const fig = cSliderPlot(dirs, scores, { classId: 0, topK: 5 });
    const slider = (fig.layout.sliders as Trace[])[0];
    assert.equal(slider.steps.length, dirs.options.Cs.length);
    const chosen = (dirs.cvResults_.objects() as any[]).find((r) => r.class === 0 && r.chosen).C;
    assert.equal(slider.active, dirs.options.Cs.indexOf(chosen));
    const table = fig.data.filter((t) => t.type === 'table')[slider.active] as Trace;
    const expected = (scores.objects() as any[]).filter((r) => r.label === 0).sort((a, b) => a.score - b.score).slice(0, 5).map((r) => r.id);
    assert.deepEqual(table.cells.values[1], expected);
    assert.match(fig.layout.title && (fig.layout.title as Trace).text, /Class 'a'/);
  });
});
