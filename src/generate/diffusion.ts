/**
 * The diffusion process of the shipped generator, in continuous time t in [0, 1]:
 *
 *   z_t = alpha(t) z_0 + sigma(t) eps,   alpha = cos(pi t / 2), sigma = sin(pi t / 2)   (variance preserving,
 *   the cosine schedule of Nichol & Dhariwal 2021 without the offset), eps ~ N(0, I).
 *
 * The network predicts v = alpha eps - sigma z_0 (Salimans & Ho 2022, "Progressive Distillation"),
 * from which z_0 = alpha z_t - sigma v and eps = sigma z_t + alpha v. Sampling is DDIM with eta = 0
 * (Song, Meng & Ermon 2021): deterministic given the initial noise, so the seeded noise stream fixes
 * every image. Classifier-free guidance (Ho & Salimans 2022) mixes conditional and unconditional
 * predictions: v = v_u + w (v_c - v_u).
 *
 * Pure numeric code (no tfjs): shared by the trainer, the tfjs engine and the ONNX Runtime engine.
 */

/** Noise level at time t: signal and noise scales, alpha^2 + sigma^2 = 1. */
export function alphaSigma(t: number): { alpha: number; sigma: number } {
  const a = (Math.PI / 2) * t;
  return { alpha: Math.cos(a), sigma: Math.sin(a) };
}

/** Largest time used: at t = 1 the signal is exactly 0, which v-prediction handles, but keep a margin for DDIM's first step. */
export const T_MAX = 0.999;

/**
 * Noise-level features of time t written into `out` at `offset`: `k` sin/cos pairs of log-spaced
 * frequencies 1..1000 of t (a Transformer-style embedding of a continuous time).
 */
export function timeFeatures(t: number, k: number, out: Float32Array, offset: number): void {
  const half = k / 2;
  for (let i = 0; i < half; i++) {
    const freq = Math.exp((Math.log(1000) * i) / Math.max(1, half - 1));
    const a = t * freq;
    out[offset + i] = Math.sin(a);
    out[offset + half + i] = Math.cos(a);
  }
}

/** The DDIM time grid: `steps + 1` times from T_MAX down to 0, evenly spaced. */
export function ddimTimes(steps: number): Float64Array {
  const out = new Float64Array(steps + 1);
  for (let i = 0; i <= steps; i++) out[i] = T_MAX * (1 - i / steps);
  return out;
}

/**
 * One DDIM step in place: from z at time t (noisy latents, n x d) with the guided prediction v, to
 * time `tNext`. Returns nothing; `z` holds z_{tNext} afterwards (z_0 when tNext = 0).
 * `clip` bounds the z_0 estimate (latents are standardised, so a few units is generous).
 */
export function ddimStep(z: Float32Array, v: Float32Array, t: number, tNext: number, clip = Infinity): void {
  const { alpha, sigma } = alphaSigma(t);
  const { alpha: a2, sigma: s2 } = alphaSigma(tNext);
  for (let i = 0; i < z.length; i++) {
    const zi = z[i];
    const vi = v[i];
    let x0 = alpha * zi - sigma * vi;
    if (x0 > clip) x0 = clip;
    else if (x0 < -clip) x0 = -clip;
    const eps = sigma * zi + alpha * vi;
    z[i] = a2 * x0 + s2 * eps;
  }
}

/**
 * Classifier-free guidance in place: `cond` becomes `uncond + w (cond - uncond)`.
 */
export function guide(cond: Float32Array, uncond: Float32Array, w: number): void {
  for (let i = 0; i < cond.length; i++) cond[i] = uncond[i] + w * (cond[i] - uncond[i]);
}
