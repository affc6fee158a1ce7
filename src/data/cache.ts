/**
 * On-disk cache plumbing shared by the dataset converters and the embedding cache: where the cache
 * lives, content hashes, and atomic writes (temp file + rename, so a crash never leaves a torn file).
 *
 * The default location is the user's cache directory as the platform defines it (XDG on Linux,
 * `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows), from the `env-paths` package rather than
 * our own table of platform rules. `env-paths` 3+ is ESM-only; this package is CommonJS and supports
 * Node 20.0+, so it uses the 2.x line (same rules, CommonJS).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import envPaths from 'env-paths';

/**
 * The repository (or installed package) root: two levels above this compiled file
 * (`src/data/cache.ts` under tsx, `dist/data/cache.js` after the build).
 *
 * @example
 * ```ts
 * fd.packageRoot(); // '/home/me/failure-directions'
 * ```
 */
export function packageRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

/**
 * The cache directory for converted corpora, embeddings and other derived files, in this order:
 * 1. `$FD_CACHE_DIR` when set (resolved against the working directory);
 * 2. the user's cache directory: `$XDG_CACHE_HOME/failure-directions` or
 *    `~/.cache/failure-directions` on Linux, `~/Library/Caches/failure-directions` on macOS,
 *    `%LOCALAPPDATA%\failure-directions\Cache` on Windows.
 *
 * Never inside the installed package (`node_modules` may be read-only and is wiped by reinstalls).
 * Per call, the loaders' `cacheDir` option and `embed`'s `cache` option take precedence over both.
 * Every file in it is keyed by a content hash and written atomically, so checkouts and processes
 * can share it. Created on demand by the writers, not here.
 *
 * @example
 * ```ts
 * process.env.FD_CACHE_DIR = '/tmp/fd-cache';
 * fd.cacheDir(); // '/tmp/fd-cache'
 * delete process.env.FD_CACHE_DIR;
 * fd.cacheDir(); // '/home/me/.cache/failure-directions'
 * ```
 */
export function cacheDir(): string {
  const env = process.env.FD_CACHE_DIR;
  return env && env.trim() ? path.resolve(env) : envPaths('failure-directions', { suffix: '' }).cache;
}

/**
 * Writes `data` to `file` atomically: into a unique temp file in the same directory, fsync, then
 * rename over the target. Readers see either the old file or the complete new one, never a part.
 * Parent directories are created.
 *
 * @example
 * ```ts
 * fd.writeFileAtomic('/tmp/fd-cache/x.bin', [Buffer.from('FDX1'), new Float32Array([1, 2, 3])]);
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
    throw new Error(`could not write cache file ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * SHA-256 (hex) over a sequence of byte views and strings, each length-prefixed so that
 * `['ab','c']` and `['a','bc']` differ.
 *
 * @example
 * ```ts
 * fd.hashParts(['mnist', split.images, split.labels]).slice(0, 16);
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

interface SourceStamp {
  files: Array<{ path: string; size: number; mtimeMs: number }>;
  sha256: string;
}

/**
 * SHA-256 of the concatenated contents of `files` (in order), remembered in a small stamp file in
 * the cache directory keyed by each file's path, size and mtime (as git's index does), so an
 * unchanged source is not re-read on every warm load.
 *
 * @example
 * ```ts
 * const key = fd.sourceContentHash('my-corpus', ['/data/part-0.json', '/data/part-1.json']);
 * ```
 */
export function sourceContentHash(stampName: string, files: string[], dir = cacheDir()): string {
  const stats = files.map((f) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(f);
    } catch {
      throw new Error(`source file ${f} is missing (is the npm package installed?)`);
    }
    return { path: f, size: st.size, mtimeMs: st.mtimeMs };
  });
  const stampFile = path.join(dir, `${stampName}.source.json`);
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8')) as SourceStamp;
    if (
      stamp.files.length === stats.length &&
      stamp.files.every((s, i) => s.path === stats[i].path && s.size === stats[i].size && s.mtimeMs === stats[i].mtimeMs) &&
      /^[0-9a-f]{64}$/.test(stamp.sha256)
    ) {
      return stamp.sha256;
    }
  } catch {
    /* no stamp or unreadable: hash below */
  }
  const h = crypto.createHash('sha256');
  for (const f of files) h.update(fs.readFileSync(f));
  const sha256 = h.digest('hex');
  try {
    writeFileAtomic(stampFile, Buffer.from(JSON.stringify({ files: stats, sha256 } satisfies SourceStamp)));
  } catch {
    /* a read-only cache dir only costs re-hashing next time */
  }
  return sha256;
}
