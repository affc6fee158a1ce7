/**
 * Where the package's own files and its cache live.
 */
import * as path from 'node:path';

/**
 * The repository (or installed package) root: two levels above this compiled file
 * (`src/util/paths.ts` under tsx, `dist/util/paths.js` after the build).
 *
 * @example
 * ```ts
 * packageRoot(); // '/home/me/failure-directions'
 * ```
 */
export function packageRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

/**
 * The cache directory: `$FD_CACHE_DIR` when set, else `<package root>/data/cache`. Created on demand
 * by the writers, not here.
 *
 * @example
 * ```ts
 * process.env.FD_CACHE_DIR = '/tmp/fd-cache';
 * cacheDir(); // '/tmp/fd-cache'
 * ```
 */
export function cacheDir(): string {
  const env = process.env.FD_CACHE_DIR;
  return env && env.trim() ? path.resolve(env) : path.join(packageRoot(), 'data', 'cache');
}
