/**
 * cSliderPanel in process: live (a fake comm host, both widget protocols) and static (no kernel),
 * on a small synthetic problem with a planted failure direction.
 */
import { strict as assert } from 'node:assert';
import { FailureDirections } from '../../src/directions/failure-directions';
import type { SplitInput } from '../../src/directions/split-input';
import { hardest } from '../../src/directions/table-views';
import { Random } from '../../src/util/random';
import { DisplayMessage, setDisplayWriter } from '../../src/viz/display';
import { cSliderPanel } from '../../src/widgets';
import { FakeHost } from './fake-host';

/** Two classes, 8-d latents; the model errs where feature 0 is low (the planted direction). */
function problem(seed: number, n: number) {
  const rng = new Random(seed);
  const d = 8;
  const data = new Float32Array(n * d);
  const labels = new Int32Array(n);
  const preds = new Int32Array(n);
  const images = new Uint8Array(n * 8 * 8);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let j = 0; j < d; j++) data[i * d + j] = rng.normal();
    const wrong = data[i * d] + 0.5 * rng.normal() < -0.3;
    preds[i] = wrong ? 1 - labels[i] : labels[i];
    for (let p = 0; p < 64; p++) images[i * 64 + p] = Math.floor(rng.next() * 256);
  }
  const input: SplitInput = { latents: { data, rows: n, cols: d }, labels, classNames: ['even', 'odd'], preds, ids: Array.from({ length: n }, (_, i) => 1000 + i), split: 'test' };
  return { input, images: { images, height: 8, width: 8, channels: 1 } };
}

function fitted() {
  const train = problem(1, 300);
  const val = problem(2, 300);
  const test = problem(3, 240);
  const dirs = new FailureDirections({ seed: 0 });
  dirs.setPreprocess(train.input.latents);
  dirs.fit(val.input);
  return { dirs, test };
}

/** What `fd.hardest` says the K hardest of the class are. */
function ranking(dirs: FailureDirections, classId: number, input: SplitInput, k: number): Array<string | number> {
  return hardest(dirs.scores(input), { classId, k }).array('id') as Array<string | number>;
}

const idsIn = (html: string) => JSON.parse(/data-ids="([^"]*)"/.exec(html)![1].replace(/&quot;/g, '"'));

