/**
 * The shipped generator on disk: `data/generator/image-generator.json` (manifest: architecture,
 * latent standardisation, the conditioning encoder, weight layout, SHA-256 of the weights, training
 * provenance) and `image-generator.bin` (little-endian Float32 weights). Same layout as the joint
 * encoder's files; read offline from the package (from `src/` under tsx and from `dist/`).
 */
import * as path from 'node:path';
import { packageRoot } from '../util/paths';
import { packWeights, readManifestJson, readWeightFiles, writeWeightFiles } from '../util/weight-files';
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
  const { bytes, layout } = packWeights(generatorWeightShapes(network.config), network.readWeights());
  return writeWeightFiles(dir, MANIFEST, WEIGHTS, bytes, (sha): ImageGeneratorManifest => ({
    format: IMAGE_GENERATOR_FORMAT,
    version: 1,
    config: network.config,
    latentMean: meta.latentMean,
    latentStd: meta.latentStd,
    conditioning: meta.conditioning,
    weightsFile: WEIGHTS,
    weightsSha256: sha,
    weights: layout,
    ...(meta.training ? { training: meta.training } : {}),
  }));
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
  const manifest = readManifestJson<ImageGeneratorManifest>(mfile, 'image generator', 'npm run train:generator');
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
  const weights = readWeightFiles(dir, mfile, manifest, generatorWeightShapes(manifest.config), 'image generator');
  return { manifest, weights };
}
