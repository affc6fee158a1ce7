/**
 * fromManifest on the manifests users really write: the same image twice, unlabeled pools with empty
 * labels, Windows paths, and missing files, each error naming the manifest line. Manifests and images
 * are built by the small generators below.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { assertDataset, fromManifest, UNLABELED } from '../../src/data';
import { embed } from '../../src/embed';
import type { Encoder } from '../../src/embed';
import { predictArrays } from '../../src/model';
import type { AnyModel } from '../../src/model';

async function png(file: string, grey: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, await sharp(Buffer.alloc(4 * 4, grey), { raw: { width: 4, height: 4, channels: 1 } }).png().toBuffer());
}
/** Writes manifest `name` under `dir` from rows of cells (the first row is the header). */
function manifest(dir: string, name: string, rows: string[][]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, rows.map((r) => r.join(',')).join('\n') + '\n');
  return file;
}
/** An encoder that returns each image's first pixel, to check what embed accepts. */
const firstPixel: Encoder = {
  name: 'first-pixel',
  dim: 1,
  async embedImages(split) {
    const n = split.labels.length;
    const stride = split.height * split.width * split.channels;
    return { rows: n, cols: 1, data: Float32Array.from({ length: n }, (_, i) => split.images[i * stride]) };
  },
};

describe('data: fromManifest on real-world manifests', () => {
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-manifest-'));
    for (let i = 0; i < 6; i++) await png(path.join(dir, `img/train/${i}.png`), 10 * i);
    await png(path.join(dir, 'img/pool/p0.png'), 100);
    await png(path.join(dir, 'img/pool/p1.png'), 110);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('the same image twice', () => {
    it('in one split is an error with both line numbers', async () => {
      const m = manifest(dir, 'dup.csv', [
        ['path', 'label', 'split'],
        ['img/train/0.png', 'cat', 'train'],
        ['img/train/1.png', 'dog', 'train'],
        ['img/train/0.png', 'dog', 'train'],
      ]);
      await assert.rejects(fromManifest(m, { size: 2 }), /dup\.csv lines 2 and 4 both list 'img\/train\/0\.png' in split 'train'; an image may appear once per split/);
    });

    it('however its path is spelled (./, .., a Windows separator)', async () => {
      for (const other of ['./img/train/0.png', 'img/pool/../train/0.png', 'img\\train\\0.png']) {
        const m = manifest(dir, 'dup2.csv', [['path', 'label'], ['img/train/0.png', 'cat'], ['img/train/1.png', 'cat'], [other, 'cat']]);
        const expected = new RegExp(`dup2\\.csv lines 2 and 4 both list 'img/train/0\\.png' \\(as '${other.replace(/[.\\]/g, (c) => '\\' + c)}' on line 4\\); an image may appear once per split`);
        await assert.rejects(fromManifest(m, { size: 2 }), expected);
      }
    });

    it('in two splits is loaded as listed, reported and warned about (it leaks between splits)', async () => {
      const m = manifest(dir, 'leak.csv', [
        ['path', 'label', 'split'],
        ['img/train/0.png', 'cat', 'train'],
        ['img/train/1.png', 'dog', 'train'],
        ['img/train/0.png', 'cat', 'test'],
      ]);
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on('warning', onWarning);
      try {
        const r = await fromManifest(m, { size: 2 });
        await new Promise((res) => setImmediate(res));
        assert.equal(r.train!.labels.length, 2);
        assert.equal(r.test!.labels.length, 1);
        assert.deepEqual(r.report.sharedAcrossSplits, [{ path: 'img/train/0.png', lines: [2, 4], splits: ['train', 'test'] }]);
      } finally {
        process.off('warning', onWarning);
      }
      assert.equal(warnings.length, 1);
      assert.equal((warnings[0] as Error & { code?: string }).code, 'FD_MANIFEST_SHARED_IMAGES');
      assert.match(warnings[0].message, /1 image\(s\) are listed in more than one split, e\.g\. 'img\/train\/0\.png' in train and test \(lines 2, 4\)/);
    });
  });

  describe('empty labels', () => {
    it('are allowed in the unlabeled split: label -1, class names from the labelled rows', async () => {
      const m = manifest(dir, 'pool.csv', [
        ['path', 'label', 'split'],
        ['img/train/0.png', 'cat', 'train'],
        ['img/pool/p0.png', '', 'unlabeled'],
        ['img/train/1.png', 'dog', 'train'],
        ['img/pool/p1.png', 'dog', 'unlabeled'], // a pool image whose class is known keeps it
      ]);
      const r = await fromManifest(m, { size: 2 });
      assert.deepEqual(r.all.classNames, ['cat', 'dog']);
      assert.deepEqual(Array.from(r.all.labels), [0, UNLABELED, 1, 1]);
      assert.deepEqual(Array.from(r.unlabeled!.labels), [-1, 1]);
      assert.deepEqual(Array.from(r.train!.labels), [0, 1]);
      assert.deepEqual(r.report.unlabeledSplits, ['unlabeled']);
    });

    it('are allowed in a split with no labels at all, and in a manifest without a label column', async () => {
      const m = manifest(dir, 'pool2.csv', [
        ['path', 'label', 'split'],
        ['img/train/0.png', '3', 'train'],
        ['img/pool/p0.png', '', 'pool'],
        ['img/pool/p1.png', '', 'pool'],
      ]);
      const r = await fromManifest(m, { size: 2 });
      assert.deepEqual(Array.from(r.splits.pool.labels), [-1, -1]);
      assert.deepEqual(r.all.classNames, ['3']);
      assert.deepEqual(r.report.unlabeledSplits, ['pool']);
      const bare = manifest(dir, 'bare.csv', [['path'], ['img/pool/p0.png'], ['img/pool/p1.png']]);
      const b = await fromManifest(bare, { size: 2 });
      assert.deepEqual(Array.from(b.all.labels), [-1, -1]);
      assert.deepEqual(b.all.classNames, []);
      assert.deepEqual(b.report.unlabeledSplits, ['all']);
      // With the train split's class names the pool shares its vocabulary.
      const named = await fromManifest(bare, { size: 2, classNames: ['cat', 'dog'] });
      assert.deepEqual(named.all.classNames, ['cat', 'dog']);
    });

    it('unlabeled images can be embedded; steps that need the true class refuse them by name', async () => {
      const m = manifest(dir, 'pool3.csv', [['path', 'label', 'split'], ['img/train/2.png', 'cat', 'train'], ['img/pool/p1.png', '', 'unlabeled']]);
      const r = await fromManifest(m, { size: 2, channels: 1 });
      const z = await embed(firstPixel, r.unlabeled!, { cache: false });
      assert.deepEqual(Array.from(z.data), [110]);
      assert.throws(() => assertDataset(r.unlabeled!), /unlabeled: row 0 \(id img\/pool\/p1\.png\) is unlabeled \(label -1\); this step needs a true class for every image/);
      await assert.rejects(predictArrays(null as unknown as AnyModel, r.unlabeled!), /is unlabeled \(label -1\)/);
    });

    it('are an error in a labelled split, naming the line and a labelled line', async () => {
      const m = manifest(dir, 'holes.csv', [
        ['path', 'label', 'split'],
        ['img/train/0.png', 'cat', 'train'],
        ['img/train/1.png', '', 'train'],
      ]);
      await assert.rejects(fromManifest(m), /holes\.csv line 3: empty label in split 'train' \(line 2 has label 'cat'\); an empty label is allowed only in an unlabeled split/);
      const flat = manifest(dir, 'holes2.csv', [['path', 'label'], ['img/train/0.png', 'cat'], ['img/train/1.png', ' ']]);
      await assert.rejects(fromManifest(flat), /holes2\.csv line 3: empty label in a labelled manifest \(line 2 has label 'cat'\)/);
    });
  });

  describe('Windows paths', () => {
    it('backslash separators are read as folders; ids stay as written', async () => {
      const m = manifest(dir, 'win.csv', [['path', 'label'], ['img\\train\\4.png', 'a'], ['.\\img\\train\\5.png', 'b']]);
      const r = await fromManifest(m, { size: 2, channels: 1 });
      assert.deepEqual(r.all.ids, ['img\\train\\4.png', '.\\img\\train\\5.png']);
      assert.deepEqual([r.all.images[0], r.all.images[4]], [40, 50]);
    });

    it('a file whose name really holds a backslash (POSIX) is read as named', async () => {
      await png(path.join(dir, 'odd\\name.png'), 77);
      const m = manifest(dir, 'odd.csv', [['path', 'label'], ['odd\\name.png', 'a']]);
      const r = await fromManifest(m, { size: 2, channels: 1 });
      assert.equal(r.all.images[0], 77);
    });
  });

  describe('missing and broken files name the manifest line', () => {
    it('no such file, with the line and how a Windows path was read', async () => {
      const m = manifest(dir, 'missing.csv', [['path', 'label'], ['img/train/0.png', 'a'], ['img\\train\\9.png', 'a'], ['img/nope.png', 'b']]);
      await assert.rejects(
        fromManifest(m, { size: 2 }),
        /missing\.csv line 3 \('img\\train\\9\.png' read as 'img\/train\/9\.png'\): .*img\/train\/9\.png: no such file/,
      );
      const r = await fromManifest(m, { size: 2, onError: 'skip' });
      assert.deepEqual(
        r.report.skipped.map((s) => [s.line, path.relative(dir, s.file), s.reason.replace(dir, '<dir>')]),
        [
          [3, 'img/train/9.png', '<dir>/img/train/9.png: no such file'],
          [4, 'img/nope.png', '<dir>/img/nope.png: no such file'],
        ],
      );
      assert.deepEqual(r.all.ids, ['img/train/0.png']);
    });

    it('a corrupt image and a folder listed as an image, with the line', async () => {
      fs.writeFileSync(path.join(dir, 'img/bad.png'), 'not a png');
      const m = manifest(dir, 'bad.csv', [['path', 'label'], ['img/train/0.png', 'a'], ['img/bad.png', 'a']]);
      await assert.rejects(fromManifest(m, { size: 2 }), /bad\.csv line 3: .*img\/bad\.png: cannot decode image/);
      const f = manifest(dir, 'folder.csv', [['path', 'label'], ['img/train', 'a']]);
      await assert.rejects(fromManifest(f, { size: 2 }), /folder\.csv line 2: .*img\/train: not a file/);
      const all = manifest(dir, 'allbad.csv', [['path', 'label'], ['img/bad.png', 'a'], ['img/gone.png', 'a']]);
      await assert.rejects(fromManifest(all, { size: 2, onError: 'skip' }), /none of the 2 images could be loaded \(onError: 'skip'\); first: fromManifest: .*allbad\.csv line 2: .*bad\.png: cannot decode/);
    });
  });
});
