import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnxRuntimeStatus, predict, predictArrays } from '../../src/model';
import { imageTransform, transformImages, transformPixels } from '../../src/model/image-transform';
import { onnxClassifier } from '../../src/model/onnx-image-model';
import { argmax, fixture, fixtureImages, npy, relError } from './onnx-fixtures';

describe('model: preprocessing equals torchvision transforms (fixtures from PyTorch)', () => {
  const cases: Array<[string, 'gray' | 'rgb', number, Parameters<typeof imageTransform>[0], number]> = [
    ['pre-imagenet-gray.npy', 'gray', 8, { resize: 256, crop: 224, interpolation: 'bilinear', channels: 1 }, 0],
    ['pre-clip-gray.npy', 'gray', 12, { resize: 224, crop: 224, interpolation: 'bicubic', channels: 1 }, 8],
    ['pre-clip-rgb.npy', 'rgb', 4, { preset: 'clip' }, 0],
    ['pre-small-rgb.npy', 'rgb', 8, { resize: 64, crop: 56, interpolation: 'bilinear' }, 0],
    ['pre-odd-rgb.npy', 'rgb', 8, { resize: [50, 61], crop: [45, 70], interpolation: 'nearest' }, 0],
    ['pre-gray-from-rgb.npy', 'rgb', 8, { resize: 33, interpolation: 'bicubic', channels: 1 }, 0],
  ];
  for (const [file, which, end, opts, start] of cases) {
    it(`${file}: ${JSON.stringify(opts)} within one grey level (1/255) of torchvision`, async () => {
      const ref = npy(file);
      const split = fixtureImages(which, end);
      const t = imageTransform(opts);
      const px = await transformPixels(split, start, end, t);
      assert.deepEqual([end - start, px.height, px.width], ref.shape.slice(0, 3));
      let worst = 0;
      for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(px.data[i] - ref.data[i]));
      assert.ok(worst <= 1, `max difference ${worst} grey levels`);
    });
  }

  it("Pillow's box, hamming and lanczos filters (PIL.Image.resize) bit for bit", async () => {
    const ref = npy('pre-filters-rgb.npy'); // [filter, image, 40, 50, 3]
    const split = fixtureImages('rgb', 2);
    let k = 0;
    for (const interpolation of ['box', 'hamming', 'lanczos'] as const) {
      const px = await transformPixels(split, 0, 2, imageTransform({ resize: [40, 50], interpolation }));
      for (let i = 0; i < px.data.length; i++, k++) assert.equal(px.data[i], ref.data[k], `${interpolation} value ${i}`);
    }
  });

  it('normalises as ToTensor + Normalize, replicates gray to RGB, and lays out NCHW or NHWC', async () => {
    const split = fixtureImages('gray', 2);
    const t = imageTransform({ preset: 'imagenet' });
    const x = await transformImages(split, 0, 2, t);
    assert.deepEqual(x.dims, [2, 3, 224, 224]);
    const px = await transformPixels(split, 0, 2, t);
    const plane = 224 * 224;
    for (const q of [0, 5000, 30000]) {
      for (let c = 0; c < 3; c++) assert.equal(x.data[plane * 3 + c * plane + q], Math.fround((Math.fround(px.data[(plane + q) * 3 + c] / 255) - Math.fround(t.mean[c])) / Math.fround(t.std[c])));
    }
    const y = await transformImages(split, 0, 2, imageTransform({ preset: 'imagenet', layout: 'nhwc', channelOrder: 'bgr' }));
    assert.deepEqual(y.dims, [2, 224, 224, 3]);
    assert.ok(Math.abs(y.data[3 * 77 + 0] - (px.data[77 * 3 + 2] / 255 - 0.485) / 0.229) < 1e-6, 'bgr uses the mean/std given for the model channel');
  });

  it('rejects bad options with messages that name them', () => {
    assert.throws(() => imageTransform({ preset: 'vgg' as never }), /unknown preset 'vgg'/);
    assert.throws(() => imageTransform({ interpolation: 'cubic' as never }), /unknown interpolation 'cubic'/);
    assert.throws(() => imageTransform({ mean: [0.5, 0.5] }), /mean has 2 values but the model takes 3/);
    assert.throws(() => imageTransform({ std: [1, 0, 1] }), /std must not contain 0/);
    assert.throws(() => imageTransform({ crop: -3 }), /crop must be a positive integer/);
    assert.throws(() => imageTransform({ resampler: 'sharp', interpolation: 'box' }), /sharp has no 'box'/);
  });
});

