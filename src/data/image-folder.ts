import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageDataset } from './image-dataset';
import { decodeAll, DecodeOptions, IMAGE_EXTENSIONS, LoadReport } from './decode-images';

/** Options of {@link imageFolder}. */
export interface ImageFolderOptions extends DecodeOptions {
  /**
   * Class names in label order (default: the sub-folder names, sorted). Pass the train split's
   * `classNames` when loading val/test folders so labels agree; a folder not listed is an error.
   */
  classNames?: string[];
  /** Split name recorded in the dataset (default: the folder's base name). */
  name?: string;
}

/** An {@link ImageDataset} loaded from files, with what was skipped or ignored. */
export type LoadedImages = ImageDataset & { report: LoadReport };

/**
 * Loads a folder with one sub-folder per class (`dir/cat/1.jpg`, `dir/dog/a.png`, ...), decoding and
 * resizing every image with sharp (EXIF-rotated, default 64x64 RGB, centre crop). `ids` are the
 * paths relative to `dir`; labels index the sorted sub-folder names. Files that are not images (by
 * extension) and hidden files are ignored and listed in `report.ignored`. A missing or corrupt image
 * is an error naming the file, or, with `onError: 'skip'`, left out and listed in `report.skipped`.
 *
 * @example
 * ```ts
 * const train = await fd.imageFolder('photos/train', { size: 64 });
 * const test = await fd.imageFolder('photos/test', { size: 64, classNames: train.classNames, onError: 'skip' });
 * console.log(test.report.skipped);
 * ```
 */
export async function imageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<LoadedImages> {
  const root = path.resolve(dir);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch (e) {
    throw new Error(`imageFolder: cannot read folder ${root}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message}`, { cause: e });
  }
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (folders.length === 0) throw new Error(`imageFolder: ${root} has no class sub-folders (expected ${root}/<class>/<image>)`);
  const classNames = opts.classNames ?? folders;
  for (const f of folders) {
    if (!classNames.includes(f)) throw new Error(`imageFolder: sub-folder '${f}' of ${root} is not one of the given classNames (${classNames.join(', ')})`);
  }
  const files: string[] = [];
  const labels: number[] = [];
  const ignored: string[] = [];
  for (const f of folders) {
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const full = path.join(d, e.name);
        if (e.name.startsWith('.')) continue;
        if (e.isDirectory()) walk(full);
        else if (IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) {
          files.push(full);
          labels.push(classNames.indexOf(f));
        } else ignored.push(path.relative(root, full));
      }
    };
    walk(path.join(root, f));
  }
  if (files.length === 0) throw new Error(`imageFolder: no image files under ${root} (extensions: ${[...IMAGE_EXTENSIONS].join(' ')})`);
  const r = await decodeAll(files, opts, `load ${path.basename(root)}`);
  return {
    images: r.images,
    height: r.height,
    width: r.width,
    channels: r.channels,
    labels: Int32Array.from(r.kept, (i) => labels[i]),
    classNames: classNames.slice(),
    ids: r.kept.map((i) => path.relative(root, files[i])),
    name: opts.name ?? path.basename(root),
    report: { loaded: r.kept.length, skipped: r.skipped, ignored },
  };
}
