/**
 * Text-to-image generation behind one interface ({@link ImageGenerator}), and the shipped model that
 * implements it ({@link imageGenerator}): a small latent diffusion model of the same kind as Stable
 * Diffusion (Rombach et al. 2022), trained by `npm run train:generator` on the joint encoder's
 * reserved images and conditioned on the joint encoder's text embeddings, sampled with DDIM and
 * classifier-free guidance.
 */
import * as path from 'node:path';
import type { ImageDataset } from '../data/image-dataset';
import { hashParts } from '../util/hash';
import type { JointEncoder } from '../embed/encoder';
import { jointEncoder, type LoadedJointEncoder } from '../embed/joint-encoder';
import type { Matrix } from '../util/matrix';
import { ensureBackend } from '../model/backend';
import { onnxRuntime, onnxRuntimeStatus } from '../model/onnx/runtime';
import { progress } from '../util/progress';
import { defaultGeneratorDir, readImageGeneratorFiles, type ImageGeneratorManifest } from './generator-files';
import { GeneratorNetwork } from './generator-model';
import { OnnxEngine, sampleImages, TfjsEngine, type GeneratorEngineName, type SamplingEngine } from './sampling-engine';

/** A condition: a caption, or an embedding in the generator's conditioning (text) space. */
export type GeneratorCondition = string | ArrayLike<number>;

/** Options of {@link ImageGenerator.generate}. */
export interface GenerateOptions {
  /** Images per condition (default 1). */
  n?: number;
  /** Seed of the noise stream (default 0): the same seed gives the same images. */
  seed?: number;
  /**
   * Classifier-free guidance scale w (default 4): 0 = unconditional, 1 = plain conditional, > 1 =
   * stronger prompt adherence and less variety (`npm run bench:generator` measures 1..6).
   */
  guidance?: number;
  /** DDIM steps (default 25). */
  steps?: number;
  /** Class id of every image, or one per condition (default: the condition's index). */
  labels?: number | ArrayLike<number>;
  /** The class vocabulary of `labels` (default: the condition descriptions, or "0", "1", ... when `labels` is given). */
  classNames?: string[];
  /** A description per condition for the `groups` column (default: the caption, or "embedding i"). */
  groups?: readonly string[];
  /** 3 (RGB, default) or 1 (gray: the largest of R, G, B, i.e. the untinted intensity). */
  channels?: 1 | 3;
  /** Prefix of the image ids (default "generated"): ids are `prefix:seed:condition:index`. */
  idPrefix?: string;
  /** Name of the returned split (default "generated"). */
  name?: string;
}

/** The embedding space a generator is conditioned on. */
export interface GeneratorConditioning {
  /** Name of the encoder whose embeddings are conditions (e.g. `joint-encoder@<hash>`). */
  encoder: string;
  dim: number;
  /** Mean of that encoder's image embeddings, when known (lets steering check where a direction was fitted). */
  imageMean?: number[];
  /** 1st percentile of the cosine between the encoder's image embeddings and `imageMean`. */
  imageCosineP01?: number;
}

/**
 * A text-conditioned image generator. The shipped one is {@link imageGenerator}; a bigger model
 * (e.g. Stable Diffusion over CLIP) can implement the same contract, so the failure-direction helpers
 * (`generateFromCaptions`, `generateAlongDirection`) work with either.
 *
 * @example
 * ```ts
 * const gen: fd.ImageGenerator = await fd.imageGenerator();
 * const imgs = await gen.generate(['a photo of a red seven', 'a photo of a sneaker'], { n: 8, seed: 0 });
 * imgs.labels.length; // 16
 * ```
 */
export interface ImageGenerator {
  readonly name: string;
  readonly height: number;
  readonly width: number;
  /** Channels of the generated images before any `channels` option (3). */
  readonly channels: number;
  readonly conditioning: GeneratorConditioning;
  /** The encoder that turns caption conditions into embeddings (and scores captions for steering). */
  readonly encoder: JointEncoder;
  /**
   * Generates `n` images per condition, condition-major: image `j` of condition `i` is row `i * n + j`.
   * Throws on unknown prompt words, conditions of the wrong dimension, or bad options.
   */
  generate(conditions: GeneratorCondition | readonly GeneratorCondition[], options?: GenerateOptions): Promise<ImageDataset>;
  /** The conditions as unit rows of the conditioning space (captions embedded, embeddings normalised). */
  embedConditions(conditions: readonly GeneratorCondition[]): Promise<Matrix>;
}

