/**
 * The shipped joint image-text encoder: loading, saving and the {@link JointEncoder} facade.
 *
 * Weights live in `data/encoder/` as a JSON manifest (architecture, vocabulary, weight layout,
 * SHA-256 of the weights, training provenance) and one little-endian Float32 binary. They are read
 * offline from the package (works from `src/` under tsx and from `dist/` after the build).
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { hashParts } from '../util/hash';
import { packWeights, readManifestJson, readWeightFiles, writeWeightFiles } from '../util/weight-files';
import { packageRoot } from '../util/paths';
import type { ImageDataset } from '../data/image-dataset';
import type { Matrix } from '../util/matrix';
import { ensureBackend } from '../model/backend';
import { progress } from '../util/progress';
import type { EmbedOptions, JointEncoder } from './encoder';
import { bagOfWords, JointEncoderNetwork, weightShapes, type JointEncoderConfig } from './joint-encoder-model';

/** The network behind each loaded encoder (kept out of the public object: tensors stay in src/embed). */
const networks = new WeakMap<LoadedJointEncoder, JointEncoderNetwork>();
import { Vocabulary } from './tokenizer';

/** Format tag of the manifest. */
export const JOINT_ENCODER_FORMAT = 'failure-directions/joint-encoder';
const MANIFEST = 'joint-encoder.json';
const WEIGHTS = 'joint-encoder.bin';

/** The manifest stored next to the weights. */
export interface JointEncoderManifest {
  format: typeof JOINT_ENCODER_FORMAT;
  version: 1;
  config: JointEncoderConfig;
  vocabulary: string[];
  weightsFile: string;
  /** SHA-256 of the weights file. */
  weightsSha256: string;
  weights: { name: string; shape: number[]; offset: number }[];
  /** How the weights were made (seed, pool, options, timings, quality); free-form, for the record. */
  training?: Record<string, unknown>;
}

/** The directory of the shipped weights. */
export function defaultEncoderDir(): string {
  return path.join(packageRoot(), 'data', 'encoder');
}

/**
 * Writes a network's weights and manifest into `dir` (atomically, file by file: weights first, then
 * the manifest that names their hash). Returns the manifest.
 *
 * @example
 * ```ts
 * saveJointEncoder(await fd.jointEncoder(), '/tmp/my-encoder'); // or a freshly trained network
 * ```
 */
export function saveJointEncoder(source: JointEncoderNetwork | LoadedJointEncoder, dir: string, training?: Record<string, unknown>): JointEncoderManifest {
  const network = source instanceof JointEncoderNetwork ? source : networks.get(source);
  if (!network) throw new TypeError('saveJointEncoder: expected a joint encoder from jointEncoder() or a trained network');
  const { bytes, layout } = packWeights(weightShapes(network.config, network.vocabulary.size), network.readWeights());
  return writeWeightFiles(dir, MANIFEST, WEIGHTS, bytes, (sha): JointEncoderManifest => ({
    format: JOINT_ENCODER_FORMAT,
    version: 1,
    config: network.config,
    vocabulary: [...network.vocabulary.words],
    weightsFile: WEIGHTS,
    weightsSha256: sha,
    weights: layout,
    ...(training ? { training } : {}),
  }));
}


/** Reads and checks a manifest and its weights; throws naming the file and the problem. */
export function readJointEncoderFiles(dir: string): { manifest: JointEncoderManifest; weights: Map<string, Float32Array> } {
  const mfile = path.join(dir, MANIFEST);
  const manifest = readManifestJson<JointEncoderManifest>(mfile, 'joint encoder', 'npm run train:encoder');
  if (manifest == null || manifest.format !== JOINT_ENCODER_FORMAT || manifest.version !== 1) {
    throw new Error(`joint encoder: ${mfile} is not a ${JOINT_ENCODER_FORMAT} v1 manifest (format ${manifest?.format}, version ${manifest?.version})`);
  }
  const weights = readWeightFiles(dir, mfile, manifest, weightShapes(manifest.config, manifest.vocabulary.length), 'joint encoder');
  return { manifest, weights };
}

