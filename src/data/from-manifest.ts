import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageDataset } from './image-dataset';
import { classVocabulary, encodeLabels, LabelsAs } from './class-vocabulary';
import { CsvDelimiter, CsvFile, csvFormat, readCsvFile } from './csv';
import { decodeAll, DecodeOptions, LoadReport } from './decode-images';
import { subset, UNLABELED } from './subset';

/** Options of {@link fromManifest}. */
export interface ManifestOptions extends DecodeOptions {
  /**
   * Class names in label order (default: the distinct labels ordered by `classVocabulary`:
   * numeric-looking labels in numeric order, then the others in code-point order). Labels match them
   * by canonical form (`5.0` is class `5`).
   */
  classNames?: string[];
  /** Read labels as class names or as integer ids into `classNames` (default: decided from the values, see `encodeLabels`). */
  labelsAs?: LabelsAs;
  /** The manifest's delimiter (default: detected from the header: `,`, `;`, tab or `|`). */
  delimiter?: CsvDelimiter;
  /** Folder that relative paths are resolved against (default: the manifest's folder). */
  root?: string;
}

/** What {@link fromManifest} found besides the loaded images. */
export interface ManifestReport extends LoadReport {
  /**
   * Images listed in more than one split (train/test leakage, usually by mistake): the path as first
   * written, every line listing it, and the splits. Loaded as listed; a warning is also emitted.
   */
  sharedAcrossSplits: Array<{ path: string; lines: number[]; splits: string[] }>;
  /** Splits with rows whose label is empty (allowed there: named 'unlabeled', or no label at all); those rows have label -1. */
  unlabeledSplits: string[];
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
  report: ManifestReport;
}

/** The split name under which rows of a manifest without a `split` column are checked. */
const NO_SPLIT = 'all';

/**
 * Loads images listed in a CSV manifest with a header row and columns `path,label` plus optional
 * `split` and `group` (any order, case-insensitive; other columns are ignored). Relative paths are
 * resolved against the manifest's folder (or `root`); Windows separators (`img\train\0.png`) are
 * accepted. Each image is decoded and resized with sharp (default 64x64 RGB). `ids` are the paths as
 * written; `groups` come from the `group` column.
 *
 * Labels: the class names in label order come from `classNames` or else the distinct labels in the
 * order of `classVocabulary` (numeric-looking labels by value, then the others in code-point order),
 * the rule shared with `imageFolder` and `readPredictionsCsv`; labels match class names by canonical
 * form (`05`, `5.0` and `5` are one class). An empty label is allowed only in an unlabeled split: one named
 * `unlabeled`, or one in which no row has a label (a manifest without a `label` column is unlabeled);
 * such rows get label -1 ({@link UNLABELED}), which embedding accepts and steps needing the true
 * class (predict, training, fitting) reject by name. Elsewhere an empty label is an error.
 *
 * Formats: UTF-8 (with or without a BOM) or UTF-16; `,`, `;`, tab or `|` delimiters, detected from
 * the header (errors then say how the file was read); quoted fields with commas or newlines; LF,
 * CRLF or CR line ends; blank rows (also Excel's `,,,`) skipped. A Latin-1 file or an `.xlsx` is an
 * error saying so.
 *
 * Errors always name the manifest and its line: a missing column, an empty path, split or label, an
 * unknown label, the same image listed twice in one split (both lines; same file however its path
 * is spelled), and a missing or corrupt image file. With `onError: 'skip'`, bad images are left out
 * and listed in `report.skipped` with their line instead. An image listed in several splits is loaded
 * as listed, reported in `report.sharedAcrossSplits` and warned about (it leaks between splits).
 *
 * @example
 * ```ts
 * // manifest.csv:  path,label,split,group
 * //                img/001.jpg,bird,train,water
 * //                img\pool\7.jpg,,unlabeled,
 * const { train, val, test, unlabeled, report } = await fd.fromManifest('data/manifest.csv', { size: 64, onError: 'skip' });
 * ```
 */