/** The shipped generator: the {@link ImageGenerator} contract plus introspection. */
export interface LoadedImageGenerator extends ImageGenerator {
  readonly manifest: ImageGeneratorManifest;
  /** Which engine samples: ONNX Runtime when available, else tfjs. */
  readonly engine: GeneratorEngineName;
  /** Frees the networks; the generator is unusable afterwards. */
  dispose(): Promise<void>;
}

/** Options of {@link imageGenerator}. */
export interface ImageGeneratorOptions {
  /** Directory holding `image-generator.json` + `.bin` (default: the shipped `data/generator/`). */
  dir?: string;
  /** `'auto'` (default: ONNX Runtime if it loads, else tfjs), or force one. */
  engine?: 'auto' | GeneratorEngineName;
  /** ONNX Runtime threads (default `FD_THREADS`, else all cores). */
  threads?: number;
  /** The joint encoder for captions (default: the shipped one, which the generator was trained on). */
  encoder?: LoadedJointEncoder;
}

const loaded = new Map<string, Promise<LoadedImageGenerator>>();

/**
 * Loads the shipped image generator (offline, from `data/generator/`): a latent diffusion model for
 * 28x28 RGB images of digits and clothing items, conditioned on the shipped joint encoder's text
 * embeddings. Prompts are read with the encoder's vocabulary (an unknown word is an error, naming
 * it). Sampling runs on ONNX Runtime (native, multi-threaded) when the optional `onnxruntime-node`
 * package loads, else on tfjs; the same seed gives the same bytes on the same engine. Repeated calls
 * with the same options share one instance.
 *
 * @example
 * ```ts
 * const gen = await fd.imageGenerator();
 * const imgs = await gen.generate('a photo of a green three', { n: 16, seed: 1, guidance: 3 });
 * ```
 */
export function imageGenerator(options: ImageGeneratorOptions = {}): Promise<LoadedImageGenerator> {
  const dir = path.resolve(options.dir ?? defaultGeneratorDir());
  const engine = options.engine ?? 'auto';
  if (!['auto', 'onnxruntime', 'tfjs'].includes(engine)) throw new RangeError(`imageGenerator: engine must be 'auto', 'onnxruntime' or 'tfjs', got ${JSON.stringify(engine)}`);
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads > 0)) throw new RangeError(`imageGenerator: threads must be a positive integer, got ${options.threads}`);
  const key = `${dir}|${engine}|${options.threads ?? ''}|${options.encoder?.name ?? ''}`;
  let p = loaded.get(key);
  if (!p) {
    p = load(dir, engine, options);
    p.catch(() => loaded.delete(key));
    loaded.set(key, p);
  }
  return p;
}

async function load(dir: string, engineChoice: 'auto' | GeneratorEngineName, options: ImageGeneratorOptions): Promise<LoadedImageGenerator> {
  const { manifest, weights } = readImageGeneratorFiles(dir);
  const enc = options.encoder ?? (await jointEncoder());
  if (enc.name !== manifest.conditioning.encoder) {
    throw new Error(
      `imageGenerator: ${path.join(dir, 'image-generator.json')} was trained on the text embeddings of ${manifest.conditioning.encoder}, ` +
        `but the joint encoder loaded is ${enc.name}; retrain the generator (npm run train:generator) after changing the encoder`,
    );
  }
  let engine: SamplingEngine;
  const useOnnx = engineChoice === 'onnxruntime' || (engineChoice === 'auto' && onnxRuntime() !== null);
  if (useOnnx) {
    if (!onnxRuntime()) throw new Error(`imageGenerator: engine 'onnxruntime' requested but onnxruntime-node does not load (${onnxRuntimeStatus().reason})`);
    engine = await OnnxEngine.create(manifest.config, weights, options.threads);
  } else {
    await ensureBackend();
    engine = new TfjsEngine(new GeneratorNetwork(manifest.config, weights));
  }
  return wrapGenerator(manifest, engine, enc);
}

