/**
 * imageFolder on the folders users really have: symlinked class folders, macOS/Windows metadata,
 * hidden entries, loops and empty folders. Every folder is built by the small generators below.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { assertDataset, imageFolder } from '../../src/data';

/** A w x h PNG of one colour. */
async function png(file: string, rgb: [number, number, number], w = 6, h = 5): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) raw.set(rgb, i * 3);
  fs.writeFileSync(file, await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer());
}
function write(file: string, text = 'x'): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}
function link(target: string, at: string): void {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.symlinkSync(target, at);
}

describe('data: imageFolder on real-world folders', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-folder-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a zip unpacked on macOS: __MACOSX, .DS_Store and ._ files never become a class or shift labels', async () => {
    const d = path.join(tmp, 'unzipped');
    await png(path.join(d, 'cat/1.png'), [200, 0, 0]);
    await png(path.join(d, 'dog/2.png'), [0, 0, 200]);
    // What macOS's Archive Utility leaves: a parallel __MACOSX tree of AppleDouble files.
    write(path.join(d, '__MACOSX/cat/._1.png'), 'resource fork');
    write(path.join(d, '__MACOSX/._cat'), 'resource fork');
    write(path.join(d, '.DS_Store'));
    write(path.join(d, 'cat/.DS_Store'));
    write(path.join(d, 'cat/._1.png'), 'resource fork');
    const ds = await imageFolder(d, { size: 2 });
    assertDataset(ds);
    assert.deepEqual(ds.classNames, ['cat', 'dog']); // before the fix: ['__MACOSX', 'cat', 'dog']
    assert.deepEqual(Array.from(ds.labels), [0, 1]);
    assert.deepEqual(ds.ids, ['cat/1.png', 'dog/2.png']);
    assert.deepEqual(Array.from(ds.images.subarray(0, 3)), [200, 0, 0]);
    assert.deepEqual(ds.report.ignored, [
      { path: '.DS_Store', reason: 'OS metadata' },
      { path: '__MACOSX/', reason: 'OS metadata' },
      { path: 'cat/.DS_Store', reason: 'OS metadata' },
      { path: 'cat/._1.png', reason: 'hidden' },
    ]);
  });

  it('Windows and NAS metadata, hidden folders and stray top-level files are ignored and listed', async () => {
    const d = path.join(tmp, 'win');
    await png(path.join(d, 'a/x.jpg.png'), [1, 2, 3]);
    await png(path.join(d, 'b/y.png'), [4, 5, 6]);
    write(path.join(d, 'a/Thumbs.db'));
    write(path.join(d, 'b/DESKTOP.INI'));
    write(path.join(d, '$RECYCLE.BIN/z.png'));
    write(path.join(d, 'b/@eaDir/y.png/SYNOPHOTO_THUMB_S.jpg'));
    await png(path.join(d, '.thumbnails/a/x.png'), [9, 9, 9]);
    write(path.join(d, 'README.txt'), 'about this data');
    await png(path.join(d, 'loose.png'), [7, 7, 7]);
    const ds = await imageFolder(d, { size: 2 });
    assert.deepEqual(ds.classNames, ['a', 'b']);
    assert.deepEqual(ds.ids, ['a/x.jpg.png', 'b/y.png']);
    assert.deepEqual(ds.report.ignored, [
      { path: '$RECYCLE.BIN/', reason: 'OS metadata' },
      { path: '.thumbnails/', reason: 'hidden' },
      { path: 'README.txt', reason: 'not in a class folder' },
      { path: 'a/Thumbs.db', reason: 'OS metadata' },
      { path: 'b/@eaDir/', reason: 'OS metadata' },
      { path: 'b/DESKTOP.INI', reason: 'OS metadata' },
      { path: 'loose.png', reason: 'not in a class folder' },
    ]);
  });

  it('a class folder that is a symlink is followed; its ids go through the link', async () => {
    const store = path.join(tmp, 'elsewhere');
    await png(path.join(store, 'birds/b1.png'), [0, 250, 0]);
    await png(path.join(store, 'birds/sub/b2.png'), [0, 240, 0]);
    const d = path.join(tmp, 'linked');
    await png(path.join(d, 'ants/a1.png'), [250, 0, 0]);
    link(path.join(store, 'birds'), path.join(d, 'birds')); // absolute link
    link('../../elsewhere/birds/b1.png', path.join(d, 'ants/a2.png')); // relative link to a file
    const ds = await imageFolder(d, { size: 2 });
    assert.deepEqual(ds.classNames, ['ants', 'birds']); // before the fix: ['ants'] and 2 images lost
    assert.deepEqual(ds.ids, ['ants/a1.png', 'ants/a2.png', 'birds/b1.png', 'birds/sub/b2.png']);
    assert.deepEqual(Array.from(ds.labels), [0, 0, 1, 1]);
    assert.deepEqual(Array.from(ds.images.subarray(3 * 12, 3 * 12 + 3)), [0, 240, 0]);
    assert.deepEqual(ds.report.ignored, []);
  });

  it('symlink loops and repeated links are read once and listed; a dangling link is reported', async () => {
    const d = path.join(tmp, 'loops');
    await png(path.join(d, 'a/1.png'), [10, 10, 10]);
    await png(path.join(d, 'b/2.png'), [20, 20, 20]);
    link('..', path.join(d, 'a/up')); // back to the root
    link('.', path.join(d, 'a/self'));
    link('../../b', path.join(d, 'b/deep/again')); // back to its own class folder
    link('a', path.join(d, 'alias')); // a second class name for folder a
    link('nowhere', path.join(d, 'gone')); // dangling, not an image name
    const ds = await imageFolder(d, { size: 2 });
    assert.deepEqual(ds.classNames, ['a', 'b']);
    assert.deepEqual(ds.ids, ['a/1.png', 'b/2.png']);
    assert.deepEqual(ds.report.ignored, [
      { path: 'a/self/', reason: 'symlink loop' },
      { path: 'a/up/', reason: 'symlink loop' },
      { path: 'alias/', reason: 'same folder as a/' },
      { path: 'b/deep/again/', reason: 'symlink loop' },
      { path: 'gone', reason: 'broken symlink' },
    ]);
  });

  it('a class folder keeps its files when a link to it sorts first, or sits inside another class', async () => {
    const d = path.join(tmp, 'order');
    await png(path.join(d, 'zebra/1.png'), [1, 1, 1]);
    await png(path.join(d, 'birds/2.png'), [2, 2, 2]);
    link('zebra', path.join(d, 'animals'));
    link('../zebra', path.join(d, 'birds/stripes')); // read before zebra, but zebra's files stay zebra's
    const ds = await imageFolder(d, { size: 2 });
    assert.deepEqual(ds.classNames, ['birds', 'zebra']);
    assert.deepEqual(ds.ids, ['birds/2.png', 'zebra/1.png']);
    assert.deepEqual(Array.from(ds.labels), [0, 1]);
    assert.deepEqual(ds.report.ignored, [
      { path: 'animals/', reason: 'same folder as zebra/' },
      { path: 'birds/stripes/', reason: 'same folder as zebra/' },
    ]);
  });

  it('a dangling symlink named like an image is a missing image: an error naming it, or skipped', async () => {
    const d = path.join(tmp, 'dangling');
    await png(path.join(d, 'a/ok.png'), [1, 1, 1]);
    link('../../moved/photo.png', path.join(d, 'a/photo.png'));
    await assert.rejects(imageFolder(d, { size: 2 }), /a\/photo\.png: no such file/);
    const ds = await imageFolder(d, { size: 2, onError: 'skip' });
    assert.deepEqual(ds.ids, ['a/ok.png']);
    assert.equal(ds.report.skipped.length, 1);
    assert.match(ds.report.skipped[0].file, /a\/photo\.png$/);
  });

  it('a folder without images is never a class (inferred), but stays one when classNames name it', async () => {
    const d = path.join(tmp, 'empty');
    await png(path.join(d, 'a/1.png'), [1, 1, 1]);
    await png(path.join(d, 'c/2.png'), [2, 2, 2]);
    write(path.join(d, 'b/.DS_Store'));
    write(path.join(d, 'b/notes.txt'));
    fs.mkdirSync(path.join(d, 'd/e'), { recursive: true });
    const ds = await imageFolder(d, { size: 2 });
    assert.deepEqual(ds.classNames, ['a', 'c']); // before the fix: ['a', 'b', 'c', 'd'], c labelled 2
    assert.deepEqual(Array.from(ds.labels), [0, 1]);
    assert.deepEqual(ds.report.ignored, [
      { path: 'b/', reason: 'no images' },
      { path: 'b/.DS_Store', reason: 'OS metadata' },
      { path: 'b/notes.txt', reason: 'not an image' },
      { path: 'd/', reason: 'no images' },
    ]);
    // The train split's vocabulary keeps its ids even where this split has no image of a class.
    const withNames = await imageFolder(d, { size: 2, classNames: ['a', 'b', 'c', 'd'] });
    assert.deepEqual(Array.from(withNames.labels), [0, 2]);
    assert.deepEqual(withNames.classNames, ['a', 'b', 'c', 'd']);
  });

  it('a folder of only metadata or empty folders is an error that lists what was ignored', async () => {
    const d = path.join(tmp, 'nothing');
    write(path.join(d, '__MACOSX/._a'));
    fs.mkdirSync(path.join(d, 'cat'), { recursive: true });
    await assert.rejects(imageFolder(d), /has no class sub-folders with images .*ignored: __MACOSX\/ \(OS metadata\), cat\/ \(no images\)/);
    write(path.join(tmp, 'file.txt'));
    await assert.rejects(imageFolder(path.join(tmp, 'file.txt')), /cannot read folder .*file\.txt: not a folder/);
  });
});
