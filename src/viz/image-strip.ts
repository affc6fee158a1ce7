/**
 * Image strips: a row (or grid) of small images, upscaled with nearest-neighbour so pixels stay crisp,
 * each with a text label underneath (its class, id, score...), composed into one PNG with sharp.
 */
import * as fs from 'node:fs';
import * as util from 'node:util';
import { escapeXml, oneLine } from '../util/escape';
import { FONT_FAMILY, fitTextWidth } from './fonts';
import { composeSync, RawLayer } from './sharp-sync';
import { inspectDisplayable, Displayable, MimeBundle } from './display';
import { formatNumber } from '../util/format';

/** Pixels to draw from: an {@link ImageDataset} or any `{images, height, width, channels}`. */
export interface ImageSource {
  /** Uint8 pixels, images back to back in height x width x channels order. */
  images: Uint8Array;
  height: number;
  width: number;
  channels: number;
  labels?: ArrayLike<number>;
  classNames?: string[];
  ids?: ArrayLike<string | number>;
}

/** Options of {@link imageStrip}. */
export interface ImageStripOptions {
  /** One label per shown image; `\n` splits lines. Default: class name (when known) and id. */
  labels?: string[];
  /** Integer upscaling factor (nearest-neighbour). Default: 3 for images up to 32 px, 2 up to 64, else 1. */
  scale?: number;
  /** A title drawn above the strip. */
  title?: string;
  /** Images per row before wrapping. Default: all in one row, up to 12. */
  perRow?: number;
  /** Gap between tiles in pixels. Default 6. */
  gap?: number;
  /**
   * With a table of rows: the columns written under each image, one line each (default `['score']`
   * when the table has one); with several, numbers and flags are prefixed by their column name.
   * Ignored when `labels` is given.
   */
  labelColumns?: string[];
}

/** The part of an Arquero table read by {@link imageStrip}. */
export interface StripTable {
  numRows(): number;
  columnNames(): string[];
  get(column: string, row?: number): unknown;
}

/** Largest strip accepted, to keep notebooks small (a 4096 x 4096 PNG is already megabytes). */
const MAX_SIDE = 8192;

/** Lines drawn under one image at most. */
const MAX_LABEL_LINES = 8;

/**
 * A composed PNG of images with labels. Renders itself when it is a notebook cell's last value (tslab
 * and Deno kernels); `show(strip)` displays it explicitly.
 *
 * @example
 * ```ts
 * const strip = fd.imageStrip(test, [0, 1, 2], { labels: ['a', 'b', 'c'] });
 * strip.png;            // Buffer with the PNG
 * strip.width, strip.height;
 * strip.save('out/strip.png');
 * ```
 */
export class ImageStrip implements Displayable {
  constructor(
    /** The PNG bytes. */
    readonly png: Buffer,
    /** PNG width in pixels. */
    readonly width: number,
    /** PNG height in pixels. */
    readonly height: number,
    /** Positions (in the source) of the shown images, in display order. */
    readonly indices: Int32Array,
    /** The label drawn under each image. */
    readonly labels: string[],
    readonly title?: string,
  ) {}

  /** The PNG as a `data:` URL, e.g. for an `<img>` in custom HTML. */
  toDataUrl(): string {
    return 'data:image/png;base64,' + this.png.toString('base64');
  }

  /** Writes the PNG to `file`. */
  save(file: string): void {
    fs.writeFileSync(file, this.png);
  }

  /** One line describing the strip (the text shown where no image can be). */
  toString(): string {
    return `ImageStrip(${this.indices.length} images, ${this.width}x${this.height} px${this.title ? `, "${oneLine(this.title, 80)}"` : ''})`;
  }

  toMimeBundle(): MimeBundle {
    return { 'image/png': this.png.toString('base64'), 'text/plain': this.toString() };
  }

  [util.inspect.custom](depth: number, options: util.InspectOptionsStylized): string {
    return inspectDisplayable(this, depth, options);
  }

  [Symbol.for('Jupyter.display')](): MimeBundle {
    return this.toMimeBundle();
  }
}

function isStripTable(x: unknown): x is StripTable {
  return !!x && typeof (x as StripTable).numRows === 'function' && typeof (x as StripTable).columnNames === 'function';
}

