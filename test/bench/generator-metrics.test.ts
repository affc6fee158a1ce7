import { strict as assert } from 'node:assert';
import type { ImageDataset } from '../../src/data/image-dataset';
import { COLOURS } from '../../src/embed/caption-templates';
import { TINTS } from '../../src/embed/training-pool';
import { measureTints } from '../../bench/generator/judge';
import { frechetDistance, grayRows, median, nearestDistances, pixelShuffled } from '../../bench/generator/metrics';
import { Random } from '../../src/util/random';

function gaussianRows(n: number, d: number, mean: number[], scale: number[], seed: number) {
  const rng = new Random(seed);
  return { data: Float32Array.from({ length: n * d }, (_, k) => mean[k % d] + scale[k % d] * rng.normal()), rows: n, cols: d };
}

describe('bench:generator metrics', () => {
  it('Frechet distance: ~0 for two samples of one Gaussian, the closed form for shifted / scaled diagonal Gaussians', () => {
    const d = 4;
    const a = gaussianRows(20000, d, [0, 0, 0, 0], [1, 1, 1, 1], 1);
    const b = gaussianRows(20000, d, [0, 0, 0, 0], [1, 1, 1, 1], 2);
    assert.ok(frechetDistance(a, b) < 0.01, `same distribution: ${frechetDistance(a, b)}`);
    // Diagonal: ||mu1 - mu2||^2 + sum (s1 - s2)^2.
    const c = gaussianRows(20000, d, [1, 0, 2, 0], [2, 1, 1, 3], 3);
    const want = 1 + 4 + (2 - 1) ** 2 + (3 - 1) ** 2;
    const got = frechetDistance(a, c);
    assert.ok(Math.abs(got - want) < 0.15, `closed form ${want}, got ${got}`);
    assert.ok(Math.abs(frechetDistance(c, a) - got) < 1e-6, 'symmetric');
  });

  it('measures tints from pixels and finds nearest neighbours', () => {
    // One 4x4 image per tint, a blob of intensity 200 times the tint (with jitter).
    const n = COLOURS.length;
    const images = new Uint8Array(n * 16 * 3);
    TINTS.forEach((t, i) => {
      for (let p = 5; p < 11; p++) for (let c = 0; c < 3; c++) images[(i * 16 + p) * 3 + c] = Math.round(200 * Math.min(1, Math.max(0, t[c] + (c === 0 ? 0.05 : -0.05))));
    });
    const ds: ImageDataset = { images, height: 4, width: 4, channels: 3, labels: new Int32Array(n), classNames: ['x'], ids: [] };
    assert.deepEqual(Array.from(measureTints(ds)), COLOURS.map((_, k) => k));
    const g = grayRows(ds);
    assert.equal(g.cols, 16);
    assert.ok(Math.abs(g.data[5] - Math.max(...Array.from(images.subarray(15, 18))) / 255) < 1e-6);
    const dist = nearestDistances(g, g);
    assert.ok(Array.from(dist).every((x) => x < 1e-3), 'every image is its own nearest neighbour');
    assert.equal(median([3, 1, 2, 10]), 2.5);
    const sh = pixelShuffled(ds, 0);
    assert.notDeepEqual(sh.images, ds.images);
    // Same colour histogram per image.
    const sum = (u: Uint8Array) => u.reduce((s, v) => s + v, 0);
    for (let i = 0; i < n; i++) assert.equal(sum(sh.images.subarray(i * 48, (i + 1) * 48)), sum(ds.images.subarray(i * 48, (i + 1) * 48)));
  });
});
