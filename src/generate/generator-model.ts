/**
 * The shipped generator's network: a small convolutional autoencoder (28x28 RGB <-> a 7x7x4 latent,
 * as Stable Diffusion's VAE maps 512x512 images to 64x64x4) and an MLP denoiser over the flattened
 * latent, conditioned on the noise level and on a 64-d joint-encoder text embedding.
 *
 * Autoencoder (Rombach et al. 2022, "High-Resolution Image Synthesis with Latent Diffusion Models",
 * scaled down): encoder 3x3 stride-2 convolutions 3 -> 16 -> 32 channels (28 -> 14 -> 7) and a 3x3
 * projection to 4 latent channels; decoder 3x3 convolutions at 7x7, sub-pixel upsampling (a
 * convolution to r^2 times the channels, then depth-to-space; Shi et al. 2016) to 14x14 and 28x28,
 * sigmoid output. Only the full-resolution layers are kept thin: training cost on the wasm backend
 * grows with the activations at 28x28 (see notes/ml-backends.md).
 *
 * Denoiser: v-prediction (Salimans & Ho 2022) by a residual MLP. Input = [noisy latent (196),
 * noise-level features (32), condition (64)]; each residual block adds W2 silu(W1 silu(h) + V [t, c]),
 * so the condition reaches every block. The condition is a unit text embedding, or the zero vector
 * for "no condition" (classifier-free guidance, Ho & Salimans 2022).
 *
 * Weights are plain tfjs variables (one flat binary on disk). Tensors stay inside `src/generate/`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Random } from '../util/random';
import { dense } from '../embed/joint-encoder-model';

/** Shape of the generator network. */
export interface GeneratorConfig {
  /** Image side length (square images). */
  imageSize: number;
  /** Image channels (RGB). */
  channels: number;
  /** Latent channels at imageSize / 4 resolution. */
  latentChannels: number;
  /** Encoder convolution widths at 14x14 and 7x7. */
  encoderChannels: [number, number];
  /** Decoder widths: at 7x7, and at 14x14. */
  decoderChannels: [number, number];
  /** Width of the denoiser MLP. */
  denoiserWidth: number;
  /** Residual blocks of the denoiser. */
  denoiserBlocks: number;
  /** Number of noise-level features (sin/cos pairs, so even). */
  timeFeatures: number;
  /** Dimension of the conditioning embedding (the joint encoder's). */
  conditionDim: number;
}

export const DEFAULT_GENERATOR_CONFIG: GeneratorConfig = {
  imageSize: 28,
  channels: 3,
  latentChannels: 4,
  encoderChannels: [16, 32],
  decoderChannels: [48, 32],
  denoiserWidth: 384,
  denoiserBlocks: 3,
  timeFeatures: 32,
  conditionDim: 64,
};

/** Side of the latent grid. */
export function latentSide(config: GeneratorConfig): number {
  if (config.imageSize % 4 !== 0) throw new RangeError(`generator: imageSize ${config.imageSize} must be a multiple of 4`);
  return config.imageSize / 4;
}

/** Length of the flattened latent. */
export function latentDim(config: GeneratorConfig): number {
  const s = latentSide(config);
  return s * s * config.latentChannels;
}

