import { strict as assert } from 'node:assert';
import { onnxRuntimeStatus } from '../../src/model';
import { embed } from '../../src/embed';
import { onnxEncoder, onnxTensors } from '../../src/embed/onnx-encoder';
import { fixture, fixtureImages, npy, relError } from '../model/onnx-fixtures';

describe('embed: onnxEncoder on a torchvision MobileNetV3 exported from PyTorch', function () {
  before(function () {
    if (!onnxRuntimeStatus().available) this.skip();
  });

  it('embeds the penultimate tensor by default, equal to PyTorch on 64 real images (<= 1e-4 relative)', async () => {
    const split = fixtureImages('gray');
    const enc = await onnxEncoder(fixture('mobilenet.onnx'), { preset: 'imagenet', threads: 1 });
    assert.equal(enc.tensor, '/classifier/classifier.1/HardSwish_output_0');
    assert.equal(enc.dim, 512);
    const ref = npy('mobilenet-penultimate.npy');
    const z = await enc.embedImages(split, { batchSize: 17 });
    assert.deepEqual([z.rows, z.cols], ref.shape);
    const err = relError(z.data, ref.data, 512);
    assert.ok(err <= 1e-4, `penultimate relative error ${err}`);
    const cached = await embed(enc, split, { cache: false });
    assert.deepEqual(Array.from(cached.data.slice(0, 50)), Array.from(z.data.slice(0, 50)));
    await enc.dispose();
  });

  it('embeds a named intermediate feature map with global average pooling, equal to PyTorch avgpool', async () => {
    const split = fixtureImages('gray', 20);
    const name = '/features/features.12/features.12.2/HardSwish_output_0';
    const enc = await onnxEncoder(fixture('mobilenet.onnx'), { preset: 'imagenet', tensor: name, threads: 1 });
    assert.deepEqual(enc.tensorShape, [2, 288, 7, 7]);
    assert.equal(enc.pool, 'avg');
    const ref = npy('mobilenet-pooled.npy');
    const z = await enc.embedImages(split);
    const err = relError(z.data, Float32Array.from(ref.data).subarray(0, 20 * 288), 288);
    assert.ok(err <= 1e-4, `pooled relative error ${err}`);
    const flat = await onnxEncoder(fixture('mobilenet.onnx'), { preset: 'imagenet', tensor: name, pool: 'flatten', threads: 1 });
    assert.equal(flat.dim, 288 * 49);
    const zf = await flat.embedImages(fixtureImages('gray', 2));
    // flatten is C-order (channel-major): channel 1's mean over its 49 values is the pooled value
    let m = 0;
    for (let q = 0; q < 49; q++) m += zf.data[49 + q] / 49;
    assert.ok(Math.abs(m - z.data[1]) < 1e-5);
    await enc.dispose();
    await flat.dispose();
  });

  it('lists candidate tensors with shapes and marks the penultimate one', async () => {
    const t = await onnxTensors(fixture('mobilenet.onnx'), { preset: 'imagenet' });
    const rows = t.objects() as Array<{ name: string; op: string; shape: string; features: number; pooled: number; penultimate: boolean }>;
    const pen = rows.filter((r) => r.penultimate);
    assert.deepEqual(pen.map((r) => [r.name, r.op, r.shape]), [['/classifier/classifier.1/HardSwish_output_0', 'HardSwish', '[2, 512]']]);
    const last = rows[rows.length - 1];
    assert.deepEqual([last.name, last.shape], ['logits', '[2, 10]']);
    const fm = rows.find((r) => r.name === '/features/features.12/features.12.2/HardSwish_output_0')!;
    assert.deepEqual([fm.shape, fm.features, fm.pooled], ['[2, 288, 7, 7]', 288 * 49, 288]);
    assert.ok(rows.length > 100, `${rows.length} candidates`);
  });

  it('names the file and lists valid tensors for an unknown tensor; rejects a pooling that does not fit', async () => {
    await assert.rejects(onnxEncoder(fixture('mobilenet.onnx'), { preset: 'imagenet', tensor: 'fc7' }), (e: Error) =>
      /mobilenet\.onnx has no tensor 'fc7'\. 123 tensors can be embedded; the 40 nearest the output: .*\/classifier\/classifier\.1\/HardSwish_output_0, logits; fd\.onnxTensors\(file\) lists them all/s.test(e.message),
    );
    await assert.rejects(onnxEncoder(fixture('mobilenet.onnx'), { preset: 'imagenet', tensor: '/Flatten_output_0', pool: 'cls' }), /pool 'cls' does not apply to tensor '\/Flatten_output_0' of shape \[2, 288\]/);
  });
});
