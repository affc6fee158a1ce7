/**
 * Shipped networks on disk (the joint encoder, the image generator): a JSON manifest that names one
 * little-endian Float32 weights file, its SHA-256 and the weight layout. One implementation of the
 * packing, the atomic writes and the checks, so both models fail the same way on a bad file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './fs-atomic';
import { sha256Hex } from './hash';

/** Where each weight sits in the flat Float32 file (offset in floats). */
export type WeightLayout = { name: string; shape: number[]; offset: number }[];

/** The fields every weights manifest carries. */
export interface WeightsManifestBase {
  weightsFile: string;
  /** SHA-256 of the weights file. */
  weightsSha256: string;
  weights: WeightLayout;
}

/**
 * Packs named weights, in the order of `shapes`, into one Float32 buffer and its layout.
 *
 * @example
 * ```ts
 * const { bytes, layout } = packWeights([['w', [2, 2]]], new Map([['w', new Float32Array(4)]]));
 * ```
 */
export function packWeights(shapes: ReadonlyArray<readonly [string, number[]]>, weights: Map<string, Float32Array>): { bytes: Uint8Array; layout: WeightLayout } {
  const total = shapes.reduce((s, [, shape]) => s + shape.reduce((a, b) => a * b, 1), 0);
  const flat = new Float32Array(total);
  const layout: WeightLayout = [];
  let offset = 0;
  for (const [name, shape] of shapes) {
    const w = weights.get(name);
    if (!w) throw new Error(`packWeights: no weight "${name}"`);
    flat.set(w, offset);
    layout.push({ name, shape: [...shape], offset });
    offset += w.length;
  }
  return { bytes: new Uint8Array(flat.buffer), layout };
}

/**
 * Writes the weights, then the manifest that names their hash (each write atomic), into `dir`.
 *
 * @example
 * ```ts
 * const { bytes, layout } = packWeights([['w', [4]]], new Map([['w', new Float32Array(4)]]));
 * writeWeightFiles('/tmp/model', 'model.json', 'model.bin', bytes, (sha) => ({ format: 'x', weightsFile: 'model.bin', weightsSha256: sha, weights: layout }));
 * ```
 */
export function writeWeightFiles<M>(dir: string, manifestFile: string, weightsFile: string, bytes: Uint8Array, manifest: (sha256: string) => M): M {
  const m = manifest(sha256Hex(bytes));
  writeFileAtomic(path.join(dir, weightsFile), bytes);
  writeFileAtomic(path.join(dir, manifestFile), Buffer.from(JSON.stringify(m, null, 1) + '\n', 'utf8'));
  return m;
}

/**
 * Reads a manifest file as JSON; errors name `what`, the file, and how to make one (`trainHint`).
 *
 * @example
 * ```ts
 * const m = readManifestJson<{ format: string }>('/tmp/model/model.json', 'my model', 'npm run train:x');
 * ```
 */
export function readManifestJson<M>(file: string, what: string, trainHint: string): M {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as M;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new Error(`${what}: ${file} not found (train one with \`${trainHint}\`, or pass {dir})`, { cause: e });
    throw new Error(`${what}: ${file} is not valid JSON (${err.message})`, { cause: e });
  }
}

/**
 * Reads the weights a manifest names, checks their SHA-256 and cuts them into the `expected` named
 * shapes; errors name `what`, the files and the problem (missing, corrupt or stale, wrong shape, short).
 *
 * @example
 * ```ts
 * const manifest = readManifestJson<WeightsManifestBase>('/tmp/model/model.json', 'my model', 'npm run train:x');
 * const weights = readWeightFiles('/tmp/model', '/tmp/model/model.json', manifest, [['w', [4]]], 'my model');
 * ```
 */
export function readWeightFiles(dir: string, manifestPath: string, manifest: WeightsManifestBase, expected: ReadonlyArray<readonly [string, number[]]>, what: string): Map<string, Float32Array> {
  const wfile = path.join(dir, manifest.weightsFile);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(wfile);
  } catch (e) {
    throw new Error(`${what}: weights file ${wfile} named by ${manifestPath} is missing`, { cause: e });
  }
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const sha = sha256Hex(bytes);
  if (sha !== manifest.weightsSha256) {
    throw new Error(`${what}: ${wfile} is corrupt or stale: SHA-256 ${sha.slice(0, 12)}... but ${path.basename(manifestPath)} expects ${String(manifest.weightsSha256).slice(0, 12)}...`);
  }
  // Copy into an aligned buffer (a Buffer's offset need not be a multiple of 4).
  const all = new Float32Array(bytes.slice().buffer);
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of expected) {
    const entry = manifest.weights.find((w) => w.name === name);
    if (!entry) throw new Error(`${what}: ${manifestPath} lists no weight "${name}"`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (entry.shape.join('x') !== shape.join('x')) throw new Error(`${what}: weight "${name}" in ${manifestPath} has shape ${entry.shape.join('x')}, expected ${shape.join('x')}`);
    if (entry.offset + n > all.length) throw new Error(`${what}: weight "${name}" runs past the end of ${wfile}`);
    weights.set(name, all.subarray(entry.offset, entry.offset + n));
  }
  return weights;
}
