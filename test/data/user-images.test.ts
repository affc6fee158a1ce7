import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { assertDataset, fromManifest, imageFolder, parseCsv } from '../../src/data';

async function solid(file: string, rgb: [number, number, number], w = 10, h = 8, format: 'png' | 'jpeg' = 'png'): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) raw.set(rgb, i * 3);
  const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  fs.writeFileSync(file, await (format === 'png' ? img.png() : img.jpeg({ quality: 100 })).toBuffer());
}

describe('data: imageFolder and fromManifest', () => {
  let root: string;
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-images-'));
    await solid(path.join(root, 'photos/red/a.png'), [255, 0, 0]);
    await solid(path.join(root, 'photos/red/b.jpg'), [250, 0, 0], 7, 7, 'jpeg');
    await solid(path.join(root, 'photos/green/c.png'), [0, 255, 0], 30, 12);
    await solid(path.join(root, 'photos/green/nested/d.png'), [0, 200, 0]);
    fs.writeFileSync(path.join(root, 'photos/green/notes.txt'), 'not an image');
    fs.writeFileSync(path.join(root, 'photos/green/.DS_Store'), 'junk');
  });

  it('imageFolder: one class per sub-folder, resized RGB, relative ids, ignores non-images', async () => {
    const d = await imageFolder(path.join(root, 'photos'), { size: 4 });
    assertDataset(d);
    assert.deepEqual(d.classNames, ['green', 'red']);
    assert.deepEqual(d.ids, ['green/c.png', 'green/nested/d.png', 'red/a.png', 'red/b.jpg']);
    assert.deepEqual(Array.from(d.labels), [0, 0, 1, 1]);
    assert.equal(d.height * d.width * d.channels, 48);
    assert.deepEqual(Array.from(d.images.subarray(0, 3)), [0, 255, 0]);
    assert.deepEqual(Array.from(d.images.subarray(2 * 48, 2 * 48 + 3)), [255, 0, 0]);
    assert.deepEqual(d.report.ignored, [
      { path: 'green/.DS_Store', reason: 'OS metadata' },
      { path: 'green/notes.txt', reason: 'not an image' },
    ]);
    assert.equal(d.report.loaded, 4);
    const grey = await imageFolder(path.join(root, 'photos'), { size: [3, 5], channels: 1 });
    assert.equal(grey.channels, 1);
    assert.equal(grey.images.length, 4 * 15);
  });

  it('imageFolder: a corrupt file is an error naming it, or skipped and reported', async () => {
    const dir = path.join(root, 'bad');
    await solid(path.join(dir, 'x/ok.png'), [1, 2, 3]);
    fs.mkdirSync(path.join(dir, 'y'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'y/broken.png'), 'definitely not a png');
    await assert.rejects(imageFolder(dir, { size: 4 }), /broken\.png: cannot decode image/);
    // A real PNG cut short is rejected too, not decoded half-grey.
    await solid(path.join(dir, 'y/whole.png'), [9, 9, 9], 64, 64);
    const whole = fs.readFileSync(path.join(dir, 'y/whole.png'));
    fs.writeFileSync(path.join(dir, 'y/truncated.png'), whole.subarray(0, Math.floor(whole.length * 0.6)));
    const d = await imageFolder(dir, { size: 4, onError: 'skip' });
    assert.equal(d.labels.length, 2);
    assert.deepEqual(d.report.skipped.map((s) => path.basename(s.file)), ['broken.png', 'truncated.png']);
    assert.match(d.report.skipped[0].file, /broken\.png$/);
    assert.match(d.report.skipped[0].reason, /cannot decode/);
    await assert.rejects(imageFolder(path.join(root, 'nowhere')), /cannot read folder .*nowhere: no such folder/);
    await assert.rejects(imageFolder(dir, { classNames: ['x'] }), /sub-folder 'y' .* is not one of the given classNames/);
  });

  it('fromManifest: path,label,split,group with quoting; splits and groups; numeric labels sort numerically', async () => {
    await solid(path.join(root, 'm/img,1.png'), [10, 20, 30]);
    const csv = ['Label,PATH,split,group,extra', '10,"img,1.png",train,water,x', '2,../photos/red/a.png,test,land,y', '2,../photos/green/c.png,train,land,z', ''].join('\r\n');
    fs.writeFileSync(path.join(root, 'm/manifest.csv'), csv);
    const r = await fromManifest(path.join(root, 'm/manifest.csv'), { size: 2 });
    assert.deepEqual(r.all.classNames, ['2', '10']);
    assert.deepEqual(r.all.ids, ['img,1.png', '../photos/red/a.png', '../photos/green/c.png']);
    assert.deepEqual(r.all.groups, ['water', 'land', 'land']);
    assert.deepEqual(Object.keys(r.splits).sort(), ['test', 'train']);
    assert.equal(r.train!.labels.length, 2);
    assert.deepEqual(Array.from(r.train!.labels), [1, 0]);
    assert.deepEqual(r.test!.groups, ['land']);
    assert.deepEqual(Array.from(r.all.images.subarray(0, 3)), [10, 20, 30]);
  });

  it('fromManifest: names the manifest line or the image file at fault', async () => {
    const m = path.join(root, 'm2');
    fs.mkdirSync(m, { recursive: true });
    fs.writeFileSync(path.join(m, 'a.csv'), 'file,label\nx.png,cat\n');
    await assert.rejects(fromManifest(path.join(m, 'a.csv')), /a\.csv needs a 'path' column \(and 'label', optional 'split', 'group'\) in its header \(found: file, label\)/);
    fs.writeFileSync(path.join(m, 'b.csv'), 'path,label\nx.png,cat\n,dog\n');
    await assert.rejects(fromManifest(path.join(m, 'b.csv')), /b\.csv line 3: empty path/);
    fs.writeFileSync(path.join(m, 'c.csv'), 'path,label\nmissing.png,cat\n../photos/red/a.png,dog\n');
    await assert.rejects(fromManifest(path.join(m, 'c.csv')), /missing\.png: no such file/);
    const r = await fromManifest(path.join(m, 'c.csv'), { onError: 'skip', size: 4 });
    assert.equal(r.all.labels.length, 1);
    assert.deepEqual(r.all.classNames, ['cat', 'dog']);
    assert.match(r.report.skipped[0].file, /missing\.png$/);
    await assert.rejects(fromManifest(path.join(m, 'c.csv'), { classNames: ['cat'] }), /c\.csv line 3: label 'dog' is not a known class \(1 class: 'cat'\)/);
    assert.throws(() => parseCsv('a,"b\n', 'x.csv'), /x\.csv: unterminated quoted field starting on line 1/);
  });
});
