import { strict as assert } from 'node:assert';
import { Random } from '../../src/util/random';
import { LinearSVC } from '../../src/svm';
import { simdKernel } from '../../src/svm/simd-kernel';
import { loadFixture, matrix, maxRelErr, u8 } from './fixtures';

function withoutSimd<T>(f: () => T): T {
  const prev = process.env.FD_NO_SIMD;
  process.env.FD_NO_SIMD = '1';
  try {
    return f();
  } finally {
    if (prev === undefined) delete process.env.FD_NO_SIMD;
    else process.env.FD_NO_SIMD = prev;
  }
}

describe('wasm SIMD kernel', () => {
  const k = simdKernel();
  before(function () {
    if (!k) this.skip(); // runtime without wasm SIMD, or FD_NO_SIMD=1: the JS path is what runs
  });

  it('dot and axpy match plain Float64 loops for every tail length', () => {
    const rng = new Random(5);
    for (const cols of [1, 3, 4, 7, 8, 9, 15, 16, 17, 100, 513]) {
      const rows = 5;
      const x = Float32Array.from({ length: rows * cols }, () => rng.normal());
      const w = Float64Array.from({ length: cols + 1 }, () => rng.normal());
      k!.load(x, cols + 1);
      k!.weights().set(w);
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += w[j] * x[i * cols + j];
        assert.ok(Math.abs(k!.dot(k!.xOff + i * cols * 4, 0, cols) - s) <= 1e-12 * (1 + Math.abs(s)), `dot, cols=${cols}`);
        k!.axpy(-0.25, k!.xOff + i * cols * 4, 0, cols);
        for (let j = 0; j < cols; j++) w[j] += -0.25 * x[i * cols + j];
      }
      const kw = k!.weights();
      for (let j = 0; j < cols; j++) assert.equal(kw[j], w[j], `axpy, cols=${cols}, j=${j}`);
      assert.equal(kw[cols], w[cols], 'axpy leaves the next weight alone');
    }
  });

  it('reloads when a different matrix is passed', () => {
    const a = new Float32Array([1, 2, 3]), b = new Float32Array([4, 5, 6]);
    k!.load(a, 4);
    k!.weights().set([1, 1, 1]);
    assert.equal(k!.dot(k!.xOff, 0, 3), 6);
    k!.load(b, 4);
    k!.weights().set([1, 1, 1]);
    assert.equal(k!.dot(k!.xOff, 0, 3), 15);
  });

  it('fits agree with the JavaScript loops', () => {
    const fx = loadFixture('linear-svc.json');
    const X = matrix(fx.X, fx.rows, fx.cols), y = u8(fx.y);
    for (const regularizeIntercept of [true, false]) {
      const params = { C: 0.5, classWeight: 'balanced' as const, tol: 1e-8, maxIter: 100000, regularizeIntercept };
      const a = new LinearSVC(params).fit(X, y);
      const b = withoutSimd(() => new LinearSVC(params).fit(X, y));
      assert.ok(maxRelErr(a.decisionFunction(X), b.decisionFunction(X)) < 1e-8);
    }
  });
});

describe('free intercept in the degenerate regime', () => {
  it('every alpha at its bound: the intercept is the lower end of the optimal interval (libsvm\'s usual outcome)', () => {
    const fx = loadFixture('linear-svc.json');
    const X = matrix(fx.X, fx.rows, fx.cols), y = u8(fx.y);
    const svm = new LinearSVC({ C: 1e-6, classWeight: 'balanced', regularizeIntercept: false }).fit(X, y);
    assert.ok(svm.alpha_!.every((a, i) => a === 1e-6 * svm.classWeight_![y[i]]));
    const f = svm.decisionFunction(X);
    // b = -1 - min over label-0 rows of w'x: every row lands on the "0" side.
    assert.ok(f.every((v) => v <= 0));
    let minNeg = Infinity;
    f.forEach((v, i) => { if (y[i] === 0) minNeg = Math.min(minNeg, v - svm.intercept_!); });
    assert.ok(Math.abs(svm.intercept_! - (-1 - minNeg)) < 1e-12);
  });
});