export async function fromManifest(csvPath: string, opts: ManifestOptions = {}): Promise<ManifestResult> {
  const file = path.resolve(csvPath);
  let csv: CsvFile;
  try {
    csv = readCsvFile(file, { expect: ['path', 'label', 'split', 'group'], delimiter: opts.delimiter });
  } catch (e) {
    throw new Error(`fromManifest: ${(e as Error).message}`, { cause: e });
  }
  if (csv.header.length === 0) throw new Error(`fromManifest: ${file} is empty`);
  const how = csv.encoding === 'utf-8' && csv.delimiter === ',' ? '' : ` (read as ${csvFormat(csv)})`;
  const header = csv.header.map((h) => h.toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const [iPath, iLabel, iSplit, iGroup] = ['path', 'label', 'split', 'group'].map(col);
  if (iPath < 0) {
    throw new Error(`fromManifest: ${file}${how} needs a 'path' column (and 'label', optional 'split', 'group') in its header (found: ${csv.header.join(', ')})`);
  }
  const root = opts.root ? path.resolve(opts.root) : path.dirname(file);
  const data = csv.rows;
  if (data.length === 0) throw new Error(`fromManifest: ${file} lists no images`);
  const at = (k: number) => `${file}${how} line ${data[k].line}`;
  const get = (r: { line: number; fields: string[] }, i: number, what: string, required: boolean): string => {
    const v = i < 0 ? '' : (r.fields[i] ?? '').trim();
    if (required && !v) throw new Error(`fromManifest: ${file}${how} line ${r.line}: empty ${what}`);
    return v;
  };
  const paths = data.map((r) => get(r, iPath, 'path', true));
  const rawLabels = data.map((r) => get(r, iLabel, 'label', false));
  const splitOf = data.map((r) => (iSplit >= 0 ? get(r, iSplit, 'split', true) : NO_SPLIT));
  const groupOf = iGroup >= 0 ? data.map((r) => get(r, iGroup, 'group', false)) : undefined;

  // Unlabeled splits: named so, or with no label at all. Any other empty label is an error.
  const labelled = new Set<string>();
  rawLabels.forEach((l, k) => l && labelled.add(splitOf[k]));
  const isUnlabeled = (s: string) => s.toLowerCase() === 'unlabeled' || !labelled.has(s);
  rawLabels.forEach((l, k) => {
    if (l) return;
    const s = splitOf[k];
    if (isUnlabeled(s)) return;
    const other = rawLabels.findIndex((m, j) => m && splitOf[j] === s);
    throw new Error(
      `fromManifest: ${at(k)}: empty label in ${iSplit >= 0 ? `split '${s}'` : 'a labelled manifest'} (line ${data[other].line} has label '${rawLabels[other]}'); ` +
        `an empty label is allowed only in an unlabeled split (named 'unlabeled', or with no labels at all)`,
    );
  });
  const unlabeledSplits = [...new Set(splitOf.filter((s, k) => !rawLabels[k] && isUnlabeled(s)))];

  // The one vocabulary rule of the package (class-vocabulary.ts): the same written label is the same
  // class here, in imageFolder and in readPredictionsCsv.
  const classNames = opts.classNames ? opts.classNames.map(String) : classVocabulary(rawLabels);
  const labels = Array.from(
    encodeLabels(rawLabels, classNames, { labelsAs: opts.labelsAs, allowEmpty: true, where: (k) => `fromManifest: ${at(k)}` }),
    (c) => (c < 0 ? UNLABELED : c),
  );

  // Windows paths: a backslash is a separator unless a file really has that name (POSIX allows it).
  const written = paths.map((p) => path.resolve(root, p));
  const files = paths.map((p, k) => (p.includes('\\') && path.sep === '/' && !fs.existsSync(written[k]) ? path.resolve(root, p.replace(/\\/g, '/')) : written[k]));
  const origin = (k: number) => ({
    where: `fromManifest: ${at(k)}${files[k] !== written[k] ? ` ('${paths[k]}' read as '${paths[k].replace(/\\/g, '/')}')` : ''}`,
    line: data[k].line,
  });

  // The same image twice in one split is an error (both lines); across splits it is reported.
  const identity = files.map((f) => {
    try {
      return fs.realpathSync(f); // one file however it is spelled (./, .., symlinks, separators)
    } catch {
      return f;
    }
  });
  const firstIn = new Map<string, number>();
  const everywhere = new Map<string, number[]>();
  identity.forEach((id, k) => {
    const key = `${splitOf[k]}\u0000${id}`;
    const j = firstIn.get(key);
    if (j !== undefined) {
      const spelled = paths[k] === paths[j] ? `'${paths[j]}'` : `'${paths[j]}' (as '${paths[k]}' on line ${data[k].line})`;
      throw new Error(
        `fromManifest: ${file} lines ${data[j].line} and ${data[k].line} both list ${spelled}${iSplit >= 0 ? ` in split '${splitOf[k]}'` : ''}; an image may appear once per split`,
      );
    }
    firstIn.set(key, k);
    const all = everywhere.get(id);
    if (all) all.push(k);
    else everywhere.set(id, [k]);
  });
  const sharedAcrossSplits = [...everywhere.values()]
    .filter((ks) => ks.length > 1)
    .map((ks) => ({ path: paths[ks[0]], lines: ks.map((k) => data[k].line), splits: ks.map((k) => splitOf[k]) }));
  if (sharedAcrossSplits.length > 0) {
    const e = sharedAcrossSplits[0];
    process.emitWarning(
      `fromManifest: ${file}: ${sharedAcrossSplits.length} image(s) are listed in more than one split, e.g. '${e.path}' in ${e.splits.join(' and ')} (lines ${e.lines.join(', ')}); see report.sharedAcrossSplits`,
      { code: 'FD_MANIFEST_SHARED_IMAGES' },
    );
  }

  const r = await decodeAll(files, opts, `load ${path.basename(file)}`, origin);
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
  if (iSplit >= 0) {
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
    report: { loaded: r.kept.length, skipped: r.skipped, ignored: [], sharedAcrossSplits, unlabeledSplits: iSplit >= 0 ? unlabeledSplits : unlabeledSplits.length ? [NO_SPLIT] : [] },
  };
}
