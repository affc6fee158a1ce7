import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageDataset } from './image-dataset';
import { canonicalLabel, classIndex, classVocabulary } from './class-vocabulary';
import { decodeAll, DecodeOptions, IMAGE_EXTENSIONS, LoadReport } from './decode-images';

/** Options of {@link imageFolder}. */
export interface ImageFolderOptions extends DecodeOptions {
  /**
   * Class names in label order (default: the names of the sub-folders that hold at least one image,
   * ordered by the package's one label rule: numeric-looking names in numeric order, then the others
   * in code-point order; see `classVocabulary`). Pass the train split's `classNames` when loading
   * val/test folders so labels agree; folders match them by canonical name (`07` is class `7`), and a
   * sub-folder with images that is not listed is an error.
   */
  classNames?: string[];
  /** Split name recorded in the dataset (default: the folder's base name). */
  name?: string;
}

/** An {@link ImageDataset} loaded from files, with what was skipped or ignored. */
export type LoadedImages = ImageDataset & { report: LoadReport };

/**
 * Names that operating systems and archivers leave next to users' files (compared case-insensitively):
 * macOS zip resource forks and Finder/Spotlight files, Windows thumbnail caches and folder settings,
 * Synology thumbnails, ext4's `lost+found`. Never images, never classes.
 *
 * @example
 * ```ts
 * OS_METADATA_NAMES.has('__macosx'); // true (names are stored lower-case)
 * ```
 */
export const OS_METADATA_NAMES: ReadonlySet<string> = new Set(
  ['__MACOSX', '.DS_Store', '.AppleDouble', '.Spotlight-V100', '.Trashes', '.fseventsd', 'Thumbs.db', 'ehthumbs.db', 'desktop.ini', '$RECYCLE.BIN', 'System Volume Information', '@eaDir', 'lost+found'].map((n) => n.toLowerCase()),
);