/** A loaded joint encoder: the {@link JointEncoder} contract plus introspection. */
export interface LoadedJointEncoder extends JointEncoder {
  /** Words the text tower knows (anything else in a caption is ignored and reported). */
  readonly vocabulary: readonly string[];
  /** The manifest (architecture, training provenance). */
  readonly manifest: JointEncoderManifest;
  /** The learned logit scale (CLIP's inverse temperature). */
  readonly logitScale: number;
  /** Words of `text` that the encoder does not know, after normalisation (plurals, numerals, ...). */
  unknownWords(text: string): string[];
  /** Frees the weights; the encoder is unusable afterwards. */
  dispose(): void;
}

/** Options of {@link jointEncoder}. */
export interface JointEncoderOptions {
  /** Directory holding `joint-encoder.json` + `.bin` (default: the shipped `data/encoder/`). */
  dir?: string;
}

const loaded = new Map<string, Promise<LoadedJointEncoder>>();

/**
 * Loads the shipped joint image-text encoder (offline, from `data/encoder/`), a small CLIP-like model
 * trained by `npm run train:encoder` on captioned MNIST digits and Fashion-MNIST items that no
 * benchmark split uses. Images of any size and 1, 3 or 4 channels are accepted (resized to 28x28,
 * gray replicated to RGB); texts are bags of words over its {@link LoadedJointEncoder.vocabulary}.
 * Both embeddings are unit vectors in one 64-d space. `name` carries a hash of the weights, so
 * embedding caches keyed by it go stale when the weights change. Repeated calls share one instance.
 *
 * @example
 * ```ts
 * const enc = await fd.jointEncoder();
 * const img = await enc.embedImages(test);                       // Matrix, test.labels.length x 64
 * const txt = await enc.embedTexts(['a photo of a red digit']);  // Matrix, 1 x 64
 * ```
 */
export function jointEncoder(options: JointEncoderOptions = {}): Promise<LoadedJointEncoder> {
  const dir = path.resolve(options.dir ?? defaultEncoderDir());
  let p = loaded.get(dir);
  if (!p) {
    p = (async () => {
      await ensureBackend();
      const { manifest, weights } = readJointEncoderFiles(dir);
      const network = new JointEncoderNetwork(manifest.config, new Vocabulary(manifest.vocabulary), weights);
      return wrapNetwork(network, manifest, () => loaded.delete(dir));
    })();
    p.catch(() => loaded.delete(dir));
    loaded.set(dir, p);
  }
  return p;
}

/**
 * Wraps a network (freshly trained, or loaded) as a {@link LoadedJointEncoder}.
 *
 * @example
 * ```ts
 * const { network } = await trainJointEncoder((await encoderPool()).pool, { seed: 0, epochs: 1 });
 * const enc = wrapNetwork(network, (await fd.jointEncoder()).manifest);
 * ```
 */
export function wrapNetwork(network: JointEncoderNetwork, manifest: JointEncoderManifest, onDispose?: () => void): LoadedJointEncoder {
  const hash = hashParts([manifest.weightsSha256, JSON.stringify(manifest.config), manifest.vocabulary.join(' ')]).slice(0, 12);
  const scale = network.logitScale();
  const logitScale = scale.dataSync()[0];
  scale.dispose();
  let disposed = false;
  const alive = (what: string) => {
    if (disposed) throw new Error(`${what}: this joint encoder was disposed`);
  };
  const enc: LoadedJointEncoder = {
    name: `joint-encoder@${hash}`,
    dim: manifest.config.dim,
    vocabulary: network.vocabulary.words,
    manifest,
    logitScale,
    async embedImages(split: ImageDataset, opts: EmbedOptions = {}): Promise<Matrix> {
      alive('embedImages');
      await ensureBackend();
      return embedImagesWith(network, split, opts);
    },
    async embedTexts(texts: string[]): Promise<Matrix> {
      alive('embedTexts');
      if (!Array.isArray(texts)) throw new TypeError(`embedTexts: expected an array of strings, got ${typeof texts}`);
      await ensureBackend();
      return embedTextsWith(network, texts);
    },
    unknownWords(text: string): string[] {
      return network.vocabulary.encode(text).unknown;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      network.dispose();
      networks.delete(enc);
      onDispose?.();
    },
  };
  networks.set(enc, network);
  return enc;
}

