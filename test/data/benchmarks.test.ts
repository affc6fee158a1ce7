import { strict as assert } from 'node:assert';
import { coloredMnist, hiddenSubclass, loadMnist, loadFashionMnist, assertDataset, RESERVED, FASHION_MNIST_CLASSES, ImageDataset } from '../../src/data';

function count<T>(xs: T[], f: (x: T) => boolean): number {
  let n = 0;
  for (const x of xs) if (f(x)) n++;
  return n;
}

function idsOf(d: ImageDataset): Set<number> {
  return new Set(d.ids as number[]);
}

describe('data: coloredMnist', () => {
  it('follows the protocol: labels, noise, tint correlation, groups, disjoint analysis-range splits', async () => {
    const s = coloredMnist({ trainCorr: 0.9, seed: 1 });
    const mnist = loadMnist();
    for (const name of ['train', 'val', 'unlabeled', 'test'] as const) assertDataset(s[name], name);
    assert.deepEqual([s.train, s.val, s.unlabeled, s.test].map((d) => d.labels.length), [3000, 1500, 1500, 2000]);
    assert.equal(s.train.channels, 3);
    // Disjoint, all within the analysis range.
    const all = [s.train, s.val, s.unlabeled, s.test].flatMap((d) => d.ids as number[]);
    assert.equal(new Set(all).size, all.length);
    assert.ok(all.every((id) => id >= RESERVED.mnist.analysis.start && id < RESERVED.mnist.analysis.end));
    const stats = (d: ImageDataset) => {
      let flipped = 0, agrees = 0;
      for (let i = 0; i < d.labels.length; i++) {
        const id = d.ids[i] as number;
        const clean = mnist.labels[id] < 5 ? 0 : 1;
        if (clean !== d.labels[i]) flipped++;
        // Tint = the only non-zero channel; check it against the group.
        let r = 0, g = 0, b = 0;
        const base = i * 28 * 28 * 3;
        for (let p = 0; p < 784; p++) {
          r += d.images[base + 3 * p];
          g += d.images[base + 3 * p + 1];
          b += d.images[base + 3 * p + 2];
        }
        assert.equal(b, 0);
        assert.ok((r === 0) !== (g === 0), 'exactly one tint channel');
        const tint = r > 0 ? 0 : 1;
        assert.equal(tint === d.labels[i], d.groups![i] === 'agrees');
        if (d.groups![i] === 'agrees') agrees++;
        // Pixels are the real digit.
        if (i < 5) for (let p = 0; p < 784; p++) assert.equal(d.images[base + 3 * p + tint], mnist.images[id * 784 + p]);
      }
      return { flipped: flipped / d.labels.length, agrees: agrees / d.labels.length };
    };
    const tr = stats(s.train);
    assert.ok(Math.abs(tr.flipped - 0.25) < 0.03, `train noise ${tr.flipped}`);
    assert.ok(Math.abs(tr.agrees - 0.9) < 0.02, `train agreement ${tr.agrees}`);
    const te = stats(s.test);
    assert.equal(te.flipped, 0);
    assert.ok(Math.abs(te.agrees - 0.5) < 0.04, `test agreement ${te.agrees}`);
    assert.equal(stats(s.val).flipped, 0);
  });
  it('is reproducible for a seed, differs across seeds, and names bad options', async () => {
    const a = coloredMnist({ trainCorr: 0.99, seed: 3, sizes: { train: 200, val: 100, unlabeled: 100, test: 100 } });
    const b = coloredMnist({ trainCorr: 0.99, seed: 3, sizes: { train: 200, val: 100, unlabeled: 100, test: 100 } });
    const c = coloredMnist({ trainCorr: 0.99, seed: 4, sizes: { train: 200, val: 100, unlabeled: 100, test: 100 } });
    assert.deepEqual(a.train.ids, b.train.ids);
    assert.ok(Buffer.from(a.test.images).equals(Buffer.from(b.test.images)));
    assert.notDeepEqual(a.train.ids, c.train.ids);
    assert.throws(() => coloredMnist({ trainCorr: 1.5 }), /trainCorr must be a probability/);
    assert.throws(() => coloredMnist({ trainCorr: 0.9, sizes: { train: 9000 } }), /add up to 14000 images but the MNIST analysis range holds 8000/);
    assert.throws(() => coloredMnist({ trainCorr: 0.9, sizes: { tran: 5 } as never }), /unknown split 'tran'/);
  });
});

