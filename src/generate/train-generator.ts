/**
 * Training the shipped latent diffusion generator, in two stages on the joint encoder's captioned
 * training pool (the reserved encoder ranges only; see `encoderPool`):
 *
 * 1. Autoencoder. Objective: mean squared + mean absolute pixel error of decode(encode(x) + noise)
 *    against x, plus a small penalty on the latent's second moment. The Gaussian noise on the latent
 *    (std `latentNoise` times the latent's running RMS) makes the decoder tolerate the small errors a
 *    denoiser leaves; the penalty keeps the latent's scale bounded. Afterwards the latent's
 *    per-channel mean and std over a fixed sample of renderings are stored, and the diffusion model
 *    works on standardised latents (as Stable Diffusion rescales its VAE latents).
 * 2. Denoiser, with the autoencoder frozen. Objective: mean squared error of the v-prediction at a
 *    uniformly drawn time t (see `diffusion.ts`), conditioned on the joint encoder's embedding of the
 *    image's caption, replaced by the zero vector for a fraction `conditionDropout` of the samples so
 *    the same network also predicts unconditionally (classifier-free guidance).
 *
 * Optimiser: AdamW (Loshchilov & Hutter 2019), linear warm-up then cosine decay, decoupled weight
 * decay on kernels only; an exponential moving average of the denoiser's weights is what ships (as in
 * DDPM / latent diffusion). Fixed epoch budgets, no early stop. Every random draw (renderings,
 * captions, times, noise, dropout, initial weights) comes from one seeded stream, and the wasm
 * backend is single-threaded, so a run is bit-for-bit reproducible.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../util/random';
import { progress } from '../util/progress';
import type { JointEncoder } from '../embed/encoder';
import { TrainingPool } from '../embed/training-pool';
import { alphaSigma, T_MAX, timeFeatures } from './diffusion';
import { DEFAULT_GENERATOR_CONFIG, GeneratorNetwork, initialGeneratorWeights, latentDim, type GeneratorConfig } from './generator-model';

/** Hyper-parameters of {@link trainGenerator}. */
export interface TrainGeneratorOptions {
  seed: number;
  config: GeneratorConfig;
  /** Passes over the pool for the autoencoder. */
  autoencoderEpochs: number;
  autoencoderBatchSize: number;
  autoencoderLearningRate: number;
  /** Latent noise during autoencoder training, relative to the latent's RMS. */
  latentNoise: number;
  /** Weight of the latent second-moment penalty. */
  latentPenalty: number;
  /** Times each digit is drawn per autoencoder epoch (the pool's own setting is for the encoder). */
  autoencoderDigitRepeats: number;
  /** Passes over the pool for the denoiser. */
  denoiserEpochs: number;
  /**
   * Times each digit is drawn per denoiser epoch: the pool holds ~1,900 digits against ~19,000
   * clothing items, and digit shapes are the harder part to learn.
   */
  denoiserDigitRepeats: number;
  denoiserBatchSize: number;
  denoiserLearningRate: number;
  /** Fraction of denoiser samples trained without their condition. */
  conditionDropout: number;
  /** Decay of the exponential moving average of the denoiser weights. */
  emaDecay: number;
  weightDecay: number;
  warmupSteps: number;
  /** Renderings used to measure the latent statistics. */
  statsSamples: number;
  /** Called after each epoch of either stage. */
  onEpoch?: (info: GeneratorEpochInfo) => void | Promise<void>;
}

/** One epoch of training. */
export interface GeneratorEpochInfo {
  stage: 'autoencoder' | 'denoiser';
  epoch: number;
  steps: number;
  loss: number;
  seconds: number;
}

export const DEFAULT_TRAIN_GENERATOR_OPTIONS: TrainGeneratorOptions = {
  seed: 0,
  config: DEFAULT_GENERATOR_CONFIG,
  autoencoderEpochs: 3,
  autoencoderBatchSize: 64,
  autoencoderLearningRate: 2e-3,
  latentNoise: 0.1,
  latentPenalty: 1e-3,
  autoencoderDigitRepeats: 2,
  denoiserEpochs: 40,
  denoiserDigitRepeats: 8,
  denoiserBatchSize: 256,
  denoiserLearningRate: 1e-3,
  conditionDropout: 0.15,
  emaDecay: 0.999,
  weightDecay: 1e-4,
  warmupSteps: 200,
  statsSamples: 4096,
};