function describe(c: GeneratorCondition, i: number): string {
  return typeof c === 'string' ? c : `embedding ${i}`;
}

/**
 * Wraps a manifest and a sampling engine as a {@link LoadedImageGenerator} (used by
 * {@link imageGenerator}; exposed for freshly trained networks).
 *
 * @example
 * ```ts
 * const { manifest, weights } = readImageGeneratorFiles(defaultGeneratorDir());
 * const gen = wrapGenerator(manifest, new TfjsEngine(new GeneratorNetwork(manifest.config, weights)), await fd.jointEncoder());
 * ```
 */
export function wrapGenerator(manifest: ImageGeneratorManifest, engine: SamplingEngine, enc: LoadedJointEncoder): LoadedImageGenerator {
  const cfg = manifest.config;
  const D = cfg.conditionDim;
  const hash = hashParts([manifest.weightsSha256, JSON.stringify(cfg)]).slice(0, 12);
  let disposed = false;
  const alive = (what: string) => {
    if (disposed) throw new Error(`${what}: this image generator was disposed`);
  };

  async function embedConditions(conditions: readonly GeneratorCondition[], caller = 'embedConditions'): Promise<Matrix> {
    if (!Array.isArray(conditions)) throw new TypeError(`${caller}: expected an array of conditions (captions or ${D}-d embeddings)`);
    const out = new Float32Array(conditions.length * D);
    const texts: { i: number; text: string }[] = [];
    conditions.forEach((c, i) => {
      if (typeof c === 'string') {
        if (c.trim() === '') throw new RangeError(`${caller}: condition ${i} is an empty caption`);
        const unknown = enc.unknownWords(c);
        if (unknown.length) {
          throw new RangeError(
            `${caller}: condition ${i} ("${c}") has word${unknown.length > 1 ? 's' : ''} the generator's encoder (${enc.name}) does not know: ${unknown.map((w) => `"${w}"`).join(', ')}. ` +
              `Known words include ${enc.vocabulary.slice(0, 12).join(', ')}, ... (encoder.vocabulary lists all ${enc.vocabulary.length}).`,
          );
        }
        texts.push({ i, text: c });
        return;
      }
      if (c == null || typeof (c as ArrayLike<number>).length !== 'number') throw new TypeError(`${caller}: condition ${i} must be a caption or an embedding (array of ${D} numbers), got ${c === null ? 'null' : typeof c}`);
      const v = c as ArrayLike<number>;
      if (v.length !== D) {
        throw new RangeError(`${caller}: condition ${i} has ${v.length} values, but the generator is conditioned on ${D}-d embeddings of ${manifest.conditioning.encoder}`);
      }
      let ss = 0;
      for (let j = 0; j < D; j++) {
        const x = Number(v[j]);
        if (!Number.isFinite(x)) throw new RangeError(`${caller}: condition ${i} has a non-finite value at position ${j} (${v[j]})`);
        ss += x * x;
      }
      if (!(ss > 1e-12)) throw new RangeError(`${caller}: condition ${i} is the zero vector (a direction is needed; the zero vector means "no condition")`);
      const inv = 1 / Math.sqrt(ss);
      for (let j = 0; j < D; j++) out[i * D + j] = Number(v[j]) * inv;
    });
    if (texts.length) {
      // Caption embeddings go through the same normalisation as given embeddings, so passing a
      // caption or its embedding gives the same images.
      const t = await enc.embedTexts(texts.map((x) => x.text));
      texts.forEach((x, k) => {
        let ss = 0;
        for (let j = 0; j < D; j++) ss += t.data[k * D + j] ** 2;
        const inv = 1 / Math.sqrt(ss);
        for (let j = 0; j < D; j++) out[x.i * D + j] = t.data[k * D + j] * inv;
      });
    }
    return { data: out, rows: conditions.length, cols: D };
  }

  const gen: LoadedImageGenerator = {
    name: `image-generator@${hash}`,
    height: cfg.imageSize,
    width: cfg.imageSize,
    channels: cfg.channels,
    conditioning: manifest.conditioning,
    encoder: enc,
    manifest,
    engine: engine.name,
    embedConditions: (conditions) => {
      alive('embedConditions');
      return embedConditions(conditions);
    },
    async generate(conditions, options: GenerateOptions = {}): Promise<ImageDataset> {
      const caller = 'generate';
      alive(caller);
      const list: readonly GeneratorCondition[] = typeof conditions === 'string' || !Array.isArray(conditions) || (conditions.length > 0 && typeof conditions[0] === 'number') ? [conditions as GeneratorCondition] : (conditions as readonly GeneratorCondition[]);
      if (list.length === 0) throw new RangeError(`${caller}: no conditions given (pass a caption, an embedding, or an array of them)`);
      const n = options.n ?? 1;
      if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`${caller}: n (images per condition) must be a positive integer, got ${JSON.stringify(n) ?? String(n)}`);
      const seed = options.seed ?? 0;
      if (!Number.isFinite(seed)) throw new RangeError(`${caller}: seed must be a finite number, got ${seed}`);
      const guidance = options.guidance ?? 4;
      if (!(Number.isFinite(guidance) && guidance >= 0 && guidance <= 50)) throw new RangeError(`${caller}: guidance must be a number in [0, 50], got ${guidance}`);
      const steps = options.steps ?? 25;
      if (!(Number.isInteger(steps) && steps >= 1 && steps <= 1000)) throw new RangeError(`${caller}: steps must be an integer in 1..1000, got ${steps}`);
      const channels = options.channels ?? 3;
      if (channels !== 1 && channels !== 3) throw new RangeError(`${caller}: channels must be 1 or 3, got ${channels}`);
      const k = list.length;
      let perCond: Int32Array;
      if (options.labels === undefined) perCond = Int32Array.from({ length: k }, (_, i) => i);
      else if (typeof options.labels === 'number') perCond = new Int32Array(k).fill(options.labels);
      else {
        if (options.labels.length !== k) throw new RangeError(`${caller}: labels has ${options.labels.length} entries for ${k} conditions`);
        perCond = Int32Array.from(options.labels);
      }
      for (let i = 0; i < k; i++) if (!(Number.isInteger(perCond[i]) && perCond[i] >= 0)) throw new RangeError(`${caller}: label of condition ${i} is ${perCond[i]}, not a class id`);
      const descriptions = list.map(describe);
      let classNames = options.classNames;
      if (classNames === undefined) classNames = options.labels === undefined ? descriptions.slice() : Array.from({ length: Math.max(...perCond) + 1 }, (_, c) => String(c));
      for (let i = 0; i < k; i++) if (perCond[i] >= classNames.length) throw new RangeError(`${caller}: label ${perCond[i]} of condition ${i} has no entry in classNames (${classNames.length} classes)`);
      if (options.groups !== undefined && options.groups.length !== k) throw new RangeError(`${caller}: groups has ${options.groups.length} entries for ${k} conditions`);
      const conds = await embedConditions(list, caller);
      const total = k * n;
      const bar = progress('generate images', total);
      let done = 0;
      const onProgress = (d: number) => {
        bar.tick(d - done);
        done = d;
      };
      const floats = await sampleImages(engine, cfg, manifest.latentMean, manifest.latentStd, conds.data, k, { n, seed, guidance, steps, onProgress });
      bar.done();
      const S = cfg.imageSize;
      const P = S * S;
      const images = new Uint8Array(total * P * channels);
      if (channels === 3) for (let i = 0; i < floats.length; i++) images[i] = Math.round(floats[i] * 255);
      else for (let p = 0; p < total * P; p++) images[p] = Math.round(Math.max(floats[3 * p], floats[3 * p + 1], floats[3 * p + 2]) * 255);
      const labels = new Int32Array(total);
      const ids: string[] = new Array(total);
      const groups: string[] = new Array(total);
      const prefix = options.idPrefix ?? 'generated';
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < n; j++) {
          const r = i * n + j;
          labels[r] = perCond[i];
          ids[r] = `${prefix}:${seed}:${i}:${j}`;
          groups[r] = options.groups?.[i] ?? descriptions[i];
        }
      }
      return { images, height: S, width: S, channels, labels, classNames: classNames.slice(), ids, groups, name: options.name ?? 'generated' };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await engine.dispose();
      for (const [key, p] of loaded) if ((await p.catch(() => null)) === gen) loaded.delete(key);
    },
  };
  return gen;
}
