import { strict as assert } from 'node:assert';
import { PerClassDomino } from '../../src/experiments/domino-baseline';
import { captionSpecFor } from '../../src/experiments/caption-check';
import type { Matrix } from '../../src/util/matrix';
import { Random } from '../../src/util/random';

/** Two classes; in each, a blob of "minority" images (shifted) that the model mostly gets wrong. */
function split(seed: number, n: number) {
  const rng = new Random(seed);
  const d = 6;
  const data = new Float32Array(n * d);
  const labels = new Int32Array(n);
  const minority = new Uint8Array(n);
  const probs = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const m = rng.next() < 0.15 ? 1 : 0;
    labels[i] = c;
    minority[i] = m;
    for (let j = 0; j < d; j++) data[i * d + j] = (c ? 3 : -3) * (j === 0 ? 1 : 0) + (m ? 4 : 0) * (j === 1 ? 1 : 0) + rng.normal() * 0.7;
    const wrong = m ? rng.next() < 0.8 : rng.next() < 0.05;
    const p = wrong ? 0.2 + 0.2 * rng.next() : 0.7 + 0.3 * rng.next();
    probs[i * 2 + c] = p;
    probs[i * 2 + 1 - c] = 1 - p;
  }
  const latents: Matrix = { data, rows: n, cols: d };
  return { latents, labels, minority, probs: { data: probs, rows: n, cols: 2 } as Matrix };
}

describe('PerClassDomino', () => {
  it('fits one slicer per class, matches the slice that recovers the target on val, ranks test by it', () => {
    const val = split(1, 800);
    const test = split(2, 800);
    const dom = new PerClassDomino({ nMixtureComponents: 6, nSlices: 3, seed: 0 }).fit(val);
    assert.deepEqual([...dom.slicers_.keys()], [0, 1]);
    const chosen = dom.matchSlices(val, val.minority);
    assert.deepEqual([...chosen.keys()].sort(), [0, 1]);
    const s = dom.scores(test, chosen);
    // the matched slice puts the minority first in each class
    for (const c of [0, 1]) {
      const rows = Array.from(test.labels.keys()).filter((i) => test.labels[i] === c).sort((a, b) => s[a] - s[b]);
      const top = rows.slice(0, 40);
      assert.ok(top.filter((i) => test.minority[i]).length >= 36, `class ${c}: ${top.filter((i) => test.minority[i]).length}/40 minority in the top 40`);
    }
    // deterministic, and a class with too few rows gets no slicer (NaN scores)
    assert.deepEqual(Array.from(new PerClassDomino({ nMixtureComponents: 6, nSlices: 3, seed: 0 }).fit(val).scores(test, chosen)), Array.from(s));
    const small = { ...val, labels: Int32Array.from(val.labels, (l, i) => (i < 5 ? 2 : l)) };
    const three = { ...small, probs: { data: new Float32Array(800 * 3).fill(1 / 3), rows: 800, cols: 3 } };
    const dom3 = new PerClassDomino({ nMixtureComponents: 9, nSlices: 2, seed: 0 }).fit(three);
    assert.ok(!dom3.slicers_.has(2));
    assert.ok(Number.isNaN(dom3.scores(three, 0)[0]));
  });
});

describe('captionSpecFor', () => {
  it('reads the target of each class from the benchmark protocol', () => {
    const cm = captionSpecFor({ protocol: { tint: { agrees: '', label0: 'red', label1: 'green' } } })!;
    assert.deepEqual([cm.target(0), cm.target(1)], ['green', 'red']);
    assert.ok(cm.candidates(0).some((c) => c.noun === 'four') && !cm.candidates(0).some((c) => c.noun === 'seven'));
    const size = captionSpecFor({ protocol: { attribute: 'size', values: ['large', 'small'] } })!;
    assert.deepEqual([size.target(0), size.target(1)], ['small', 'large']);
    assert.ok(size.names({ caption: '', adjective: 'small', noun: 'digit', preposition: null }, 'small'));
    const pos = captionSpecFor({ protocol: { attribute: 'position', values: ['left', 'right'] } })!;
    assert.equal(pos.target(0), 'on the right');
    assert.ok(pos.names({ caption: '', adjective: null, noun: 'digit', preposition: 'on the right' }, 'on the right'));
    const sub = captionSpecFor({ protocol: { superclasses: [{ name: 'summer', classes: ['T-shirt/top', 'Sandal'], hidden: 'Sandal' }] } })!;
    assert.equal(sub.target(0), 'Sandal');
    assert.deepEqual(sub.candidates(0).map((c) => c.caption), ['a photo of a T-shirt/top', 'a photo of a Sandal']);
    assert.equal(captionSpecFor({}), null);
  });
});
