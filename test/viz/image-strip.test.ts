import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import * as aq from 'arquero';
import { imageStrip } from '../../src/viz/image-strip';
import { ensureFontConfig, fontDir } from '../../src/viz/fonts';

/** A split of `n` 8x8 gray images: image i is a bright square on black, shifted by i. */
function squares(n: number) {
  const h = 8, w = 8;
  const images = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) images[i * 64 + y * 8 + ((x + i) % 8)] = 255;
  return { images, height: h, width: w, channels: 1, labels: Int32Array.from({ length: n }, (_, i) => i % 2), classNames: ['even', 'odd'], ids: Array.from({ length: n }, (_, i) => `s${i}`) };
}

async function gray(png: Buffer) {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Count of pixels darker than 128 in a rectangle. */
function dark(img: { data: Buffer; width: number }, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (img.data[y * img.width + x] < 128) n++;
  return n;
}

describe('viz/image-strip', () => {
  it('uses only the shipped font', () => {
    const conf = fs.readFileSync(ensureFontConfig(), 'utf8');
    const dirs = [...conf.matchAll(/<dir>([^<]*)<\/dir>/g)].map((m) => m[1]);
    assert.deepEqual(dirs, [fontDir()]);
    assert.ok(fs.existsSync(path.join(fontDir(), 'DejaVuSans.ttf')));
    assert.ok(fs.existsSync(path.join(fontDir(), 'LICENSE-DejaVu.txt')));
  });

  it('lays tiles out at the integer scale with nearest-neighbour pixels', async () => {
    const s = squares(5);
    const strip = imageStrip(s, [0, 1, 2, 3, 4], { scale: 4, gap: 6, labels: ['', '', '', '', ''] });
    const meta = await sharp(strip.png).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, 5 * 32 + 6 * 6);
    assert.equal(meta.height, 32 + 2 * 6);
    assert.equal(strip.width, meta.width);
    assert.equal(strip.height, meta.height);
    const img = await gray(strip.png);
    // Tile 0 spans x 6..37, y 6..37; source pixel (2,2) is white -> a crisp 4x4 white block at (14..17, 14..17).
    for (let y = 14; y < 18; y++) for (let x = 14; x < 18; x++) assert.equal(img.data[y * img.width + x], 255);
    assert.equal(img.data[13 * img.width + 14], 0); // no interpolated edge: black right above
    assert.equal(img.data[6 * img.width + 6], 0); // tile corner is the image (black), not background
    assert.equal(img.data[2 * img.width + 2], 255); // gap is white background
  });

  it('really draws label glyphs under each image', async () => {
    const s = squares(2);
    const a = imageStrip(s, [0, 1], { scale: 4, labels: ['111', '111'] });
    const b = imageStrip(s, [0, 1], { scale: 4, labels: ['888', '888'] });
    assert.equal(a.width, b.width);
    const ga = await gray(a.png);
    const gb = await gray(b.png);
    const labelTop = 6 + 32; // gap + tile
    const inkA = dark(ga, 6, labelTop, 6 + 32, ga.height);
    const inkB = dark(gb, 6, labelTop, 6 + 32, gb.height);
    assert.ok(inkA > 10, `label '111' drew ${inkA} dark pixels`);
    // Missing fonts render every glyph as the same box: '8' must differ from '1' and use more ink.
    assert.ok(inkB > inkA * 1.3, `'888' (${inkB} dark px) should use more ink than '111' (${inkA})`);
  });

  it('wraps rows, draws a title and default labels (class and id)', async () => {
    const s = squares(7);
    const strip = imageStrip(s, [6, 5, 4, 3, 2, 1, 0], { perRow: 3, scale: 2, title: 'Seven' });
    assert.deepEqual(strip.labels.slice(0, 2), ['even\n#s6', 'odd\n#s5']);
    assert.deepEqual(Array.from(strip.indices), [6, 5, 4, 3, 2, 1, 0]);
    const meta = await sharp(strip.png).metadata();
    assert.equal(meta.width, 3 * 16 + 4 * 6);
    const img = await gray(strip.png);
    assert.ok(dark(img, 0, 0, img.width, 20) > 20, 'title glyphs in the top band');
    assert.match(strip.toString(), /ImageStrip\(7 images, \d+x\d+ px, "Seven"\)/);
    const bundle = strip.toMimeBundle();
    assert.equal(Buffer.from(bundle['image/png'] as string, 'base64').compare(strip.png), 0);
  });

  it('handles RGB images', async () => {
    const images = new Uint8Array(2 * 2 * 2 * 3);
    images.set([255, 0, 0], 0); // image 0, pixel (0,0) red
    const strip = imageStrip({ images, height: 2, width: 2, channels: 3 }, [0, 1], { scale: 10, labels: ['', ''] });
    const { data, info } = await sharp(strip.png).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    assert.deepEqual(at(6 + 5, 6 + 5), [255, 0, 0]);
    assert.deepEqual(at(6 + 15, 6 + 5), [0, 0, 0]);
  });

  it('strips table rows by id, labelled with their score', () => {
    const s = squares(6);
    const t = aq.table({ id: ['s4', 's1'], score: [-1.23456, 0.5] });
    const strip = imageStrip(s, t);
    assert.deepEqual(Array.from(strip.indices), [4, 1]);
    assert.deepEqual(strip.labels, ['-1.23', '0.5']);
    const two = imageStrip(s, t, { labelColumns: ['id', 'score'] });
    assert.deepEqual(two.labels, ['s4\nscore -1.23', 's1\nscore 0.5']);
    assert.throws(() => imageStrip(s, aq.table({ id: ['nope'], score: [1] })), /row 0 of the table has id "nope", which is not in the split/);
    assert.throws(() => imageStrip(s, aq.table({ x: [1] })), /no 'id' column/);
  });

  it('rejects bad input with the offending value', () => {
    const s = squares(3);
    assert.throws(() => imageStrip(s, [0, 3]), /index 3 \(position 1\) is outside 0\.\.2/);
    assert.throws(() => imageStrip(s, []), /no images/);
    assert.throws(() => imageStrip(s, [0], { labels: ['a', 'b'] }), /2 labels for 1 images/);
    assert.throws(() => imageStrip(s, [0], { scale: 1.5 }), /scale must be an integer/);
    assert.throws(() => imageStrip({ ...s, images: new Uint8Array(65) }, [0]), /not a multiple of 8x8x1/);
  });
});
