/**
 * The shipped generator on disk: `data/generator/image-generator.json` (manifest: architecture,
 * latent standardisation, the conditioning encoder, weight layout, SHA-256 of the weights, training
 * provenance) and `image-generator.bin` (little-endian Float32 weights). Same layout as the joint
 * encoder's files; read offline from the package (from `src/` under tsx and from `dist/`).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../util/paths';
import { writeFileAtomic } from '../util/fs-atomic';
import { generatorWeightShapes, checkGeneratorConfig, type GeneratorConfig, type GeneratorNetwork } from './generator-model';

/** Format tag of the manifest. */
export const IMAGE_GENERATOR_FORMAT = 'failure-directions/image-generator';
const MANIFEST = 'image-generator.json';
const WEIGHTS = 'image-generator.bin';

/** The embedding space the generator is conditioned on. */
export interface ConditioningSpace {
  /** Name of the joint encoder (`joint-encoder@<hash>`), whose text embeddings condition the generator. */
  encoder: string;
  /** SHA-256 of that encoder's weights. */
  encoderSha256: string;
  /** Dimension of its embeddings. */
  dim: number;
  /**
   * Mean of the encoder's image embeddings over the generator's training renderings: every image
   * embedding of that encoder has a clearly positive cosine with it, which is how a failure direction
   * fitted in another space is told apart (see `checkConditioningSpace`).
   */
  imageMean: number[];
  /** The smallest cosine between an image embedding of the training renderings and `imageMean` (1st percentile). */
  imageCosineP01: number;
}

/** The manifest stored next to the weights. */
export interface ImageGeneratorManifest {
  format: typeof IMAGE_GENERATOR_FORMAT;
  version: 1;
  config: GeneratorConfig;
  /** Per-channel mean and std of the autoencoder's raw latents (the denoiser sees standardised ones). */
  latentMean: number[];
  latentStd: number[];
  conditioning: ConditioningSpace;
  weightsFile: string;
  weightsSha256: string;
  weights: { name: string; shape: number[]; offset: number }[];
  /** How the weights were made (seed, pool, options, timings); free-form, for the record. */
  training?: Record<string, unknown>;
}

/** The directory of the shipped weights. */
export function defaultGeneratorDir(): string {
  return path.join(packageRoot(), 'data', 'generator');
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * Writes a trained network's weights and manifest into `dir` (weights first, then the manifest that
 * names their hash; each write atomic). Returns the manifest.
 *
 * @example
 * ```ts
 * const { manifest, weights } = readImageGeneratorFiles(defaultGeneratorDir());
 * saveImageGenerator(new GeneratorNetwork(manifest.config, weights), '/tmp/generator-copy', manifest);
 * ```
 */
export function saveImageGenerator(
  network: GeneratorNetwork,
  dir: string,
  meta: { latentMean: number[]; latentStd: number[]; conditioning: ConditioningSpace; training?: Record<string, unknown> },
): ImageGeneratorManifest {
  const shapes = generatorWeightShapes(network.config);
  const weights = network.readWeights();
  const total = shapes.reduce((s, [, shape]) => s + shape.reduce((a, b) => a * b, 1), 0);
  const flat = new Float32Array(total);
  const layout: ImageGeneratorManifest['weights'] = [];
  let offset = 0;
  for (const [name, shape] of shapes) {
    const w = weights.get(name)!;
    flat.set(w, offset);
    layout.push({ name, shape, offset });
    offset += w.length;
  }
  const bytes = new Uint8Array(flat.buffer);
  const manifest: ImageGeneratorManifest = {
    format: IMAGE_GENERATOR_FORMAT,
    version: 1,
    config: network.config,
    latentMean: meta.latentMean,
    latentStd: meta.latentStd,
    conditioning: meta.conditioning,
    weightsFile: WEIGHTS,
    weightsSha256: sha256(bytes),
    weights: layout,
    ...(meta.training ? { training: meta.training } : {}),
  };
  writeFileAtomic(path.join(dir, WEIGHTS), bytes);
  writeFileAtomic(path.join(dir, MANIFEST), Buffer.from(JSON.stringify(manifest, null, 1) + '\n', 'utf8'));
  return manifest;
}

/**
 * Reads and checks a generator's manifest and weights; throws naming the file and the problem.
 *
 * @example
 * ```ts
 * const { manifest, weights } = readImageGeneratorFiles(defaultGeneratorDir());
 * ```
 */
export function readImageGeneratorFiles(dir: string): { manifest: ImageGeneratorManifest; weights: Map<string, Float32Array> } {
  const mfile = path.join(dir, MANIFEST);
  let manifest: ImageGeneratorManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(mfile, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new Error(`image generator: ${mfile} not found (train one with \`npm run train:generator\`, or pass {dir})`, { cause: e });
    throw new Error(`image generator: ${mfile} is not valid JSON (${err.message})`, { cause: e });
  }
  if (manifest == null || manifest.format !== IMAGE_GENERATOR_FORMAT || manifest.version !== 1) {
    throw new Error(`image generator: ${mfile} is not a ${IMAGE_GENERATOR_FORMAT} v1 manifest (format ${manifest?.format}, version ${manifest?.version})`);
  }
  try {
    checkGeneratorConfig(manifest.config);
  } catch (e) {
    throw new Error(`image generator: ${mfile}: ${(e as Error).message}`, { cause: e });
  }
  const L = manifest.config.latentChannels;
  for (const k of ['latentMean', 'latentStd'] as const) {
    const v = manifest[k];
    if (!Array.isArray(v) || v.length !== L || !v.every((x) => Number.isFinite(x))) throw new Error(`image generator: ${mfile}: ${k} must list ${L} finite numbers`);
  }
  if (!manifest.latentStd.every((s) => s > 0)) throw new Error(`image generator: ${mfile}: latentStd must be positive`);
  const cs = manifest.conditioning;
  if (cs == null || typeof cs.encoder !== 'string' || cs.dim !== manifest.config.conditionDim || !Array.isArray(cs.imageMean) || cs.imageMean.length !== cs.dim) {
    throw new Error(`image generator: ${mfile}: conditioning must name the encoder and give its ${manifest.config.conditionDim}-d image mean`);
  }
  const wfile = path.join(dir, manifest.weightsFile);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(wfile);
  } catch (e) {
    throw new Error(`image generator: weights file ${wfile} named by ${mfile} is missing`, { cause: e });
  }
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const sha = sha256(bytes);
  if (sha !== manifest.weightsSha256) {
    throw new Error(`image generator: ${wfile} is corrupt or stale: SHA-256 ${sha.slice(0, 12)}... but ${MANIFEST} expects ${manifest.weightsSha256.slice(0, 12)}...`);
  }
  // Copy into an aligned buffer (a Buffer's offset need not be a multiple of 4).
  const all = new Float32Array(bytes.slice().buffer);
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of generatorWeightShapes(manifest.config)) {
    const entry = manifest.weights.find((w) => w.name === name);
    if (!entry) throw new Error(`image generator: ${mfile} lists no weight "${name}"`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (entry.shape.join('x') !== shape.join('x')) throw new Error(`image generator: weight "${name}" in ${mfile} has shape ${entry.shape.join('x')}, expected ${shape.join('x')}`);
    if (entry.offset + n > all.length) throw new Error(`image generator: weight "${name}" runs past the end of ${wfile}`);
    weights.set(name, all.subarray(entry.offset, entry.offset + n));
  }
  return { manifest, weights };
}
