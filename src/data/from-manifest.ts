import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageDataset } from './image-dataset';
import { parseCsv } from './csv';
import { decodeAll, DecodeOptions, LoadReport } from './decode-images';
import { subset } from './subset';

/** Options of {@link fromManifest}. */
export interface ManifestOptions extends DecodeOptions {
  /** Class names in label order (default: the distinct labels, sorted; numerically if all are integers). */
  classNames?: string[];
  /** Folder that relative paths are resolved against (default: the manifest's folder). */
  root?: string;
}

/** What {@link fromManifest} returns. */
export interface ManifestResult {
  /** Every loaded row, in manifest order (`name` 'all'). */
  all: ImageDataset;
  /** Rows grouped by the `split` column (empty when there is none). */
  splits: Record<string, ImageDataset>;
  /** Shortcuts for the usual split names, when present. */
  train?: ImageDataset;
  val?: ImageDataset;
  unlabeled?: ImageDataset;
  test?: ImageDataset;
  report: LoadReport;
}

/**
 * Loads images listed in a CSV manifest with a header row and columns `path,label` plus optional
 * `split` and `group` (any order, case-insensitive; other columns are ignored). Relative paths are
 * resolved against the manifest's folder. Each image is decoded and resized with sharp (default
 * 64x64 RGB). `ids` are the paths as written; `groups` come from the `group` column.
 *
 * Errors name the manifest and line (missing column, empty path or label, unknown label) or the
 * image file (missing, corrupt); with `onError: 'skip'` bad images are left out and listed in
 * `report.skipped` instead.
 *
 * @example
 * ```ts
 * // manifest.csv:  path,label,split,group
 * //                img/001.jpg,bird,train,water
 * const { train, val, test, report } = await fd.fromManifest('data/manifest.csv', { size: 64, onError: 'skip' });
 * ```
 */
export async function fromManifest(csvPath: string, opts: ManifestOptions = {}): Promise<ManifestResult> {
  const file = path.resolve(csvPath);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`fromManifest: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { cause: e });
  }
  const rows = parseCsv(text, file);
  if (rows.length === 0) throw new Error(`fromManifest: ${file} is empty`);
  const header = rows[0].fields.map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const [iPath, iLabel, iSplit, iGroup] = ['path', 'label', 'split', 'group'].map(col);
  if (iPath < 0 || iLabel < 0) {
    throw new Error(`fromManifest: ${file} needs columns 'path' and 'label' in its header (found: ${rows[0].fields.join(', ')})`);
  }
  const root = opts.root ? path.resolve(opts.root) : path.dirname(file);
  const data = rows.slice(1);
  if (data.length === 0) throw new Error(`fromManifest: ${file} lists no images`);
  const get = (r: { line: number; fields: string[] }, i: number, what: string, required: boolean): string => {
    const v = (r.fields[i] ?? '').trim();
    if (required && !v) throw new Error(`fromManifest: ${file} line ${r.line}: empty ${what}`);
    return v;
  };
  const paths = data.map((r) => get(r, iPath, 'path', true));
  const rawLabels = data.map((r) => get(r, iLabel, 'label', true));
  const splitOf = iSplit >= 0 ? data.map((r) => get(r, iSplit, 'split', true)) : undefined;
  const groupOf = iGroup >= 0 ? data.map((r) => get(r, iGroup, 'group', false)) : undefined;
  let classNames = opts.classNames;
  if (!classNames) {
    const distinct = [...new Set(rawLabels)];
    const numeric = distinct.every((l) => /^-?\d+$/.test(l));
    classNames = numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort();
  }
  const labelIndex = new Map(classNames.map((c, i) => [c, i]));
  const labels = rawLabels.map((l, i) => {
    const k = labelIndex.get(l);
    if (k === undefined) throw new Error(`fromManifest: ${file} line ${data[i].line}: label '${l}' is not one of the classNames (${classNames!.join(', ')})`);
    return k;
  });
  const files = paths.map((p) => path.resolve(root, p));
  const r = await decodeAll(files, opts, `load ${path.basename(file)}`);
  const all: ImageDataset = {
    images: r.images,
    height: r.height,
    width: r.width,
    channels: r.channels,
    labels: Int32Array.from(r.kept, (i) => labels[i]),
    classNames: classNames.slice(),
    ids: r.kept.map((i) => paths[i]),
    name: 'all',
  };
  if (groupOf) all.groups = r.kept.map((i) => groupOf[i]);
  const splits: Record<string, ImageDataset> = {};
  if (splitOf) {
    const byName = new Map<string, number[]>();
    r.kept.forEach((i, k) => {
      const s = splitOf[i];
      if (!byName.has(s)) byName.set(s, []);
      byName.get(s)!.push(k);
    });
    for (const [s, ks] of byName) splits[s] = subset(all, ks, s);
  }
  return {
    all,
    splits,
    ...(splits.train ? { train: splits.train } : {}),
    ...(splits.val ? { val: splits.val } : {}),
    ...(splits.unlabeled ? { unlabeled: splits.unlabeled } : {}),
    ...(splits.test ? { test: splits.test } : {}),
    report: { loaded: r.kept.length, skipped: r.skipped, ignored: [] },
  };
}
