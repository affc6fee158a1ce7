/**
 * Decoding users' image files with sharp into one fixed-size Uint8 HWC block, with per-file errors
 * that name the file and an optional skip-and-report mode.
 */
import * as fs from 'node:fs';
import sharp from 'sharp';
import { progress } from '../util/progress';

/** Options shared by {@link imageFolder} and {@link fromManifest}. */
export interface DecodeOptions {
  /** Output size: `n` for n x n, or `[height, width]` (default 64). */
  size?: number | [number, number];
  /** 3 (RGB, default) or 1 (grey). */
  channels?: 1 | 3;
  /** How to fit other aspect ratios: `'cover'` (centre crop, default), `'contain'` (letterbox), `'fill'` (stretch). */
  fit?: 'cover' | 'contain' | 'fill';
  /** Colour that transparent pixels and letterbox bars become (default black). */
  background?: string;
  /** `'throw'` (default): the first missing or undecodable file is an error naming it. `'skip'`: leave it out and list it in the report. */
  onError?: 'throw' | 'skip';
  /** Files decoded in parallel (default 8). */
  concurrency?: number;
  /**
   * Largest image, in pixels (width x height), that is decoded: sharp's `limitInputPixels`, a guard
   * against decompression bombs. Default {@link DEFAULT_LIMIT_INPUT_PIXELS} (sharp's default,
   * 16383 x 16383, about 268 megapixels). Raise it for gigapixel scans (slides, aerial photos), or
   * pass `false` for no limit; a file above the limit is an error (or skipped) that names it, its
   * size and this option. Decoding such a file takes about 3 bytes per pixel of memory while it is
   * resized, times `concurrency`.
   */
  limitInputPixels?: number | boolean;
}

/**
 * sharp's default pixel limit (0x3FFF x 0x3FFF = 268,402,689 pixels), which {@link DecodeOptions}'
 * `limitInputPixels` raises.
 *
 * @example
 * ```ts
 * const big = await fd.imageFolder('scans', { limitInputPixels: 4 * DEFAULT_LIMIT_INPUT_PIXELS });
 * ```
 */
export const DEFAULT_LIMIT_INPUT_PIXELS = 0x3fff * 0x3fff;

/** What happened to the files of a load. */
export interface LoadReport {
  /** Files decoded and included. */
  loaded: number;
  /**
   * Files left out with `onError: 'skip'`, with the reason (the file's absolute path; `line` is the
   * manifest line that listed it, for `fromManifest`).
   */
  skipped: Array<{ file: string; reason: string; line?: number }>;
  /**
   * Entries present but not loaded, relative to the loaded folder (folders end in `/`), with why:
   * `'not an image'` (by extension), `'hidden'` (name starts with `.`), `'OS metadata'` (`__MACOSX`,
   * `.DS_Store`, `Thumbs.db`, `desktop.ini`, ...), `'not in a class folder'`, `'no images'` (a
   * folder that would have been an empty class), `'broken symlink'`, `'symlink loop'`, or
   * `'same folder as <path>'` (a second symlink to a folder already read).
   */
  ignored: Array<{ path: string; reason: string }>;
}

/**
 * File extensions (lower case) that {@link imageFolder} treats as images; other files are ignored
 * and listed in the report.
 *
 * @example
 * ```ts
 * IMAGE_EXTENSIONS.has('.png'); // true
 * ```
 */
export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif', '.svg']);