/** A strip of a table's rows, matched to the split by `id`, labelled with `labelColumns`. */
function fromTable(table: StripTable, source: ImageSource, opts: ImageStripOptions): ImageStrip {
  const caller = 'imageStrip';
  const names = table.columnNames();
  if (!names.includes('id')) throw new Error(`${caller}: the table has no 'id' column (columns: ${names.join(', ')})`);
  if (!source.ids) throw new Error(`${caller}: the image source has no ids to match the table's 'id' column against`);
  const byId = new Map<string, number>();
  for (let i = 0; i < source.ids.length; i++) byId.set(String(source.ids[i]), i);
  const cols = opts.labelColumns ?? (names.includes('score') ? ['score'] : []);
  for (const c of cols) if (!names.includes(c)) throw new Error(`${caller}: no column '${c}' (columns: ${names.join(', ')})`);
  const n = table.numRows();
  if (n === 0) throw new Error(`${caller}: the table has no rows to show`);
  const indices = new Int32Array(n);
  const labels: string[] = [];
  for (let r = 0; r < n; r++) {
    const id = table.get('id', r);
    const pos = byId.get(String(id));
    if (pos === undefined) throw new Error(`${caller}: row ${r} of the table has id ${JSON.stringify(id)}, which is not in the split`);
    indices[r] = pos;
    // With several columns, numbers and flags carry their column name; text values speak for themselves.
    labels.push(cols.map((c) => { const v = table.get(c, r); return (cols.length > 1 && typeof v !== 'string' ? `${c} ` : '') + labelValue(v); }).join('\n'));
  }
  return imageStrip(source, indices, { ...opts, labels: opts.labels ?? labels });
}

function labelValue(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v, 3);
  if (v === null || v === undefined) return '';
  return String(v);
}

function defaultScale(h: number, w: number): number {
  const side = Math.max(h, w);
  return side <= 32 ? 3 : side <= 64 ? 2 : 1;
}

/**
 * Composes images of `source` (an `ImageDataset`) into one labelled PNG strip: either the images at
 * positions `rows`, or the rows of a table (e.g. `fd.hardest(scores, { classId: 0 })`), matched to
 * the split by `id` and labelled with `labelColumns` (a missing id is an error naming it).
 *
 * Each image is upscaled by an integer `scale` with nearest-neighbour (pixels stay square) and
 * labelled underneath, in the font shipped with the package (so labels render on machines without
 * system fonts). Grayscale, RGB and RGBA images are accepted. Rendering is synchronous.
 *
 * @example
 * ```ts
 * const digits = fd.loadMnist();
 * const firsts = [...Array(10).keys()].map((c) => digits.labels.indexOf(c));
 * fd.imageStrip(digits, firsts, { labels: firsts.map((i) => `digit ${digits.labels[i]}`), title: 'one per class' });
 * fd.imageStrip(test, fd.hardest(scores, { classId: 0, k: 8 }), { labelColumns: ['score', 'predName'] });
 * ```
 */