describe('widgets: cSliderPanel', () => {
  let fake: FakeHost | undefined;
  afterEach(() => {
    fake?.uninstall();
    fake = undefined;
  });

  it('checks its inputs and names what is wrong', () => {
    const { dirs, test } = fitted();
    assert.throws(() => cSliderPanel(dirs, test.input, { classId: 7 }), /class 7 is not a class id; classes with a direction here: 0, 1/);
    assert.throws(() => cSliderPanel(dirs, test.input, { k: 0 }), /k must be an integer in 1\.\.50/);
    assert.throws(() => cSliderPanel(dirs, test.input, { images: problem(4, 10).images }), /images has 10 images but the input has 240 rows/);
    assert.throws(() => cSliderPanel(dirs, test.input, { range: [1, 0.1] }), /range must be/);
    assert.throws(() => cSliderPanel(new FailureDirections(), test.input), /not fitted|before fit/i);
  });

  for (const protocol of [1, 2] as const) {
    it(`protocol ${protocol}: shows widgets, then histogram, table, strip and the hidden-when-live fallback; slider changes coalesce into one refit, updated in place`, async () => {
      fake = new FakeHost({ protocol });
      const { dirs, test } = fitted();
      const panel = cSliderPanel(dirs, test.input, { classId: 1, images: test.images, k: 5, debounceMs: 20 });
      assert.ok(panel.live);
      panel.display();
      const displays = fake.since(0, 'display_data');
      assert.equal(displays.length, 5);
      assert.ok('application/vnd.jupyter.widget-view+json' in displays[0].content.data, 'the controls first');
      const [hist, table, strip, fallback] = displays.slice(1).map((m) => m.content);
      assert.ok('application/vnd.plotly.v1+json' in hist.data);
      assert.deepEqual(idsIn(table.data['text/html']), ranking(dirs, 1, test.input, 5));
      assert.ok('image/png' in strip.data);
      assert.match(fallback.data['text/html'], new RegExp(`class="fd-c-slider-fallback" data-panel="${panel.id}"`));
      assert.match(fallback.data['text/html'], /"sliders"/, 'the precomputed Plotly slider');
      const style = fake.sent.find((m) => m.msgType === 'comm_open' && JSON.stringify(m.content.data).includes('.fd-c-slider-fallback[data-panel'));
      assert.ok(style, 'the header carries the rule that hides the fallback while live');

      // A burst of slider values, as a drag sends them: one refit, at the last value.
      const exponent = fake.sent.find((m) => m.msgType === 'comm_open' && (protocol === 1 ? m.content.data._model_name === 'FloatSliderModel' : m.content.data.state._model_name === 'FloatLogSliderModel'))!;
      const from = fake.sent.length;
      const values = [-3, -3.5, -4, -4.5, -2.5];
      for (const x of values) await fake.sync(exponent.content.comm_id, protocol, { value: protocol === 1 ? x : 10 ** x });
      await panel.whenIdle();
      assert.equal(panel.refits, 1);
      assert.ok(Math.abs(Math.log10(panel.view!.C) + 2.5) < 1e-12);
      assert.equal(panel.view!.seq, 2);
      const later = fake.since(from);
      assert.equal(later.filter((m) => m.msgType === 'display_data').length, 0, 'no new outputs');
      const updates = later.filter((m) => m.msgType === 'update_display_data');
      assert.deepEqual(updates.map((m) => m.content.transient.display_id), [hist, table, strip].map((x) => x.transient.display_id));
      const expected = FailureDirections.fromJSON(JSON.parse(JSON.stringify(dirs)));
      assert.deepEqual(idsIn(updates[1].content.data['text/html']), ranking(expected, 1, test.input, 5), 'the table shows the refitted ranking');
    });
  }

  it('changes made from code redraw at once (headless runs save the same outputs); the class dropdown moves the slider to that class\'s C', async () => {
    fake = new FakeHost({ protocol: 2 });
    const { dirs, test } = fitted();
    dirs.refit(0, 0.003);
    const panel = cSliderPanel(dirs, test.input, { classId: 1, k: 4, debounceMs: 5 });
    panel.display();
    panel.setClass(0);
    assert.equal(panel.view!.classId, 0, 'redrawn before setClass returns');
    assert.equal(panel.view!.C, 0.003);
    assert.equal(panel.widgets!.C.value, 0.003);
    panel.setK(7);
    assert.equal(panel.view!.k, 7);
    assert.deepEqual(panel.view!.ids, ranking(dirs, 0, test.input, 7));
  });

  it('a failing refit shows in the panel\'s output area; the panel keeps working', async () => {
    fake = new FakeHost({ protocol: 1 });
    const { dirs, test } = fitted();
    const refit = dirs.refit.bind(dirs);
    dirs.refit = (c: number, C: number) => {
      if (C > 10) throw new Error('solver diverged');
      return refit(c, C);
    };
    const panel = cSliderPanel(dirs, test.input, { debounceMs: 5 });
    panel.display();
    panel.setC(50);
    await panel.whenIdle();
    const out = panel.widgets!.messages;
    assert.equal(out.outputs.length, 1);
    assert.match((out.outputs[0] as { evalue: string }).evalue, /refit of class 0 at C = 50: solver diverged/);
    assert.match(panel.widgets!.status.value, /refit failed/);
    panel.setC(0.5);
    await panel.whenIdle();
    assert.equal(panel.view!.C, 0.5);
    assert.equal(out.outputs.length, 0, 'cleared once a refit works again');
  });

  it('a kernel interrupt drops a pending refit', async () => {
    fake = new FakeHost({ protocol: 2 });
    const { dirs, test } = fitted();
    const panel = cSliderPanel(dirs, test.input, { debounceMs: 10_000 });
    panel.display();
    await fake.sync(panel.widgets!.C.modelId, 2, { value: 1e-5 }); // from the front end: coalescing timer starts
    const idle = panel.whenIdle();
    fake.comms.interrupt();
    await idle;
    assert.equal(panel.view!.seq, 1, 'nothing redrawn');
    assert.match(panel.widgets!.status.value, /interrupted/);
  });

  it('without the comm kernel it is a static panel: same outputs, updated in place by setC, and the fallback is the live part', () => {
    const { dirs, test } = fitted();
    const seen: Array<{ m: DisplayMessage; update: boolean }> = [];
    const prev = setDisplayWriter((m, update) => seen.push({ m, update }));
    try {
      const panel = cSliderPanel(dirs, test.input, { images: test.images });
      assert.equal(panel.live, false);
      assert.equal(panel.widgets, null);
      panel.display();
      assert.deepEqual(seen.map((s) => s.update), [false, false, false, false]);
      assert.match(String(seen[3].m.data['text/html']), /Live refitting needs the failure-directions kernel/);
      panel.setC(1e-4);
      assert.deepEqual(seen.slice(4).map((s) => [s.update, s.m.transient?.display_id]), seen.slice(0, 3).map((s) => [true, s.m.transient?.display_id]));
      assert.deepEqual(panel.view!.ids, ranking(dirs, 0, test.input, 10));
    } finally {
      setDisplayWriter(prev);
    }
  });
});