export function resolveSize(size: DecodeOptions['size']): [number, number] {
  const s = size ?? 64;
  const [h, w] = typeof s === 'number' ? [s, s] : s;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw new RangeError(`size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  return [h, w];
}

/** sharp's `limitInputPixels` from the option (validated): a pixel count, or false for none. */
export function resolveLimitInputPixels(limit: DecodeOptions['limitInputPixels']): number | false {
  if (limit === undefined || limit === true) return DEFAULT_LIMIT_INPUT_PIXELS;
  if (limit === false) return false;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
    throw new RangeError(`limitInputPixels must be a positive integer number of pixels, true (the default, ${DEFAULT_LIMIT_INPUT_PIXELS}) or false (no limit), got ${JSON.stringify(limit)}`);
  }
  return limit;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** The clear error for a file above the pixel limit: its size, the limit and the option that raises it. */
async function pixelLimitError(file: string, limit: number): Promise<Error> {
  let size = '';
  let pixels = 0;
  try {
    const m = await sharp(file, { limitInputPixels: false }).metadata();
    if (m.width && m.height) {
      pixels = m.width * m.height;
      size = ` is ${m.width} x ${m.height} = ${fmt(pixels)} pixels,`;
    }
  } catch {
    // the header could not be read without the limit either; say what we know
  }
  const raise = pixels ? `limitInputPixels: ${pixels}` : 'a larger limitInputPixels';
  return new Error(
    `${file}${size} above the decode limit of ${fmt(limit)} pixels (limitInputPixels, sharp's guard against decompression bombs); ` +
      `pass { ${raise} } (or false for no limit) to load it, or downscale the file`,
  );
}

/** Decodes one file to exactly `h x w x channels` bytes. */
export async function decodeImage(
  file: string,
  h: number,
  w: number,
  channels: 1 | 3,
  fit: 'cover' | 'contain' | 'fill',
  background: string,
  limitInputPixels: number | false = DEFAULT_LIMIT_INPUT_PIXELS,
): Promise<Buffer> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch {
    throw new Error(`${file}: no such file`);
  }
  if (!st.isFile()) throw new Error(`${file}: not a file`);
  try {
    let img = sharp(file, { limitInputPixels }).rotate().flatten({ background }).resize(w, h, { fit, background });
    img = channels === 1 ? img.grayscale() : img.removeAlpha().toColourspace('srgb');
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.width !== w || info.height !== h || info.channels !== channels) {
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${w}x${h}x${channels}`);
    }
    return data;
  } catch (e) {
    const msg = (e as Error).message;
    if (limitInputPixels !== false && /exceeds pixel limit/i.test(msg)) throw await pixelLimitError(file, limitInputPixels);
    throw new Error(`${file}: cannot decode image (${msg})`, { cause: e });
  }
}

/**
 * Decodes `files` into one block. Returns the pixels and the indices (into `files`) that were
 * loaded, in order; with `onError: 'skip'` failures are listed in `skipped` instead of thrown.
 * `origin(i)` says where file `i` was listed (e.g. `manifest.csv line 3`), put in front of its error.
 */
export async function decodeAll(
  files: string[],
  opts: DecodeOptions,
  label: string,
  origin?: (i: number) => { where: string; line: number },
): Promise<{ images: Uint8Array; kept: number[]; skipped: LoadReport['skipped']; height: number; width: number; channels: 1 | 3 }> {
  const [h, w] = resolveSize(opts.size);
  const channels = opts.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${channels}`);
  const fit = opts.fit ?? 'cover';
  const background = opts.background ?? '#000000';
  const onError = opts.onError ?? 'throw';
  if (onError !== 'throw' && onError !== 'skip') throw new RangeError(`onError must be 'throw' or 'skip', got ${JSON.stringify(onError)}`);
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const limitInputPixels = resolveLimitInputPixels(opts.limitInputPixels);
  const stride = h * w * channels;
  const decoded: Array<Buffer | undefined> = new Array(files.length);
  const skipped: LoadReport['skipped'] = [];
  const failures: Array<{ i: number; reason: string }> = [];
  const p = progress(label, files.length);
  let next = 0;
  let firstError: Error | undefined;
  const worker = async () => {
    while (next < files.length && !firstError) {
      const i = next++;
      try {
        decoded[i] = await decodeImage(files[i], h, w, channels, fit, background, limitInputPixels);
      } catch (e) {
        // Name where the file was listed (a manifest line) in front of the file's own error.
        const err = origin ? new Error(`${origin(i).where}: ${(e as Error).message}`) : (e as Error);
        if (onError === 'throw') firstError ??= err;
        else failures.push({ i, reason: (e as Error).message });
      }
      p.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  p.done();
  if (firstError) throw firstError;
  failures.sort((a, b) => a.i - b.i);
  for (const f of failures) skipped.push(origin ? { file: files[f.i], reason: f.reason, line: origin(f.i).line } : { file: files[f.i], reason: f.reason });
  const kept: number[] = [];
  for (let i = 0; i < files.length; i++) if (decoded[i]) kept.push(i);
  if (kept.length === 0 && files.length > 0) {
    const first = skipped[0];
    const at = first.line !== undefined && origin ? `${origin(failures[0].i).where}: ` : '';
    throw new Error(`${label}: none of the ${files.length} images could be loaded (onError: 'skip'); first: ${at}${first.reason}`);
  }
  const images = new Uint8Array(kept.length * stride);
  kept.forEach((i, k) => images.set(decoded[i]!, k * stride));
  return { images, kept, skipped, height: h, width: w, channels };
}
