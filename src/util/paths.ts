/**
 * Where the package's own files and its cache live.
 *
 * The default cache location is the user's cache directory as the platform defines it (XDG on Linux,
 * `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows), from the `env-paths` package rather than
 * our own table of platform rules. `env-paths` 3+ is ESM-only; this package is CommonJS, so it uses
 * the 2.x line (same rules, CommonJS).
 */
import * as path from 'node:path';
import envPaths from 'env-paths';

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
 * cacheDir(); // '/tmp/fd-cache'
 * delete process.env.FD_CACHE_DIR;
 * cacheDir(); // '/home/me/.cache/failure-directions'
 * ```
 */
export function cacheDir(): string {
  const env = process.env.FD_CACHE_DIR;
  return env && env.trim() ? path.resolve(env) : envPaths('failure-directions', { suffix: '' }).cache;
}
