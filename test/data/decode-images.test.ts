/**
 * Images above sharp's pixel limit: the default limit applies, `limitInputPixels` raises or removes it,
 * and the error names the file, its size and the option. A 300-megapixel PNG is built as a valid
 * header with a tiny body (sharp checks the limit on the header, before decoding any pixel).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { DEFAULT_LIMIT_INPUT_PIXELS, fromManifest, imageFolder } from '../../src/data';

function crc32(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const b of buf) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}
/** A PNG whose header says width x height RGB, with a body far too short to decode. */
function hugePngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(16))), pngChunk('IEND', Buffer.alloc(0))]);
}

describe('data: decoding images above the pixel limit', () => {
  let tmp: string;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-pixels-'));
    fs.mkdirSync(path.join(tmp, 'big/scan'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'big/scan/huge.png'), hugePngHeader(20000, 15000));
    const raw = Buffer.alloc(40 * 30 * 3, 0);
    for (let i = 0; i < 40 * 30; i++) raw.set([30, 60, 90], i * 3);
    fs.mkdirSync(path.join(tmp, 'small/a'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'small/a/photo.png'), await sharp(raw, { raw: { width: 40, height: 30, channels: 3 } }).png().toBuffer());
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("the default is sharp's limit, 16383 x 16383 pixels", () => {
    assert.equal(DEFAULT_LIMIT_INPUT_PIXELS, 268_402_689);
  });

  it('a 300-megapixel image is refused by default with the file, its size, the limit and the option', async () => {
    const dir = path.join(tmp, 'big');
    await assert.rejects(
      imageFolder(dir, { size: 4 }),
      (e: Error) => {
        assert.match(e.message, /scan\/huge\.png is 20000 x 15000 = 300,000,000 pixels, above the decode limit of 268,402,689 pixels \(limitInputPixels/);
        assert.match(e.message, /pass \{ limitInputPixels: 300000000 \} \(or false for no limit\)/);
        return true;
      },
    );
    // Skipping every image would leave an empty split: an error that says why, never an empty dataset.
    await assert.rejects(imageFolder(dir, { size: 4, onError: 'skip' }), /none of the 1 images could be loaded \(onError: 'skip'\); first: .*huge\.png is 20000 x 15000/);
  });

  it('raising the limit (or removing it) lets the file past the guard to the decoder', async () => {
    const dir = path.join(tmp, 'big');
    for (const limitInputPixels of [300_000_000, false] as const) {
      // The body of this file is fake, so the decoder, not the limit, is what fails now.
      await assert.rejects(imageFolder(dir, { size: 4, limitInputPixels }), (e: Error) => {
        assert.match(e.message, /huge\.png: cannot decode image/);
        assert.doesNotMatch(e.message, /limit/);
        return true;
      });
    }
  });

  it('limitInputPixels applies to real decodes: refused just below the size, decoded at it', async () => {
    const dir = path.join(tmp, 'small');
    await assert.rejects(imageFolder(dir, { size: 2, limitInputPixels: 1199 }), /a\/photo\.png is 40 x 30 = 1,200 pixels, above the decode limit of 1,199 pixels/);
    const ok = await imageFolder(dir, { size: 2, limitInputPixels: 1200 });
    assert.deepEqual(Array.from(ok.images.subarray(0, 3)), [30, 60, 90]);
    assert.deepEqual(Array.from((await imageFolder(dir, { size: 2, limitInputPixels: false })).images.subarray(0, 3)), [30, 60, 90]);
  });

  it('the manifest path gets the same option and names the manifest line too', async () => {
    fs.writeFileSync(path.join(tmp, 'm.csv'), 'path,label\nsmall/a/photo.png,a\nbig/scan/huge.png,b\n');
    await assert.rejects(fromManifest(path.join(tmp, 'm.csv'), { size: 2 }), /m\.csv line 3: .*huge\.png is 20000 x 15000 = 300,000,000 pixels, above the decode limit/);
    const r = await fromManifest(path.join(tmp, 'm.csv'), { size: 2, onError: 'skip' });
    assert.equal(r.all.labels.length, 1);
    assert.equal(r.report.skipped[0].line, 3);
    assert.match(r.report.skipped[0].reason, /above the decode limit of 268,402,689 pixels/);
  });

  it('rejects nonsense limits', async () => {
    for (const bad of [0, -5, 1.5, NaN, '1000' as unknown as number]) {
      await assert.rejects(imageFolder(path.join(tmp, 'small'), { limitInputPixels: bad }), /limitInputPixels must be a positive integer/);
    }
  });
});