/** Embeds texts with a network; rows are unit vectors. */
export function embedTextsWith(network: JointEncoderNetwork, texts: readonly string[]): Matrix {
  const { dim } = network.config;
  if (texts.length === 0) return { data: new Float32Array(0), rows: 0, cols: dim };
  const { counts } = bagOfWords(network.vocabulary, texts);
  const z = tf.tidy(() => network.textTower(tf.tensor2d(counts, [texts.length, network.vocabulary.size])));
  const data = z.dataSync() as Float32Array;
  z.dispose();
  return { data: Float32Array.from(data), rows: texts.length, cols: dim };
}

/** Embeds a split's images with a network in batches; rows are unit vectors. */
export function embedImagesWith(network: JointEncoderNetwork, split: ImageDataset, opts: EmbedOptions = {}): Matrix {
  const what = `embedImages(${split?.name ?? 'split'})`;
  if (split == null || typeof split !== 'object' || !(split.images instanceof Uint8Array)) throw new TypeError(`${what}: expected an ImageDataset with Uint8Array images`);
  const { height: H, width: W, channels: C } = split;
  const n = split.labels?.length ?? split.ids.length;
  if (!(C === 1 || C === 3 || C === 4)) throw new RangeError(`${what}: images have ${C} channels; the joint encoder takes 1 (gray), 3 (RGB) or 4 (RGBA)`);
  if (split.images.length !== n * H * W * C) throw new RangeError(`${what}: images has ${split.images.length} bytes, expected ${n} x ${H} x ${W} x ${C}`);
  const batchSize = opts.batchSize ?? 256;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new RangeError(`${what}: batchSize must be a positive integer, got ${batchSize}`);
  const S = network.config.imageSize;
  const { dim } = network.config;
  const out = new Float32Array(n * dim);
  const batches = Math.ceil(n / batchSize);
  const bar = progress('embed (joint encoder)', batches);
  for (let b = 0; b < batches; b++) {
    const s = b * batchSize;
    const e = Math.min(n, s + batchSize);
    const pixels = toRgbFloats(split.images, s, e, H * W, C);
    const z = tf.tidy(() => {
      let x = tf.tensor4d(pixels, [e - s, H, W, 3]);
      if (H !== S || W !== S) x = tf.image.resizeBilinear(x, [S, S], true);
      return network.imageTower(x);
    });
    out.set(z.dataSync() as Float32Array, s * dim);
    z.dispose();
    bar.tick();
  }
  bar.done();
  return { data: out, rows: n, cols: dim };
}

/** Images s..e-1 as RGB floats in [0, 1] (gray replicated, alpha dropped). */
function toRgbFloats(images: Uint8Array, s: number, e: number, px: number, C: number): Float32Array {
  const out = new Float32Array((e - s) * px * 3);
  const k = 1 / 255;
  let o = 0;
  for (let i = s; i < e; i++) {
    let p = i * px * C;
    for (let q = 0; q < px; q++, p += C) {
      if (C === 1) {
        const v = images[p] * k;
        out[o++] = v;
        out[o++] = v;
        out[o++] = v;
      } else {
        out[o++] = images[p] * k;
        out[o++] = images[p + 1] * k;
        out[o++] = images[p + 2] * k;
      }
    }
  }
  return out;
}