describe('data: loadFashionMnist and hiddenSubclass', () => {
  it('loads all 70k Fashion-MNIST images in an interleaved, balanced corpus order', async () => {
    const f = loadFashionMnist();
    assert.equal(f.labels.length, 70000);
    assert.deepEqual(f.classNames, FASHION_MNIST_CLASSES);
    const counts = new Array(10).fill(0);
    for (const l of f.labels) counts[l]++;
    assert.deepEqual(counts, new Array(10).fill(7000));
    // Every part of the reserved layout holds each class equally.
    const enc = loadFashionMnist({ part: 'encoder' });
    assert.equal(enc.labels.length, 20000);
    assert.equal(enc.ids[0], 40000);
    assert.equal(count(Array.from(enc.labels), (l) => l === 7), 2000);
    const ana = loadFashionMnist({ part: 'analysis' });
    assert.equal(ana.labels.length, 50000);
  });
  it('keeps each hidden subclass rare in train only, groups = original class, splits disjoint', async () => {
    const s = hiddenSubclass({ seed: 0, subsample: 0.2 });
    for (const name of ['train', 'val', 'unlabeled', 'test'] as const) assertDataset(s[name], name);
    assert.deepEqual(s.train.classNames, ['tops', 'footwear', 'other']);
    const share = (d: ImageDataset, cls: string) => count(d.groups!, (g) => g === cls) / d.labels.length;
    for (const h of s.protocol.hidden) {
      const natural = share(s.test, h);
      assert.ok(Math.abs(share(s.val, h) - natural) < 0.02, `${h} in val`);
      const trainCount = count(s.train.groups!, (g) => g === h);
      const valPer = count(s.val.groups!, (g) => g === h) / s.val.labels.length;
      const expected = 0.2 * valPer * s.protocol.sizes.train;
      assert.ok(Math.abs(trainCount - expected) < 0.25 * expected, `${h}: ${trainCount} in train, expected ~${expected}`);
    }
    // Labels are the superclass of the group.
    for (let i = 0; i < 200; i++) {
      const sup = s.protocol.superclasses[s.train.labels[i]];
      assert.ok(sup.classes.includes(s.train.groups![i]));
    }
    const [tr, va, un, te] = [s.train, s.val, s.unlabeled, s.test].map(idsOf);
    for (const id of tr) assert.ok(!va.has(id) && !un.has(id) && id < 40000);
    for (const id of te) assert.ok(id >= 60000);
    const again = hiddenSubclass({ seed: 0, subsample: 0.2 });
    assert.deepEqual(again.train.ids, s.train.ids);
  });
  it('names a bad superclass definition', async () => {
    assert.throws(() => hiddenSubclass({ superclasses: [{ name: 'a', classes: ['Shirt', 'Hat'], hidden: 'Shirt' }, { name: 'b', classes: ['Bag', 'Dress'], hidden: 'Bag' }] }), /'a' lists unknown class 'Hat'/);
    assert.throws(() => hiddenSubclass({ superclasses: [{ name: 'a', classes: ['Shirt', 'Coat'], hidden: 'Bag' }, { name: 'b', classes: ['Bag', 'Dress'], hidden: 'Bag' }] }), /hidden subclass 'Bag' of 'a' is not one of its classes/);
    assert.throws(() => hiddenSubclass({ superclasses: [{ name: 'a', classes: ['Shirt', 'Coat'], hidden: 'Coat' }, { name: 'b', classes: ['Coat', 'Dress'], hidden: 'Dress' }] }), /'Coat' is in both 'a' and 'b'/);
  });
});