export function imageStrip(source: ImageSource, which: ArrayLike<number> | StripTable, opts: ImageStripOptions = {}): ImageStrip {
  if (isStripTable(which)) return fromTable(which, source, opts);
  const indices = which;
  const { height: h, width: w, channels: ch } = source;
  if (!(Number.isInteger(h) && h > 0 && Number.isInteger(w) && w > 0)) throw new Error(`imageStrip: bad image size ${w}x${h}`);
  if (ch !== 1 && ch !== 2 && ch !== 3 && ch !== 4) throw new Error(`imageStrip: channels must be 1, 2, 3 or 4, got ${ch}`);
  if (!(source.images instanceof Uint8Array)) throw new Error('imageStrip: images must be a Uint8Array');
  const stride = h * w * ch;
  const total = Math.floor(source.images.length / stride);
  if (source.images.length !== total * stride) {
    throw new Error(`imageStrip: images has ${source.images.length} values, not a multiple of ${w}x${h}x${ch} = ${stride}`);
  }
  const n = indices.length;
  if (n === 0) throw new Error('imageStrip: no images to show (indices is empty)');
  const idx = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= total) throw new Error(`imageStrip: index ${i} (position ${k}) is outside 0..${total - 1}`);
    idx[k] = i;
  }
  if (opts.labels && opts.labels.length !== n) throw new Error(`imageStrip: ${opts.labels.length} labels for ${n} images`);
  const scale = opts.scale ?? defaultScale(h, w);
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new Error(`imageStrip: scale must be an integer in 1..64, got ${scale}`);
  const perRow = opts.perRow ?? Math.min(n, 12);
  if (!Number.isInteger(perRow) || perRow < 1) throw new Error(`imageStrip: perRow must be a positive integer, got ${perRow}`);
  const gap = opts.gap ?? 6;

  // At most MAX_LABEL_LINES lines under each image (a label is user text: it may hold many newlines).
  const labels = (opts.labels ?? Array.from(idx, (i) => defaultLabel(source, i))).map((l) => {
    const lines = String(l).split('\n');
    return lines.length > MAX_LABEL_LINES ? [...lines.slice(0, MAX_LABEL_LINES - 1), `${lines[MAX_LABEL_LINES - 1]} …`].join('\n') : String(l);
  });
  const tileW = w * scale;
  const tileH = h * scale;
  const fontSize = Math.max(10, Math.min(14, Math.round(tileW / 7)));
  const lineH = Math.round(fontSize * 1.25);
  const maxLines = labels.reduce((m, l) => Math.max(m, l === '' ? 0 : l.split('\n').length), 0);
  const labelH = maxLines > 0 ? maxLines * lineH + 4 : 0;
  const cellW = Math.max(tileW, 1);
  const titleSize = 15;
  const titleH = opts.title ? Math.round(titleSize * 1.6) : 0;
  const rows = Math.ceil(n / perRow);
  const cols = Math.min(n, perRow);
  const width = cols * cellW + (cols + 1) * gap;
  const height = titleH + rows * (tileH + labelH) + (rows + 1) * gap;
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new Error(`imageStrip: ${width}x${height} px is too large (max ${MAX_SIDE}); lower scale or perRow, or show fewer images`);
  }

  const layers: RawLayer[] = [];
  const text: string[] = [];
  if (opts.title) {
    text.push(`<text x="${gap}" y="${gap + titleSize}" font-family="${FONT_FAMILY}" font-size="${titleSize}" font-weight="bold" fill="#111">${escapeXml(fitTextWidth(opts.title, titleSize, width - 2 * gap, true))}</text>`);
  }
  for (let k = 0; k < n; k++) {
    const r = Math.floor(k / perRow);
    const c = k % perRow;
    const left = gap + c * (cellW + gap);
    const top = titleH + gap + r * (tileH + labelH + gap);
    const i = idx[k];
    layers.push({
      raw: source.images.subarray(i * stride, (i + 1) * stride),
      rawWidth: w,
      rawHeight: h,
      channels: ch as 1 | 2 | 3 | 4,
      left,
      top,
      width: tileW,
      height: tileH,
    });
    const lines = labels[k] === '' ? [] : labels[k].split('\n');
    lines.forEach((line, j) => {
      const y = top + tileH + 2 + j * lineH + fontSize;
      text.push(`<text x="${left + cellW / 2}" y="${y}" text-anchor="middle" font-family="${FONT_FAMILY}" font-size="${fontSize}" fill="#222">${escapeXml(fitTextWidth(line, fontSize, cellW + gap - 2))}</text>`);
    });
  }
  const overlay = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${text.join('')}</svg>`;
  const png = composeSync(
    { width, height, background: [255, 255, 255], layers: [...layers, { svg: overlay, left: 0, top: 0 }] },
    'imageStrip',
  );
  return new ImageStrip(png, width, height, idx, labels, opts.title);
}

function defaultLabel(source: ImageSource, i: number): string {
  const parts: string[] = [];
  if (source.labels && source.classNames) parts.push(String(source.classNames[source.labels[i]] ?? source.labels[i]));
  else if (source.labels) parts.push(String(source.labels[i]));
  parts.push(source.ids ? `#${source.ids[i]}` : `#${i}`);
  return parts.join('\n');
}