describe('model: onnxClassifier on a torchvision MobileNetV3 exported from PyTorch', function () {
  before(function () {
    if (!onnxRuntimeStatus().available) this.skip();
  });

  it('predicts the same classes as PyTorch on 64 real images (dynamic batch), as the usual predictions table', async () => {
    const split = fixtureImages('gray');
    const clf = await onnxClassifier(fixture('mobilenet.onnx'), { preset: 'imagenet', threads: 1 });
    assert.deepEqual(clf.input, { name: 'input', dtype: 'float32', layout: 'nchw', channels: 3, height: 224, width: 224 });
    const logits = npy('mobilenet-logits.npy');
    const scores = await clf.scores(split, { batchSize: 23 });
    const err = relError(scores.data, logits.data, 10);
    assert.ok(err <= 1e-4, `logits relative error ${err}`);
    assert.deepEqual(argmax(scores.data, 10), argmax(logits.data, 10));
    const r = await predictArrays(clf, split);
    assert.deepEqual(Array.from(r.pred), argmax(logits.data, 10));
    const t = await predict(clf, split, { batchSize: 64 });
    assert.deepEqual(t.columnNames(), ['id', 'split', 'label', 'className', 'pred', 'predName', 'correct', 'confidence']);
    assert.deepEqual(Array.from(t.array('pred') as ArrayLike<number>), argmax(logits.data, 10));
    const c0 = (t.array('confidence') as ArrayLike<number>)[0];
    assert.ok(c0 > 0 && c0 < 1);
    await clf.dispose();
  });

  it('runs a uint8 NHWC model (our own tfjs export) with the same predictions as tfjs', async () => {
    const tf = await import('@tensorflow/tfjs');
    const { ensureBackend } = await import('../../src/model/backend');
    const { exportOnnx } = await import('../../src/model/onnx/export');
    await ensureBackend();
    const m = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, strides: 2, activation: 'relu' }), tf.layers.flatten(), tf.layers.dense({ units: 10, name: 'out' })] });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-onnx-u8-'));
    const file = path.join(tmp, 'tfjs.onnx');
    fs.writeFileSync(file, exportOnnx(m, { layer: 'out', scale: 1 / 255, offset: 0 }));
    const clf = await onnxClassifier(file, { threads: 1 });
    assert.deepEqual(clf.input, { name: 'pixels', dtype: 'uint8', layout: 'nhwc', channels: 1, height: 28, width: 28 });
    const split = fixtureImages('gray', 16);
    const a = await predictArrays(clf, split);
    const b = await predictArrays(m, split, { runtime: 'tfjs' });
    assert.deepEqual(Array.from(a.pred), Array.from(b.pred));
    assert.ok(relError(a.probs.data, b.probs.data, 10) < 1e-4);
    await clf.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('names the file and the problem for bad input', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-onnx-'));
    const notOnnx = path.join(tmp, 'model.onnx');
    fs.writeFileSync(notOnnx, 'this is not a model\n');
    await assert.rejects(onnxClassifier(notOnnx), (e: Error) => e.message.includes(notOnnx) && /is not an ONNX model/.test(e.message));
    const zip = path.join(tmp, 'model.pt');
    fs.writeFileSync(zip, Buffer.from('PK\x03\x04 pytorch checkpoint'));
    await assert.rejects(onnxClassifier(zip), /model\.pt is not an ONNX model.*PyTorch checkpoint.*torch\.onnx\.export/s);
    await assert.rejects(onnxClassifier(path.join(tmp, 'missing.onnx')), /missing\.onnx not found/);
    await assert.rejects(onnxClassifier(fixture('mobilenet.onnx'), { output: 'features' }), /has no output 'features' \(outputs: logits\)/);
    await assert.rejects(onnxClassifier(fixture('clip-tiny/textual.onnx')), /textual\.onnx takes 'input_ids' as int64 \[batch, 16\]; image models must take float32 or uint8 pixels/);
    const clf = await onnxClassifier(fixture('mobilenet.onnx'), { resize: 64, threads: 1 });
    await assert.rejects(predict(clf, fixtureImages('gray', 4)), /mobilenet\.onnx takes 224x224 images .* but the preprocessing makes 64x64 from the 28x28 images of gray/);
    await clf.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