/** What {@link trainGenerator} returns. */
export interface TrainedGenerator {
  network: GeneratorNetwork;
  /** Per-channel mean and std of the raw latents (standardisation used by the denoiser). */
  latentMean: number[];
  latentStd: number[];
  history: GeneratorEpochInfo[];
}

/** AdamW state for a list of variables. */
class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;
  constructor(private readonly vars: [string, tf.Variable][], private readonly weightDecay: number, private readonly beta1 = 0.9, private readonly beta2 = 0.999, private readonly eps = 1e-8) {
    // The initial values are freed by the tidy; the variables keep their own reference.
    this.m = vars.map(([, w]) => tf.tidy(() => tf.variable(tf.zerosLike(w), false)));
    this.v = vars.map(([, w]) => tf.tidy(() => tf.variable(tf.zerosLike(w), false)));
  }

  /** Applies one update with learning rate `lr` from gradients keyed by variable name (inside a tidy). */
  apply(grads: tf.NamedTensorMap, lr: number): void {
    this.t++;
    const c1 = 1 - Math.pow(this.beta1, this.t);
    const c2 = 1 - Math.pow(this.beta2, this.t);
    this.vars.forEach(([name, w], k) => {
      const g = grads[w.name];
      this.m[k].assign(tf.add(tf.mul(this.m[k], this.beta1), tf.mul(g, 1 - this.beta1)));
      this.v[k].assign(tf.add(tf.mul(this.v[k], this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
      let update = tf.div(tf.div(this.m[k], c1), tf.add(tf.sqrt(tf.div(this.v[k], c2)), this.eps));
      if (name.endsWith('/kernel')) update = tf.add(update, tf.mul(w, this.weightDecay));
      w.assign(tf.sub(w, tf.mul(update, lr)));
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/** Linear warm-up to `lr`, then cosine decay to 0 at `total` steps. */
function schedule(step: number, total: number, lr: number, warmup: number): number {
  if (step < warmup) return (lr * (step + 1)) / warmup;
  return 0.5 * lr * (1 + Math.cos((Math.PI * (step - warmup)) / Math.max(1, total - warmup)));
}

/** Raw latents of rendered pool images, [B, Z] flattened (no gradient). */
function encodeFlat(net: GeneratorNetwork, images: Float32Array, B: number): tf.Tensor2D {
  const S = net.config.imageSize;
  return tf.tidy(() => tf.reshape(net.encode(tf.tensor4d(images, [B, S, S, net.config.channels])), [B, -1]) as tf.Tensor2D);
}

/**
 * Trains the generator on `pool`, conditioning on `encoder`'s text embeddings of the pool's captions
 * (the shipped generator: `npm run train:generator`).
 *
 * @example
 * ```ts
 * const { pool } = await encoderPool();
 * const { network, latentMean, latentStd } = await trainGenerator(pool, await fd.jointEncoder(), { seed: 0, denoiserEpochs: 2 });
 * ```
 */
export async function trainGenerator(source: TrainingPool, encoder: JointEncoder, options: Partial<TrainGeneratorOptions> = {}): Promise<TrainedGenerator> {
  const o = { ...DEFAULT_TRAIN_GENERATOR_OPTIONS, ...options };
  for (const k of ['autoencoderDigitRepeats', 'denoiserDigitRepeats'] as const) if (!(Number.isInteger(o[k]) && o[k] >= 1)) throw new RangeError(`trainGenerator: ${k} must be a positive integer, got ${o[k]}`);
  // Same images, renderings and captions as the encoder's pool; only how often digits are drawn differs.
  const withRepeats = (r: number) => (r === source.options.digitRepeats ? source : new TrainingPool(source.source, { ...source.options, digitRepeats: r }));
  const aePool = withRepeats(o.autoencoderDigitRepeats);
  const dnPool = withRepeats(o.denoiserDigitRepeats);
  const pool = aePool;
  const cfg = o.config;
  const what = 'trainGenerator';
  if (pool.source.size !== cfg.imageSize) throw new RangeError(`${what}: pool images are ${pool.source.size}px but config.imageSize is ${cfg.imageSize}`);
  if (encoder.dim !== cfg.conditionDim) throw new RangeError(`${what}: the joint encoder embeds into ${encoder.dim} dimensions but config.conditionDim is ${cfg.conditionDim}`);
  for (const k of ['autoencoderEpochs', 'denoiserEpochs'] as const) if (!(Number.isInteger(o[k]) && o[k] >= 0)) throw new RangeError(`${what}: ${k} must be a non-negative integer, got ${o[k]}`);
  const rng = new Random(o.seed);
  const network = new GeneratorNetwork(cfg, initialGeneratorWeights(cfg, rng));
  const history: GeneratorEpochInfo[] = [];
  const S = cfg.imageSize;
  const C = cfg.channels;
  const Z = latentDim(cfg);
  const L = cfg.latentChannels;
  try {
    // ---- Stage 1: autoencoder.
    const aeVars = network.variableNames('autoencoder').map((n) => [n, network.w(n)] as [string, tf.Variable]);
    const aeOpt = new AdamW(aeVars, o.weightDecay);
    const aeSteps = Math.floor(pool.epochOrder(new Random(0)).length / o.autoencoderBatchSize);
    const aeTotal = aeSteps * o.autoencoderEpochs;
    let rms = 1;
    let step = 0;
    const bar1 = progress('train generator: autoencoder', aeTotal);
    for (let epoch = 0; epoch < o.autoencoderEpochs; epoch++) {
      const t0 = Date.now();
      const order = pool.epochOrder(rng);
      let lossSum = 0;
      for (let s = 0; s < aeSteps; s++) {
        const batch = pool.render(order.subarray(s * o.autoencoderBatchSize, (s + 1) * o.autoencoderBatchSize), rng);
        const B = batch.captions.length;
        const noise = new Float32Array(B * Z);
        for (let i = 0; i < noise.length; i++) noise[i] = rng.normal() * o.latentNoise * rms;
        const lr = schedule(step, aeTotal, o.autoencoderLearningRate, o.warmupSteps);
        const [loss, ms] = tf.tidy(() => {
          const x = tf.tensor4d(batch.images, [B, S, S, C]);
          const eps = tf.tensor4d(noise, [B, S / 4, S / 4, L]);
          let ms2: tf.Scalar | null = null;
          const { value, grads } = tf.variableGrads(() => {
            const z = network.encode(x);
            const sq = tf.mean(tf.square(z)) as tf.Scalar;
            ms2 = tf.keep(tf.clone(sq));
            const y = network.decode(tf.add(z, eps) as tf.Tensor4D);
            const diff = tf.sub(y, x);
            const rec = tf.add(tf.mean(tf.square(diff)), tf.mul(tf.mean(tf.abs(diff)), 0.1));
            return tf.add(rec, tf.mul(sq, o.latentPenalty)) as tf.Scalar;
          }, aeVars.map(([, v]) => v));
          aeOpt.apply(grads, lr);
          return [value, ms2!] as [tf.Scalar, tf.Scalar];
        });
        const [lv, mv] = [(await loss.data())[0], (await ms.data())[0]];
        loss.dispose();
        ms.dispose();
        // The latent's RMS, smoothed, scales the injected noise.
        rms = 0.9 * rms + 0.1 * Math.sqrt(mv);
        lossSum += lv;
        step++;
        bar1.tick(1, `epoch ${epoch + 1}/${o.autoencoderEpochs} loss ${(lossSum / (s + 1)).toFixed(4)}`);
      }
      const info: GeneratorEpochInfo = { stage: 'autoencoder', epoch: epoch + 1, steps: step, loss: lossSum / aeSteps, seconds: (Date.now() - t0) / 1000 };
      history.push(info);
      if (o.onEpoch) await o.onEpoch(info);
    }
    bar1.done();
    aeOpt.dispose();

    // ---- Latent statistics over a fixed sample of renderings.
    const statsRng = new Random(o.seed + 0x5eed);
    const statOrder = pool.epochOrder(statsRng).subarray(0, Math.min(o.statsSamples, pool.size));
    const sum = new Float64Array(L);
    const sumSq = new Float64Array(L);
    for (let s = 0; s < statOrder.length; s += 256) {
      const batch = pool.render(statOrder.subarray(s, s + 256), statsRng);
      const z = encodeFlat(network, batch.images, batch.captions.length);
      const data = z.dataSync() as Float32Array;
      z.dispose();
      for (let i = 0; i < data.length; i++) {
        sum[i % L] += data[i];
        sumSq[i % L] += data[i] * data[i];
      }
    }
    const count = (statOrder.length * Z) / L;
    const latentMean = Array.from(sum, (v) => v / count);
    const latentStd = Array.from(sumSq, (v, c) => Math.sqrt(Math.max(1e-12, v / count - latentMean[c] ** 2)));

    // ---- Stage 2: denoiser.
    const dnVars = network.variableNames('denoiser').map((n) => [n, network.w(n)] as [string, tf.Variable]);
    const dnOpt = new AdamW(dnVars, o.weightDecay);
    const ema = dnVars.map(([, v]) => tf.tidy(() => tf.variable(tf.clone(v), false)));
    const dnSteps = Math.floor(dnPool.epochOrder(new Random(0)).length / o.denoiserBatchSize);
    const dnTotal = dnSteps * o.denoiserEpochs;
    const T = cfg.timeFeatures;
    const D = cfg.conditionDim;
    const meanT = tf.tensor1d(Array.from({ length: Z }, (_, i) => latentMean[i % L]));
    const invStdT = tf.tensor1d(Array.from({ length: Z }, (_, i) => 1 / latentStd[i % L]));
    step = 0;
    const bar2 = progress('train generator: denoiser', dnTotal);
    try {
      for (let epoch = 0; epoch < o.denoiserEpochs; epoch++) {
        const t0 = Date.now();
        const order = dnPool.epochOrder(rng);
        let lossSum = 0;
        for (let s = 0; s < dnSteps; s++) {
          const batch = dnPool.render(order.subarray(s * o.denoiserBatchSize, (s + 1) * o.denoiserBatchSize), rng);
          const B = batch.captions.length;
          const tfeat = new Float32Array(B * T);
          const ab = new Float32Array(B * 2);
          const keep = new Float32Array(B);
          const noise = new Float32Array(B * Z);
          for (let i = 0; i < B; i++) {
            const t = rng.next() * T_MAX;
            const { alpha, sigma } = alphaSigma(t);
            ab[2 * i] = alpha;
            ab[2 * i + 1] = sigma;
            timeFeatures(t, T, tfeat, i * T);
            keep[i] = rng.next() < o.conditionDropout ? 0 : 1;
          }
          for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
          const captions = await encoder.embedTexts(batch.captions);
          const lr = schedule(step, dnTotal, o.denoiserLearningRate, o.warmupSteps);
          const loss = tf.tidy(() => {
            const z0 = tf.mul(tf.sub(encodeFlat(network, batch.images, B), meanT), invStdT) as tf.Tensor2D;
            const cond = tf.mul(tf.tensor2d(captions.data, [B, D]), tf.tensor2d(keep, [B, 1])) as tf.Tensor2D;
            const abT = tf.tensor2d(ab, [B, 2]);
            const alpha = tf.slice(abT, [0, 0], [B, 1]);
            const sigma = tf.slice(abT, [0, 1], [B, 1]);
            const eps = tf.tensor2d(noise, [B, Z]);
            const zt = tf.add(tf.mul(z0, alpha), tf.mul(eps, sigma)) as tf.Tensor2D;
            const target = tf.sub(tf.mul(eps, alpha), tf.mul(z0, sigma));
            const tt = tf.tensor2d(tfeat, [B, T]);
            const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(network.denoise(zt, tt, cond), target))) as tf.Scalar, dnVars.map(([, v]) => v));
            dnOpt.apply(grads, lr);
            // EMA with the usual warm-up (decay grows from ~0.1 towards emaDecay).
            const d = Math.min(o.emaDecay, (1 + step) / (10 + step));
            dnVars.forEach(([, v], k) => ema[k].assign(tf.add(tf.mul(ema[k], d), tf.mul(v, 1 - d))));
            return value;
          });
          lossSum += (await loss.data())[0];
          loss.dispose();
          step++;
          bar2.tick(1, `epoch ${epoch + 1}/${o.denoiserEpochs} loss ${(lossSum / (s + 1)).toFixed(4)}`);
        }
        const info: GeneratorEpochInfo = { stage: 'denoiser', epoch: epoch + 1, steps: step, loss: lossSum / dnSteps, seconds: (Date.now() - t0) / 1000 };
        history.push(info);
        if (o.onEpoch) await o.onEpoch(info);
      }
      bar2.done();
      // Ship the moving average.
      dnVars.forEach(([, v], k) => v.assign(ema[k]));
    } finally {
      dnOpt.dispose();
      for (const e of ema) e.dispose();
      meanT.dispose();
      invStdT.dispose();
    }
    return { network, latentMean, latentStd, history };
  } catch (e) {
    network.dispose();
    throw e;
  }
}