/** Name and shape of every weight, in serialisation order (TF layouts: conv [kh, kw, in, out], dense [in, out]). */
export function generatorWeightShapes(config: GeneratorConfig): [string, number[]][] {
  const { channels: C, latentChannels: L, timeFeatures: T, conditionDim: D, denoiserWidth: W } = config;
  const [e1, e2] = config.encoderChannels;
  const [d1, d2] = config.decoderChannels;
  const Z = latentDim(config);
  const shapes: [string, number[]][] = [
    ['encoder/conv1/kernel', [3, 3, C, e1]],
    ['encoder/conv1/bias', [e1]],
    ['encoder/conv2/kernel', [3, 3, e1, e2]],
    ['encoder/conv2/bias', [e2]],
    ['encoder/out/kernel', [3, 3, e2, L]],
    ['encoder/out/bias', [L]],
    ['decoder/conv1/kernel', [3, 3, L, d1]],
    ['decoder/conv1/bias', [d1]],
    ['decoder/conv2/kernel', [3, 3, d1, d1]],
    ['decoder/conv2/bias', [d1]],
    ['decoder/up1/kernel', [3, 3, d1, 4 * (d1 / 4)]],
    ['decoder/up1/bias', [4 * (d1 / 4)]],
    ['decoder/conv3/kernel', [3, 3, d1 / 4, d2]],
    ['decoder/conv3/bias', [d2]],
    ['decoder/up2/kernel', [3, 3, d2, 4 * C]],
    ['decoder/up2/bias', [4 * C]],
    ['denoiser/in/kernel', [Z + T + D, W]],
    ['denoiser/in/bias', [W]],
  ];
  for (let b = 0; b < config.denoiserBlocks; b++) {
    shapes.push(
      [`denoiser/block${b}/dense1/kernel`, [W, W]],
      [`denoiser/block${b}/dense1/bias`, [W]],
      [`denoiser/block${b}/cond/kernel`, [T + D, W]],
      [`denoiser/block${b}/dense2/kernel`, [W, W]],
      [`denoiser/block${b}/dense2/bias`, [W]],
    );
  }
  shapes.push(['denoiser/out/kernel', [W, Z]], ['denoiser/out/bias', [Z]]);
  return shapes;
}

/** Checks a config's internal consistency; throws naming the field. */
export function checkGeneratorConfig(config: GeneratorConfig): void {
  latentSide(config);
  if (config.decoderChannels[0] % 4 !== 0) throw new RangeError(`generator: decoderChannels[0] (${config.decoderChannels[0]}) must be a multiple of 4 (sub-pixel upsampling)`);
  if (config.timeFeatures % 2 !== 0) throw new RangeError(`generator: timeFeatures (${config.timeFeatures}) must be even`);
}

/**
 * Initial weights: He-normal kernels before ReLU/SiLU, LeCun-normal for linear outputs, zero biases;
 * the last layer of each residual block and the denoiser's output start at a tenth of that scale so
 * the residual stream starts near the identity.
 */
export function initialGeneratorWeights(config: GeneratorConfig, rng: Random): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of generatorWeightShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    if (!name.endsWith('/bias')) {
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const linear = name === 'encoder/out/kernel' || name.endsWith('dense2/kernel') || name === 'denoiser/out/kernel' || name.endsWith('cond/kernel');
      let std = Math.sqrt((linear ? 1 : 2) / fanIn);
      if (name.endsWith('dense2/kernel') || name === 'denoiser/out/kernel') std *= 0.1;
      for (let i = 0; i < n; i++) v[i] = rng.normal() * std;
    }
    out.set(name, v);
  }
  return out;
}

// tfjs variable names are global: number the networks so several can coexist.
let networkCount = 0;

/** Rearranges [B, H, W, r*r*C] into [B, H*r, W*r, C] (depth-to-space, DCR order as tf.depthToSpace). */
export function depthToSpace(x: tf.Tensor4D, r: number): tf.Tensor4D {
  const [B, H, W, RC] = x.shape;
  const C = RC / (r * r);
  return tf.reshape(tf.transpose(tf.reshape(x, [B, H, W, r, r, C]), [0, 1, 3, 2, 4, 5]), [B, H * r, W * r, C]) as tf.Tensor4D;
}

/** x * sigmoid(x). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x)) as T;
}

/**
 * The generator network with its weights held as tfjs variables; used by the trainer (which
 * differentiates through it) and by the tfjs sampling engine.
 */
export class GeneratorNetwork {
  readonly config: GeneratorConfig;
  readonly vars: Map<string, tf.Variable>;

