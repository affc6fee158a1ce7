import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { COLOURS } from '../../src/embed/caption-templates';
import { jointEncoder } from '../../src/embed/joint-encoder';
import { zeroShotClassify } from '../../src/embed/zero-shot';
import { defaultGeneratorDir, readImageGeneratorFiles } from '../../src/generate/generator-files';
import { imageGenerator, type LoadedImageGenerator } from '../../src/generate/image-generator';
import { decoderOnnx, denoiserOnnx, OnnxEngine, TfjsEngine } from '../../src/generate/sampling-engine';
import { GeneratorNetwork, latentDim } from '../../src/generate/generator-model';
import { ensureBackend } from '../../src/model/backend';
import { onnxRuntimeStatus } from '../../src/model/onnx/runtime';
import { setProgressSink } from '../../src/util/progress';
import { Random } from '../../src/util/random';
import { measureTints } from '../../bench/generator/judge';

describe('generate: the shipped image generator', function () {
  this.timeout(300000);
  let gen: LoadedImageGenerator;
  before(async () => {
    setProgressSink(null);
    await ensureBackend();
    gen = await imageGenerator();
  });

  it('loads offline from data/generator, conditioned on the shipped joint encoder, and is shared', async () => {
    const { manifest } = readImageGeneratorFiles(defaultGeneratorDir());
    assert.match(gen.name, /^image-generator@[0-9a-f]{12}$/);
    assert.equal(gen.manifest.weightsSha256, manifest.weightsSha256);
    const enc = await jointEncoder();
    assert.equal(gen.conditioning.encoder, enc.name);
    assert.equal(gen.conditioning.dim, enc.dim);
    assert.equal(gen.encoder, enc);
    assert.equal(await imageGenerator(), gen, 'repeated calls share one instance');
    assert.deepEqual([gen.height, gen.width, gen.channels], [28, 28, 3]);
    const bytes = fs.statSync(path.join(defaultGeneratorDir(), manifest.weightsFile)).size;
    assert.ok(bytes < 8 * 1024 * 1024, `shipped weights are ${bytes} bytes`);
    assert.equal(gen.engine, onnxRuntimeStatus().available ? 'onnxruntime' : 'tfjs');
  });

  it('returns an ImageDataset, condition-major, labelled and described as asked', async () => {
    const ds = await gen.generate(['a photo of a sneaker', 'a photo of a red seven'], { n: 3, seed: 4, steps: 8 });
    assert.equal(ds.labels.length, 6);
    assert.equal(ds.images.length, 6 * 28 * 28 * 3);
    assert.deepEqual(Array.from(ds.labels), [0, 0, 0, 1, 1, 1]);
    assert.deepEqual(ds.classNames, ['a photo of a sneaker', 'a photo of a red seven']);
    assert.deepEqual(ds.ids.slice(0, 4), ['generated:4:0:0', 'generated:4:0:1', 'generated:4:0:2', 'generated:4:1:0']);
    assert.equal(ds.groups![3], 'a photo of a red seven');
    const labelled = await gen.generate(['a photo of a sneaker', 'a photo of a boot'], { n: 1, steps: 4, labels: 7, classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'footwear'], groups: ['x', 'y'] });
    assert.deepEqual(Array.from(labelled.labels), [7, 7]);
    assert.deepEqual(labelled.groups, ['x', 'y']);
    assert.equal(labelled.classNames[7], 'footwear');
    // One embedding as a plain array is one condition.
    const enc = await jointEncoder();
    const t = await enc.embedTexts(['a photo of a bag']);
    const fromEmb = await gen.generate(Array.from(t.data), { n: 2, steps: 4 });
    assert.equal(fromEmb.labels.length, 2);
    assert.equal(fromEmb.groups![0], 'embedding 0');
    // An embedding of a caption generates what the caption does.
    const fromText = await gen.generate('a photo of a bag', { n: 2, steps: 4 });
    assert.deepEqual(fromEmb.images, fromText.images);
  });

  it('is deterministic for a seed; image j of every condition shares its noise, so a larger n extends a smaller one', async () => {
    const before = tf.memory().numTensors;
    const a = await gen.generate(['a photo of a dress', 'a photo of a blue two'], { n: 2, seed: 11, steps: 6 });
    const b = await gen.generate(['a photo of a dress', 'a photo of a blue two'], { n: 2, seed: 11, steps: 6 });
    const c = await gen.generate(['a photo of a dress', 'a photo of a blue two'], { n: 2, seed: 12, steps: 6 });
    const d = await gen.generate(['a photo of a dress', 'a photo of a blue two'], { n: 4, seed: 11, steps: 6 });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(a.images, b.images);
    assert.notDeepEqual(a.images, c.images);
    const P = 28 * 28 * 3;
    assert.deepEqual(d.images.subarray(0, 2 * P), a.images.subarray(0, 2 * P));
    assert.deepEqual(d.images.subarray(4 * P, 6 * P), a.images.subarray(2 * P, 4 * P));
    // Gray output is the largest channel of the RGB one.
    const g = await gen.generate(['a photo of a dress', 'a photo of a blue two'], { n: 2, seed: 11, steps: 6, channels: 1 });
    assert.equal(g.channels, 1);
    for (let p = 0; p < 4 * 784; p++) assert.equal(g.images[p], Math.max(a.images[3 * p], a.images[3 * p + 1], a.images[3 * p + 2]));
  });

  it('samples the same images on ONNX Runtime and on tfjs (to float rounding)', async function () {
    if (!onnxRuntimeStatus().available) this.skip();
    const { manifest, weights } = readImageGeneratorFiles(defaultGeneratorDir());
    const onnx = await OnnxEngine.create(manifest.config, weights, 1);
    const tfe = new TfjsEngine(new GeneratorNetwork(manifest.config, weights));
    try {
      const rng = new Random(0);
      const n = 16;
      const Z = latentDim(manifest.config);
      const z = Float32Array.from({ length: n * Z }, () => rng.normal());
      const t = Float32Array.from({ length: n * 32 }, () => rng.next());
      const c = Float32Array.from({ length: n * 64 }, () => rng.normal() / 8);
      const [v1, v2] = [await onnx.denoise(z, t, c, n), await tfe.denoise(z, t, c, n)];
      let max = 0;
      for (let i = 0; i < v1.length; i++) max = Math.max(max, Math.abs(v1[i] - v2[i]));
      assert.ok(max < 1e-3, `denoiser outputs differ by up to ${max}`);
      const [i1, i2] = [await onnx.decode(z, n), await tfe.decode(z, n)];
      max = 0;
      for (let i = 0; i < i1.length; i++) max = Math.max(max, Math.abs(i1[i] - i2[i]));
      assert.ok(max < 1e-4, `decoder outputs differ by up to ${max}`);
      // Whole sampling runs agree to a few grey levels.
      const viaTfjs = await imageGenerator({ engine: 'tfjs' });
      const p1 = await gen.generate('a photo of a purple four', { n: 4, seed: 3, steps: 10 });
      const p2 = await viaTfjs.generate('a photo of a purple four', { n: 4, seed: 3, steps: 10 });
      let diff = 0;
      for (let i = 0; i < p1.images.length; i++) diff += Math.abs(p1.images[i] - p2.images[i]);
      assert.ok(diff / p1.images.length < 1, `mean absolute pixel difference ${diff / p1.images.length}`);
      await viaTfjs.dispose();
    } finally {
      await onnx.dispose();
      await tfe.dispose();
    }
    assert.ok(denoiserOnnx(manifest.config, weights).length > 1000 && decoderOnnx(manifest.config, weights).length > 1000);
  });

  it('says what is wrong with bad input', async () => {
    await assert.rejects(gen.generate('a photo of a plaid sneaker', {}), /condition 0 \("a photo of a plaid sneaker"\) has word the generator's encoder \(joint-encoder@[0-9a-f]+\) does not know: "plaid"/);
    await assert.rejects(gen.generate(['a photo of a bag', 'a tartan paisley coat']), /condition 1 .* does not know: "tartan", "paisley"/);
    await assert.rejects(gen.generate([new Float32Array(32)]), /condition 0 has 32 values, but the generator is conditioned on 64-d embeddings of joint-encoder@/);
    await assert.rejects(gen.generate([new Float32Array(64)]), /condition 0 is the zero vector/);
    await assert.rejects(gen.generate([Float32Array.from({ length: 64 }, (_, j) => (j === 3 ? NaN : 1))]), /condition 0 has a non-finite value at position 3/);
    await assert.rejects(gen.generate('a photo of a bag', { n: 0 }), /n \(images per condition\) must be a positive integer, got 0/);
    await assert.rejects(gen.generate('a photo of a bag', { n: '2' as never }), /must be a positive integer, got "2"/);
    await assert.rejects(gen.generate('a photo of a bag', { n: -2 }), /got -2/);
    await assert.rejects(gen.generate('a photo of a bag', { n: 1.5 }), /got 1.5/);
    await assert.rejects(gen.generate('a photo of a bag', { steps: 0 }), /steps must be an integer in 1..1000/);
    await assert.rejects(gen.generate('a photo of a bag', { guidance: -1 }), /guidance must be a number in \[0, 50\]/);
    await assert.rejects(gen.generate([], {}), /no conditions given/);
    await assert.rejects(gen.generate(['a photo of a bag'], { labels: [0, 1] }), /labels has 2 entries for 1 conditions/);
    await assert.rejects(gen.generate(['a photo of a bag'], { labels: 3, classNames: ['a'] }), /label 3 of condition 0 has no entry in classNames/);
    await assert.rejects(gen.generate(['   ']), /condition 0 is an empty caption/);
    await assert.rejects(imageGenerator({ dir: '/nonexistent/generator' }), /image-generator\.json not found/);
  });

  it('makes what the prompt says (quality check on the shipped weights)', async () => {
    // Tint: every image of "a photo of a {colour} {digit}" has the prompted colour.
    const colours = ['red', 'green', 'blue', 'yellow'];
    const tinted = await gen.generate(colours.map((c, i) => `a photo of a ${c} ${['two', 'five', 'seven', 'zero'][i]}`), { n: 6, seed: 0 });
    const tint = measureTints(tinted);
    let hits = 0;
    tint.forEach((k, r) => (hits += COLOURS[k] === colours[Math.floor(r / 6)] ? 1 : 0));
    assert.ok(hits >= 22, `${hits}/24 images have the prompted tint`);
    // Identity: the joint encoder reads generated clothing items as the prompted class.
    const classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
    const items = await gen.generate(classes.map((c) => `a photo of a ${c}`), { n: 6, seed: 0 });
    const z = await zeroShotClassify(await jointEncoder(), { ...items, classNames: classes });
    assert.ok(z.accuracy >= 0.7, `zero-shot accuracy on generated clothing ${z.accuracy}`);
  });
});
