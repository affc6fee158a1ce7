/**
 * Decoding users' image files with sharp into one fixed-size Uint8 HWC block, with per-file errors
 * that name the file and an optional skip-and-report mode.
 */
import * as fs from 'node:fs';
import sharp from 'sharp';
import { progress } from '../progress';

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
}

/** What happened to the files of a load. */
export interface LoadReport {
  /** Files decoded and included. */
  loaded: number;
  /** Files left out with `onError: 'skip'`, with the reason. */
  skipped: Array<{ file: string; reason: string }>;
  /** Files present but not images (by extension), ignored. */
  ignored: string[];
}

/**
 * File extensions (lower case) that {@link imageFolder} treats as images; other files are ignored
 * and listed in the report.
 *
 * @example
 * ```ts
 * fd.IMAGE_EXTENSIONS.has('.png'); // true
 * ```
 */
export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif', '.svg']);

export function resolveSize(size: DecodeOptions['size']): [number, number] {
  const s = size ?? 64;
  const [h, w] = typeof s === 'number' ? [s, s] : s;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw new RangeError(`size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  return [h, w];
}

/** Decodes one file to exactly `h x w x channels` bytes. */
export async function decodeImage(file: string, h: number, w: number, channels: 1 | 3, fit: 'cover' | 'contain' | 'fill', background: string): Promise<Buffer> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch {
    throw new Error(`${file}: no such file`);
  }
  if (!st.isFile()) throw new Error(`${file}: not a file`);
  try {
    let img = sharp(file).rotate().flatten({ background }).resize(w, h, { fit, background });
    img = channels === 1 ? img.grayscale() : img.removeAlpha().toColourspace('srgb');
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.width !== w || info.height !== h || info.channels !== channels) {
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${w}x${h}x${channels}`);
    }
    return data;
  } catch (e) {
    throw new Error(`${file}: cannot decode image (${(e as Error).message})`, { cause: e });
  }
}

/**
 * Decodes `files` into one block. Returns the pixels and the indices (into `files`) that were
 * loaded, in order; with `onError: 'skip'` failures are listed in `skipped` instead of thrown.
 */
export async function decodeAll(
  files: string[],
  opts: DecodeOptions,
  label: string,
): Promise<{ images: Uint8Array; kept: number[]; skipped: LoadReport['skipped']; height: number; width: number; channels: 1 | 3 }> {
  const [h, w] = resolveSize(opts.size);
  const channels = opts.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${channels}`);
  const fit = opts.fit ?? 'cover';
  const background = opts.background ?? '#000000';
  const onError = opts.onError ?? 'throw';
  if (onError !== 'throw' && onError !== 'skip') throw new RangeError(`onError must be 'throw' or 'skip', got ${JSON.stringify(onError)}`);
  const concurrency = Math.max(1, opts.concurrency ?? 8);
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
        decoded[i] = await decodeImage(files[i], h, w, channels, fit, background);
      } catch (e) {
        if (onError === 'throw') firstError ??= e as Error;
        else failures.push({ i, reason: (e as Error).message });
      }
      p.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  p.done();
  if (firstError) throw firstError;
  failures.sort((a, b) => a.i - b.i);
  for (const f of failures) skipped.push({ file: files[f.i], reason: f.reason });
  const kept: number[] = [];
  for (let i = 0; i < files.length; i++) if (decoded[i]) kept.push(i);
  const images = new Uint8Array(kept.length * stride);
  kept.forEach((i, k) => images.set(decoded[i]!, k * stride));
  return { images, kept, skipped, height: h, width: w, channels };
}
