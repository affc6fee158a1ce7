import { strict as assert } from 'node:assert';
import { alphaSigma, ddimStep, ddimTimes, guide, timeFeatures, T_MAX } from '../../src/generate/diffusion';
import { encoderSpaceDirection, slerp } from '../../src/generate/conditioning';
import { Preprocessor } from '../../src/directions/preprocess';
import { Random } from '../../src/util/random';

describe('generate: diffusion maths', () => {
  it('the schedule preserves variance and runs from signal to noise', () => {
    for (const t of [0, 0.1, 0.5, 0.9, T_MAX]) {
      const { alpha, sigma } = alphaSigma(t);
      assert.ok(Math.abs(alpha * alpha + sigma * sigma - 1) < 1e-12);
    }
    assert.deepEqual(alphaSigma(0), { alpha: 1, sigma: 0 });
    assert.ok(alphaSigma(T_MAX).alpha < 0.01);
    const ts = ddimTimes(4);
    assert.equal(ts.length, 5);
    assert.equal(ts[0], T_MAX);
    assert.equal(ts[4], 0);
    for (let i = 1; i < ts.length; i++) assert.ok(ts[i] < ts[i - 1]);
  });

  it('a DDIM step with the exact v lands on the clean latent at t = 0 and on the same noise path in between', () => {
    const rng = new Random(1);
    const x0 = Float32Array.from({ length: 64 }, () => rng.normal());
    const eps = Float32Array.from({ length: 64 }, () => rng.normal());
    const at = (t: number) => {
      const { alpha, sigma } = alphaSigma(t);
      return { z: Float32Array.from(x0, (x, i) => alpha * x + sigma * eps[i]), v: Float32Array.from(x0, (x, i) => alpha * eps[i] - sigma * x) };
    };
    const { z, v } = at(0.7);
    const z1 = Float32Array.from(z);
    ddimStep(z1, v, 0.7, 0.3);
    const want = at(0.3).z;
    for (let i = 0; i < 64; i++) assert.ok(Math.abs(z1[i] - want[i]) < 1e-5, `component ${i}: ${z1[i]} vs ${want[i]}`);
    ddimStep(z, v, 0.7, 0);
    for (let i = 0; i < 64; i++) assert.ok(Math.abs(z[i] - x0[i]) < 1e-5);
    // Clipping bounds the clean estimate.
    const big = Float32Array.from([100]);
    ddimStep(big, Float32Array.from([0]), 0.5, 0, 3);
    assert.equal(big[0], 3);
  });

  it('guidance interpolates (w = 0 unconditional, 1 conditional) and extrapolates beyond', () => {
    const u = Float32Array.from([1, 2]);
    for (const [w, want] of [[0, [1, 2]], [1, [3, 0]], [2, [5, -2]]] as const) {
      const c = Float32Array.from([3, 0]);
      guide(c, u, w);
      assert.deepEqual(Array.from(c), want);
    }
  });

  it('time features are bounded sin/cos pairs that separate nearby times', () => {
    const a = new Float32Array(32);
    const b = new Float32Array(32);
    timeFeatures(0.5, 32, a, 0);
    timeFeatures(0.51, 32, b, 0);
    for (let i = 0; i < 16; i++) assert.ok(Math.abs(a[i] ** 2 + a[16 + i] ** 2 - 1) < 1e-6);
    assert.ok(Math.hypot(...a.map((x, i) => x - b[i])) > 0.1);
  });

  it('slerp stays on the unit sphere, hits both ends and moves monotonically', () => {
    const rng = new Random(2);
    const a = Float32Array.from({ length: 16 }, () => rng.normal());
    const b = Float32Array.from({ length: 16 }, () => rng.normal());
    const na = Math.hypot(...a);
    const nb = Math.hypot(...b);
    let prev = -Infinity;
    for (const t of [0, 0.1, 0.25, 0.5, 0.75, 1]) {
      const s = slerp(a, b, t);
      assert.ok(Math.abs(Math.hypot(...s) - 1) < 1e-6);
      const cos = s.reduce((acc, x, j) => acc + (x * b[j]) / nb, 0);
      assert.ok(cos > prev - 1e-9, 'moves towards b');
      prev = cos;
      if (t === 0) for (let j = 0; j < 16; j++) assert.ok(Math.abs(s[j] - a[j] / na) < 1e-6);
      if (t === 1) for (let j = 0; j < 16; j++) assert.ok(Math.abs(s[j] - b[j] / nb) < 1e-6);
    }
    // The midpoint of orthogonal unit vectors.
    const m = slerp([1, 0], [0, 1], 0.5);
    assert.ok(Math.abs(m[0] - Math.SQRT1_2) < 1e-6 && Math.abs(m[1] - Math.SQRT1_2) < 1e-6);
    assert.throws(() => slerp([1, 0], [0, 1, 0], 0.5), /length 2 and 3/);
    assert.throws(() => slerp([1, 0], [0, 1], 1.5), /t must be in \[0, 1\]/);
  });

  it('maps a direction back through the whitening: feature-wise times the train std, unit norm', () => {
    const rng = new Random(3);
    const train = { data: Float32Array.from({ length: 200 * 3 }, (_, k) => rng.normal() * [1, 4, 0.5][k % 3]), rows: 200, cols: 3 };
    const pre = new Preprocessor().fit(train);
    const w = Float32Array.from([0.6, 0.0, 0.8]);
    const fake = { direction: () => w, preprocessor_: pre };
    const v = encoderSpaceDirection(fake, 0);
    const want = [0.6 * pre.std_![0], 0, 0.8 * pre.std_![2]];
    const n = Math.hypot(...want);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(v[j] - want[j] / n) < 1e-6);
    // Without whitening the direction is only normalised.
    const plain = encoderSpaceDirection({ direction: () => Float32Array.from([3, 4, 0]), preprocessor_: new Preprocessor({ whiten: false }) }, 0);
    assert.deepEqual(Array.from(plain, (x) => +x.toFixed(6)), [0.6, 0.8, 0]);
  });
});
