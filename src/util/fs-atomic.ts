/**
 * Atomic file writes (temp file in the same directory + fsync + rename), the one implementation every
 * writer in the package uses, so a crash or a full disk never leaves a torn cache, model or export.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes `data` to `file` atomically: into a unique temp file in the same directory, fsync, then
 * rename over the target. Readers see either the old file or the complete new one, never a part.
 * Parent directories are created.
 *
 * @example
 * ```ts
 * writeFileAtomic('/tmp/fd-cache/x.bin', [new Uint8Array([1, 2]), new Float32Array([0.5])]);
 * ```
 */
export function writeFileAtomic(file: string, data: Uint8Array | ArrayBufferView | Array<Uint8Array | ArrayBufferView>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  const parts = Array.isArray(data) ? data : [data];
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    for (const p of parts) {
      const u8 = p instanceof Uint8Array ? p : new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
      let off = 0;
      while (off < u8.length) off += fs.writeSync(fd, u8, off, u8.length - off);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    throw new Error(`could not write ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Writes UTF-8 text atomically (see {@link writeFileAtomic}).
 *
 * @example
 * ```ts
 * writeTextAtomic('/tmp/fd/summary.json', JSON.stringify({ ok: true }));
 * ```
 */
export function writeTextAtomic(file: string, text: string): void {
  writeFileAtomic(file, Buffer.from(text, 'utf8'));
}