/** Why a directory entry is never read, or undefined when it is an ordinary name. */
function junkReason(name: string): string | undefined {
  if (OS_METADATA_NAMES.has(name.toLowerCase())) return 'OS metadata';
  if (name.startsWith('.')) return 'hidden';
  return undefined;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Follows symlinks; undefined for a dangling link (or an entry that vanished). */
function statFollow(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Loads a folder with one sub-folder per class (`dir/cat/1.jpg`, `dir/dog/a.png`, ...), decoding and
 * resizing every image with sharp (EXIF-rotated, default 64x64 RGB, centre crop). `ids` are the
 * paths relative to `dir` (as reached, through any symlinks); labels index the class names, which are
 * the folder names in the order of `classVocabulary` (numbers by value: folders `0, 2, 10` are
 * classes 0, 1, 2, as the same labels in a manifest or a predictions CSV).
 *
 * What users' folders contain besides images is handled and listed in `report.ignored` with the
 * reason: files that are not images (by extension); hidden entries (names starting with `.`, e.g.
 * `._x.png` from macOS); OS and archiver metadata (`__MACOSX` from unzipping on macOS, `.DS_Store`,
 * `Thumbs.db`, `desktop.ini`, ...; see {@link OS_METADATA_NAMES}) at any depth; files directly in
 * `dir`; and folders with no images, which never become an (empty) class. Symbolic links to class
 * folders, sub-folders and files are followed; a link back to a folder being read (a loop) or a
 * second link to a folder already read is ignored, so no image is read twice.
 *
 * A missing or corrupt image (including a dangling symlink named like an image) is an error naming
 * the file, or, with `onError: 'skip'`, left out and listed in `report.skipped`. Images larger than
 * sharp's pixel limit need `limitInputPixels` (see {@link DecodeOptions}).
 *
 * @example
 * ```ts
 * const train = await fd.imageFolder('photos/train', { size: 64 });
 * const test = await fd.imageFolder('photos/test', { size: 64, classNames: train.classNames, onError: 'skip' });
 * console.log(test.report.skipped, test.report.ignored);
 * ```
 */
export async function imageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<LoadedImages> {
  const root = path.resolve(dir);
  let entries: string[];
  try {
    entries = fs.readdirSync(root).sort(byName);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`imageFolder: cannot read folder ${root}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (e as Error).message}`, { cause: e });
  }
  const rootReal = fs.realpathSync(root);
  const ignored: LoadReport['ignored'] = [];
  const rel = (full: string) => path.relative(root, full).split(path.sep).join('/');
  const ignore = (full: string, isDir: boolean, reason: string) => ignored.push({ path: rel(full) + (isDir ? '/' : ''), reason });

  // Real folders already read (realpath -> the path they were first reached by), so a second link to
  // one is not read again; `ancestors` are the real folders on the current path, for loop detection.
  const seen = new Map<string, string>([[rootReal, '.']]);
  /** Image files under `d` in sorted walk order (ids relative to root). */
  const listImages = (d: string, ancestors: Set<string>, out: string[]) => {
    let names: string[];
    try {
      names = fs.readdirSync(d).sort(byName);
    } catch (e) {
      throw new Error(`imageFolder: cannot read folder ${d}: ${(e as Error).message}`, { cause: e });
    }
    for (const name of names) {
      const full = path.join(d, name);
      const st = statFollow(full);
      const junk = junkReason(name);
      if (junk) {
        ignore(full, st?.isDirectory() ?? false, junk);
      } else if (st === undefined) {
        // A dangling link named like an image is a missing image (an error naming it, or skipped).
        if (IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase())) out.push(full);
        else ignore(full, false, 'broken symlink');
      } else if (st.isDirectory()) {
        visitDir(full, ancestors, out);
      } else if (st.isFile() && IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase())) {
        out.push(full);
      } else {
        ignore(full, false, 'not an image');
      }
    }
  };
  /** Reads the folder `full` unless it loops back or was read before (then lists it); true if read. */
  const visitDir = (full: string, ancestors: Set<string>, out: string[]): boolean => {
    const real = fs.realpathSync(full);
    if (ancestors.has(real)) {
      ignore(full, true, 'symlink loop');
      return false;
    }
    const first = seen.get(real);
    if (first !== undefined && first !== rel(full)) {
      ignore(full, true, `same folder as ${first === '.' ? './' : first + '/'}`);
      return false;
    }
    seen.set(real, rel(full));
    listImages(full, new Set(ancestors).add(real), out);
    return true;
  };

  // Class folders. Each is claimed before any is read, real folders before links to folders, so a
  // folder's files stay in its own class: a second name for it (a link at the top, or a link inside
  // another class) is listed as the same folder, whatever the names' order.
  const classDirs: string[] = [];
  for (const name of entries) {
    const full = path.join(root, name);
    const st = statFollow(full);
    const junk = junkReason(name);
    if (junk) ignore(full, st?.isDirectory() ?? false, junk);
    else if (st === undefined) ignore(full, false, 'broken symlink');
    else if (!st.isDirectory()) ignore(full, false, 'not in a class folder');
    else classDirs.push(name);
  }
  const isLink = (name: string) => fs.lstatSync(path.join(root, name)).isSymbolicLink();
  for (const name of [...classDirs.filter((n) => !isLink(n)), ...classDirs.filter(isLink)]) {
    const real = fs.realpathSync(path.join(root, name));
    if (!seen.has(real)) seen.set(real, name);
  }
  const classFiles = new Map<string, string[]>();
  for (const name of classDirs) {
    const full = path.join(root, name);
    const files: string[] = [];
    if (!visitDir(full, new Set([rootReal]), files)) continue;
    if (files.length > 0) classFiles.set(name, files);
    else ignore(full, true, 'no images'); // never an empty class
  }
  const folders = [...classFiles.keys()].sort(byName);
  if (folders.length === 0) {
    const why = ignored.length ? `; ignored: ${ignored.slice(0, 8).map((x) => `${x.path} (${x.reason})`).join(', ')}${ignored.length > 8 ? ', ...' : ''}` : '';
    throw new Error(`imageFolder: ${root} has no class sub-folders with images (expected ${root}/<class>/<image>, extensions: ${[...IMAGE_EXTENSIONS].join(' ')})${why}`);
  }
  // Folder names are written labels like any other: the one vocabulary rule orders and matches them,
  // so folders 0, 2, 10 are classes 0, 1, 2 here as in a manifest or a predictions CSV.
  const classNames = opts.classNames ? opts.classNames.map(String) : classVocabulary(folders);
  const index = classIndex(classNames, 'imageFolder: classNames');
  const classOf = new Map<string, number>();
  const folderOf = new Map<number, string>();
  for (const f of folders) {
    const k = index.get(canonicalLabel(f));
    if (k === undefined) throw new Error(`imageFolder: sub-folder '${f}' of ${root} is not one of the given classNames (${classNames.join(', ')})`);
    const other = folderOf.get(k);
    if (other !== undefined) {
      throw new Error(`imageFolder: sub-folders '${other}' and '${f}' of ${root} both name class ${k} ('${classNames[k]}'): labels are compared by canonical form (trimmed, Unicode NFC, numbers by value); merge or rename one`);
    }
    folderOf.set(k, f);
    classOf.set(f, k);
  }
  const files: string[] = [];
  const labels: number[] = [];
  for (const f of [...folders].sort((a, b) => classOf.get(a)! - classOf.get(b)!)) {
    const k = classOf.get(f)!;
    for (const file of classFiles.get(f)!) {
      files.push(file);
      labels.push(k);
    }
  }
  ignored.sort((a, b) => byName(a.path, b.path));
  const r = await decodeAll(files, opts, `load ${path.basename(root)}`);
  return {
    images: r.images,
    height: r.height,
    width: r.width,
    channels: r.channels,
    labels: Int32Array.from(r.kept, (i) => labels[i]),
    classNames: classNames.slice(),
    ids: r.kept.map((i) => rel(files[i])),
    name: opts.name ?? path.basename(root),
    report: { loaded: r.kept.length, skipped: r.skipped, ignored },
  };
}
