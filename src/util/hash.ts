/**
 * Content hashing (SHA-256) for cache keys, shipped-weight checks and stable element ids: one place,
 * so every cache is keyed the same way.
 */
import * as crypto from 'node:crypto';

/**
 * SHA-256 (hex) over a sequence of byte views and strings, each length-prefixed so that
 * `['ab','c']` and `['a','bc']` differ.
 *
 * @example
 * ```ts
 * hashParts(['mnist', test.images, test.labels]).slice(0, 16);
 * ```
 */
export function hashParts(parts: Array<string | ArrayBufferView>): string {
  const h = crypto.createHash('sha256');
  const len = Buffer.alloc(8);
  for (const p of parts) {
    const u8 = typeof p === 'string' ? Buffer.from(p, 'utf8') : new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
    len.writeBigUInt64LE(BigInt(u8.length));
    h.update(len);
    h.update(u8);
  }
  return h.digest('hex');
}

/**
 * SHA-256 (hex) of bytes or a UTF-8 string.
 *
 * @example
 * ```ts
 * sha256Hex('abc').slice(0, 8); // 'ba7816bf'
 * ```
 */
export function sha256Hex(data: string | ArrayBufferView): string {
  const u8 = typeof data === 'string' ? Buffer.from(data, 'utf8') : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return crypto.createHash('sha256').update(u8).digest('hex');
}
