import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { backendName, backendReport, ensureBackend } from '../../src/model';
import { setConvChunkFloats } from '../../src/model/wasm/conv2d-backprop';
import { preferSwapped } from '../../src/model/wasm/matmul';

/** Runs `f` on the cpu backend and on wasm and returns the max relative difference of all outputs. */
async function cpuVsWasm(f: () => tf.Tensor[]): Promise<number> {
  await tf.setBackend('cpu');
  const ref = tf.tidy(f).map((t) => t.dataSync().slice());
  await tf.setBackend('wasm');
  const outs = tf.tidy(f);
  const got = outs.map((t) => t.dataSync().slice());
  tf.dispose(outs);
  assert.equal(got.length, ref.length);
  let err = 0;
  ref.forEach((r, i) => {
    assert.equal(got[i].length, r.length, `output ${i} length`);
    r.forEach((v, j) => (err = Math.max(err, Math.abs(v - got[i][j]) / (1 + Math.abs(v)))));
  });
  return err;
}

const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

describe('model: backend', function () {
  before(async () => {
    await ensureBackend();
  });
  after(async () => {
    await tf.setBackend('wasm');
  });

  it('chooses wasm here (tfjs-node is not installed), idempotently, and reports why', async () => {
    const p1 = ensureBackend();
    const p2 = ensureBackend();
    assert.equal(p1, p2);
    assert.equal(await p1, 'wasm');
    assert.equal(backendName(), 'wasm');
    const r = backendReport();
    assert.match(r.skipped.join('\n'), /tfjs-node-gpu: not loadable/);
    assert.match(r.detail, /wasm/);
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
    assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'));
  });

  it('rejects an unknown forced backend by name', async () => {
    const prev = process.env.FD_BACKEND;
    process.env.FD_BACKEND = 'gpu-please';
    try {
      await assert.rejects(ensureBackend(), /unknown backend "gpu-please" \(FD_BACKEND or prefer\)/);
    } finally {
      if (prev === undefined) delete process.env.FD_BACKEND;
      else process.env.FD_BACKEND = prev;
    }
  });

  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      it(`conv2d gradients match cpu: stride ${stride}, ${pad} padding`, async () => {
        for (const [k, ci, co, h, w] of [[3, 2, 4, 7, 7], [5, 3, 6, 9, 8], [1, 2, 3, 5, 5], [4, 1, 2, 8, 6]]) {
          const err = await cpuVsWasm(() => {
            const x = rnd([3, h, w, ci], 1);
            const f = rnd([k, k, ci, co], 2);
            const y = tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, pad);
            const dy = rnd(y.shape, 3);
            return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), dy)))([x, f]);
          });
          assert.ok(err < 1e-5, `kernel ${k} ${ci}->${co} on ${h}x${w}: max rel err ${err}`);
        }
      });
      it(`depthwise conv gradients match cpu: stride ${stride}, ${pad} padding`, async () => {
        const err = await cpuVsWasm(() => {
          const x = rnd([2, 8, 7, 3], 1);
          const f = rnd([3, 3, 3, 2], 2);
          const y = tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, pad);
          const dy = rnd(y.shape, 3);
          return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), dy)))([x, f]);
        });
        assert.ok(err < 1e-5, `max rel err ${err}`);
      });
    }
  }

  it('conv2d gradients are unchanged when the work is split into chunks', async () => {
    const prev = setConvChunkFloats(500);
    try {
      const err = await cpuVsWasm(() => {
        const x = rnd([5, 9, 9, 2], 1);
        const f = rnd([3, 3, 2, 4], 2);
        const dy = rnd([5, 5, 5, 4], 3);
        return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), dy)))([x, f]);
      });
      assert.ok(err < 1e-5, `max rel err ${err}`);
    } finally {
      setConvChunkFloats(prev);
    }
  });

  it('gather gradients (UnsortedSegmentSum) match cpu, including repeated ids and an embedding table', async () => {
    const err = await cpuVsWasm(() => {
      const table = rnd([10, 4], 1);
      const idx = tf.tensor2d([[1, 3, 3], [9, 0, 3]], [2, 3], 'int32');
      const w = rnd([2, 3, 4], 3);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), w)))(table);
      const seg = tf.unsortedSegmentSum(rnd([6, 2], 4), tf.tensor1d([0, 2, 2, 1, 0, 2], 'int32'), 4);
      return [g, seg];
    });
    assert.ok(err < 1e-6, `max rel err ${err}`);
  });

  it('matMul with transposes and batches matches cpu (fast-path wrappers)', async () => {
    assert.equal(preferSwapped(4, 3, 20, false, true), true);
    assert.equal(preferSwapped(1568, 128, 128, true, false), false);
    const err = await cpuVsWasm(() => {
      const a = rnd([5, 7], 1);
      const b = rnd([6, 7], 2);
      const a3 = rnd([3, 5, 7], 3);
      const b3 = rnd([3, 7, 2], 4);
      const bias = rnd([6], 5);
      return [
        tf.matMul(a, b, false, true),
        tf.matMul(tf.transpose(a), tf.transpose(b), true, false),
        tf.matMul(tf.transpose(a), b, true, true),
        tf.matMul(a3, b3),
        tf.matMul(a3, rnd([7, 2], 6)),
        tf.matMul(a3, tf.transpose(b3, [0, 2, 1]), false, true),
        tf.matMul(rnd([4, 3], 7), rnd([20, 3], 8), false, true), // dense-layer input gradient: swapped orientation
        tf.fused.matMul({ a, b, transposeB: true, bias, activation: 'relu' }),
        tf.fused.matMul({ a: tf.transpose(a), b, transposeA: true, transposeB: true, bias }),
        ...tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.relu(tf.matMul(p, q, false, true))))([a, b]),
      ];
    });
    assert.ok(err < 1e-5, `max rel err ${err}`);
  });

  it('a small CNN + dense training gradient matches cpu end to end', async () => {
    const err = await cpuVsWasm(() => {
      const x = tf.randomUniform([4, 12, 12, 3], 0, 1, 'float32', 7);
      const w1 = rnd([5, 5, 3, 4], 1).mul(0.2);
      const w2 = rnd([3, 3, 4, 8], 2).mul(0.2);
      const wd = rnd([3 * 3 * 8, 5], 3).mul(0.2);
      const labels = tf.oneHot(tf.tensor1d([0, 1, 4, 2], 'int32'), 5);
      const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        const h1 = tf.relu(tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 2, 'same'));
        const h2 = tf.relu(tf.conv2d(h1, b as tf.Tensor4D, 2, 'same'));
        const logits = tf.matMul(tf.reshape(h2, [4, -1]), c);
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      };
      return tf.grads(loss)([w1, w2, wd]);
    });
    assert.ok(err < 1e-5, `max rel err ${err}`);
  });

  it('does not leak tensors in the added kernels', async () => {
    const x = rnd([2, 6, 6, 2], 1);
    const f = rnd([3, 3, 2, 3], 2);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = [tf.memory().numTensors, backend.numDataIds()];
    for (let i = 0; i < 3; i++) {
      tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, f]));
      tf.tidy(() => {
        tf.matMul(x.reshape([24, 6]), x.reshape([24, 6]), true, false);
        tf.matMul(x.reshape([2, 12, 6]), x.reshape([2, 12, 6]), true, false);
        tf.unsortedSegmentSum(x.reshape([24, 6]), tf.zeros([24], 'int32'), 2);
      });
    }
    assert.deepEqual([tf.memory().numTensors, backend.numDataIds()], before);
    tf.dispose([x, f]);
  });
});