  constructor(config: GeneratorConfig, weights: Map<string, Float32Array>) {
    checkGeneratorConfig(config);
    this.config = config;
    this.vars = new Map();
    networkCount++;
    for (const [name, shape] of generatorWeightShapes(config)) {
      const v = weights.get(name);
      const n = shape.reduce((a, b) => a * b, 1);
      if (!v) throw new Error(`generator: weight "${name}" is missing`);
      if (v.length !== n) throw new Error(`generator: weight "${name}" has ${v.length} values, expected ${n} (shape ${shape.join('x')})`);
      this.vars.set(name, tf.tidy(() => tf.variable(tf.tensor(v, shape, 'float32'), true, `generator-${networkCount}/${name}`)));
    }
  }

  w(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`generator: no weight "${name}"`);
    return v;
  }

  /** Names of the autoencoder's weights and of the denoiser's (they are trained in turn). */
  variableNames(part: 'autoencoder' | 'denoiser'): string[] {
    return [...this.vars.keys()].filter((n) => (part === 'denoiser' ? n.startsWith('denoiser/') : !n.startsWith('denoiser/')));
  }

  private conv(x: tf.Tensor4D, layer: string, stride: number, relu: boolean): tf.Tensor4D {
    const y = tf.add(tf.conv2d(x, this.w(`${layer}/kernel`) as tf.Tensor4D, stride, 'same'), this.w(`${layer}/bias`)) as tf.Tensor4D;
    return relu ? tf.relu(y) : y;
  }

  /** Images [B, S, S, C] in [0, 1] -> raw latents [B, S/4, S/4, L] (before standardisation). */
  encode(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.conv(x, 'encoder/conv1', 2, true);
      h = this.conv(h, 'encoder/conv2', 2, true);
      return this.conv(h, 'encoder/out', 1, false);
    });
  }

  /** Raw latents [B, S/4, S/4, L] -> images [B, S, S, C] in (0, 1). */
  decode(z: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.conv(z, 'decoder/conv1', 1, true);
      h = this.conv(h, 'decoder/conv2', 1, true);
      h = tf.relu(depthToSpace(this.conv(h, 'decoder/up1', 1, false), 2));
      h = this.conv(h, 'decoder/conv3', 1, true);
      return tf.sigmoid(depthToSpace(this.conv(h, 'decoder/up2', 1, false), 2));
    });
  }

  /**
   * Predicted v for noisy standardised latents `zt` [B, Z], noise-level features `t` [B, T] and
   * conditions `c` [B, D] (zero rows = unconditional).
   */
  denoise(zt: tf.Tensor2D, t: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const tc = tf.concat([t, c], 1) as tf.Tensor2D;
      let h = tf.add(dense(tf.concat([zt, tc], 1) as tf.Tensor2D, this.w('denoiser/in/kernel') as tf.Tensor2D), this.w('denoiser/in/bias')) as tf.Tensor2D;
      for (let b = 0; b < this.config.denoiserBlocks; b++) {
        const p = `denoiser/block${b}`;
        const u = tf.add(tf.add(dense(silu(h), this.w(`${p}/dense1/kernel`) as tf.Tensor2D), this.w(`${p}/dense1/bias`)), dense(tc, this.w(`${p}/cond/kernel`) as tf.Tensor2D)) as tf.Tensor2D;
        h = tf.add(h, tf.add(dense(silu(u), this.w(`${p}/dense2/kernel`) as tf.Tensor2D), this.w(`${p}/dense2/bias`))) as tf.Tensor2D;
      }
      return tf.add(dense(silu(h), this.w('denoiser/out/kernel') as tf.Tensor2D), this.w('denoiser/out/bias')) as tf.Tensor2D;
    });
  }

  /** Current weights as Float32Arrays, in serialisation order. */
  readWeights(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name] of generatorWeightShapes(this.config)) out.set(name, Float32Array.from(this.w(name).dataSync() as Float32Array));
    return out;
  }

  /** Overwrites weights (e.g. with their exponential moving average). */
  assignWeights(weights: Map<string, Float32Array>): void {
    for (const [name, v] of weights) {
      const w = this.w(name);
      const t = tf.tensor(v, w.shape, 'float32');
      w.assign(t);
      t.dispose();
    }
  }

  /** Releases every variable. */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
