import { strict as assert } from 'node:assert';
import { assertDataset, FASHION_MNIST_CLASSES, loadMnist, RESERVED, type ImageDataset } from '../../src/data';
import { rareSubclass, RARE_SUPERCLASSES } from '../../src/data/rare-subclass';
import { spuriousAttribute } from '../../src/data/spurious-attribute';

const SPLITS = ['train', 'val', 'unlabeled', 'test'] as const;

/** Share of `group` among the images of class `c`. */
function share(d: ImageDataset, c: number, group: string): number {
  let n = 0;
  let k = 0;
  for (let i = 0; i < d.labels.length; i++) {
    if (d.labels[i] !== c) continue;
    n++;
    if (d.groups![i] === group) k++;
  }
  return k / n;
}

/** Bounding box of the pixels above 1/8 intensity (gray image i). */
function bbox(d: ImageDataset, i: number): { w: number; h: number; cx: number } {
  let x0 = 99, x1 = -1, y0 = 99, y1 = -1;
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) if (d.images[i * 784 + y * 28 + x] > 32) {
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1, cx: (x0 + x1) / 2 };
}

describe('data: spuriousAttribute', () => {
  it('ties size to the label in train, keeps the minority rare elsewhere, groups name the drawing', () => {
    const s = spuriousAttribute({ seed: 2 });
    const mnist = loadMnist();
    for (const name of SPLITS) assertDataset(s[name], name);
    assert.deepEqual(SPLITS.map((n) => s[n].labels.length), [3000, 1500, 1500, 2000]);
    assert.deepEqual(s.protocol.values, ['large', 'small']);
    assert.equal(s.test.channels, 1);
    const all = SPLITS.flatMap((n) => s[n].ids as number[]);
    assert.equal(new Set(all).size, all.length);
    assert.ok(all.every((id) => id >= RESERVED.mnist.analysis.start && id < RESERVED.mnist.analysis.end));
    // clean labels (noise 0), digit 0-4 -> 0
    for (let i = 0; i < 200; i++) assert.equal(s.train.labels[i], mnist.labels[s.train.ids[i] as number] < 5 ? 0 : 1);
    // train: P(large | 0-4) ~ 0.55, P(small | 5-9) ~ 0.97; elsewhere 0.93 both
    assert.ok(Math.abs(share(s.train, 0, 'large') - 0.55) < 0.04);
    assert.ok(Math.abs(share(s.train, 1, 'small') - 0.97) < 0.02);
    for (const c of [0, 1]) {
      const minority = c === 0 ? 'small' : 'large';
      const t = share(s.test, c, minority);
      assert.ok(t > 0.04 && t < 0.1, `test minority share of class ${c}: ${t}`);
    }
    // The drawing matches the group: small digits are smaller than large ones.
    for (let i = 0; i < 300; i++) {
      const b = bbox(s.test, i);
      if (s.test.groups![i] === 'small') assert.ok(Math.max(b.w, b.h) <= 17, `small image ${i}: ${b.w}x${b.h}`);
      else assert.ok(Math.max(b.w, b.h) >= 16, `large image ${i}: ${b.w}x${b.h}`);
    }
  });

  it("draws position as left / right, is reproducible, and names bad options", () => {
    const p = spuriousAttribute({ attribute: 'position', seed: 1, sizes: { train: 200, val: 100, unlabeled: 100, test: 200 } });
    assert.deepEqual(p.protocol.values, ['left', 'right']);
    for (let i = 0; i < 200; i++) {
      const b = bbox(p.test, i);
      assert.ok(p.test.groups![i] === 'left' ? b.cx < 13.5 : b.cx > 13.5, `image ${i} (${p.test.groups![i]}) centred at x ${b.cx}`);
    }
    const again = spuriousAttribute({ attribute: 'position', seed: 1, sizes: { train: 200, val: 100, unlabeled: 100, test: 200 } });
    assert.deepEqual(Buffer.from(again.test.images), Buffer.from(p.test.images));
    assert.throws(() => spuriousAttribute({ attribute: 'colour' as never }), /attribute must be 'size' or 'position'/);
    assert.throws(() => spuriousAttribute({ trainCorr: [0.5] as never }), /one per class/);
    assert.throws(() => spuriousAttribute({ evalCorr: 2 }), /evalCorr must be a probability/);
    assert.throws(() => spuriousAttribute({ sizes: { train: 8000 } }), /add up to 13000 images/);
  });
});

describe('data: rareSubclass', () => {
  it('keeps each hidden subclass at exactly its share in every split; groups = original class', () => {
    const s = rareSubclass({ seed: 3 });
    for (const name of SPLITS) assertDataset(s[name], name);
    assert.deepEqual(s.protocol.hidden, RARE_SUPERCLASSES.map((x) => x.hidden));
    assert.deepEqual(s.test.classNames, ['summer', 'winter', 'everyday']);
    for (const name of SPLITS) {
      const want = name === 'train' ? 0.04 : 0.07;
      RARE_SUPERCLASSES.forEach((sc, c) => {
        const got = share(s[name], c, sc.hidden);
        assert.ok(Math.abs(got - want) < 0.002, `${name} ${sc.name}: ${sc.hidden} share ${got}`);
        for (let i = 0; i < s[name].labels.length; i++) if (s[name].labels[i] === c) assert.ok(sc.classes.includes(s[name].groups![i]));
      });
    }
    const ids = SPLITS.flatMap((n) => s[n].ids as number[]);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok((s.test.ids as number[]).every((id) => id >= 60000));
    assert.ok(FASHION_MNIST_CLASSES.includes(s.test.groups![0]));
  });

  it('is reproducible and names impossible shares', () => {
    const a = rareSubclass({ seed: 1, sizes: { train: 2000, val: 1000, unlabeled: 1000, test: 1000 } });
    const b = rareSubclass({ seed: 1, sizes: { train: 2000, val: 1000, unlabeled: 1000, test: 1000 } });
    assert.deepEqual(a.test.ids, b.test.ids);
    assert.throws(() => rareSubclass({ evalShare: 0 }), /evalShare must be a share in \(0, 1\)/);
    assert.throws(() => rareSubclass({ trainShare: 0.6 }), /split 'train' holds \d+ 'Sandal' images but a share of 0.6 in 'summer' needs \d+/);
  });
});
