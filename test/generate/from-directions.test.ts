import { strict as assert } from 'node:assert';
import { coloredMnist } from '../../src/data/colored-mnist';
import { captionCandidates } from '../../src/directions/captions';
import { FailureDirections } from '../../src/directions/failure-directions';
import { COLOURS } from '../../src/embed/caption-templates';
import { jointEncoder, type LoadedJointEncoder } from '../../src/embed/joint-encoder';
import { encoderSpaceDirection } from '../../src/generate/conditioning';
import { DEFAULT_CLASS_NOUNS, generateAlongDirection, generateFromCaptions, nounsForClass } from '../../src/generate/from-directions';
import { imageGenerator, type LoadedImageGenerator } from '../../src/generate/image-generator';
import type { Matrix } from '../../src/util/matrix';
import { ensureBackend } from '../../src/model/backend';
import { setProgressSink } from '../../src/util/progress';
import { Random } from '../../src/util/random';
import { measureTints } from '../../bench/generator/judge';

/** Colored MNIST with a "model" that predicts the tint's class (the colour shortcut), fitted in the joint space. */
async function colourShortcut(enc: LoadedJointEncoder, transform?: (m: Matrix) => Matrix) {
  const { train, val } = coloredMnist({ trainCorr: 0.95, seed: 0, sizes: { train: 600, val: 600, unlabeled: 0, test: 10 } });
  const t = transform ?? ((m: Matrix) => m);
  const zTrain = t(await enc.embedImages(train));
  const zVal = t(await enc.embedImages(val));
  const preds = Int32Array.from(val.labels, (y, i) => (val.groups![i] === 'agrees' ? y : 1 - y));
  return new FailureDirections({ seed: 0 }).setPreprocess(zTrain).fit({ latents: zVal, labels: val.labels, classNames: val.classNames, ids: val.ids, split: 'val', preds });
}

describe('generate: images from failure directions', function () {
  this.timeout(300000);
  let gen: LoadedImageGenerator;
  let enc: LoadedJointEncoder;
  let dirs: FailureDirections;
  before(async () => {
    setProgressSink(null);
    await ensureBackend();
    gen = await imageGenerator();
    enc = await jointEncoder();
    dirs = await colourShortcut(enc);
  });

  it('uses a class name the encoder knows, the built-in nouns of benchmark classes, or the nouns given', () => {
    assert.deepEqual(nounsForClass(gen, 'Sneaker'), ['Sneaker']);
    assert.deepEqual(nounsForClass(gen, 'digit 0-4'), ['zero', 'one', 'two', 'three', 'four']);
    assert.deepEqual(nounsForClass(gen, 'other'), DEFAULT_CLASS_NOUNS.other);
    assert.deepEqual(nounsForClass(gen, 'cat-like', { 'cat-like': ['bag', 'purse'] }), ['bag', 'purse']);
    assert.throws(() => nounsForClass(gen, 'vehicles'), /class "vehicles" is not a noun the generator's encoder knows \(unknown: vehicles\); pass classNouns: \{ "vehicles": \[\.\.\.\] \}/);
    assert.throws(() => nounsForClass(gen, 'x', { x: ['plaid thing'] }), /classNouns\["x"\]\[0\] \("plaid thing"\) has words the generator's encoder does not know: plaid/);
    assert.throws(() => nounsForClass(gen, 'x', { x: [] }), /must be a non-empty array/);
  });

  it('caption level: negative / reference / positive captions of class "digit 0-4", with its own nouns, all labelled with the class', async () => {
    const candidates = captionCandidates({ nouns: ['digit'], adjectives: [null, 'red', 'green', 'blue'] });
    const { images, table } = await generateFromCaptions(gen, dirs, 0, { candidates, n: 10, seed: 0, steps: 15 });
    assert.equal(images.labels.length, 30);
    assert.ok(images.labels.every((l) => l === 0));
    assert.deepEqual(images.classNames, ['digit 0-4', 'digit 5-9']);
    assert.deepEqual(table.columnNames(), ['id', 'label', 'className', 'kind', 'prompt', 'caption', 'alpha', 'flip']);
    assert.deepEqual(table.array('id'), images.ids);
    const rows = table.objects() as { kind: string; prompt: string; caption: string }[];
    const neg = rows.filter((r) => r.kind === 'negative');
    assert.equal(neg.length, 10);
    // The model fails on green digits of class 0: the top negative caption says green, and the
    // generic noun is replaced by the class's digits, two images each.
    assert.equal(neg[0].caption, 'a photo of a green digit');
    assert.deepEqual([...new Set(neg.map((r) => r.prompt))], ['a photo of a green zero', 'a photo of a green one', 'a photo of a green two', 'a photo of a green three', 'a photo of a green four']);
    assert.deepEqual([...new Set(rows.filter((r) => r.kind === 'reference').map((r) => r.prompt))].length, 5);
    assert.equal(rows.find((r) => r.kind === 'reference')!.caption, 'a photo of a digit 0-4');
    // The images are green where the caption says green, red where the positive caption says red.
    const tint = measureTints(images);
    const share = (kind: string, colour: string) => rows.filter((r, i) => r.kind === kind && COLOURS[tint[i]] === colour).length / 10;
    assert.ok(share('negative', 'green') >= 0.9, `green share ${share('negative', 'green')}`);
    assert.ok(share('positive', 'red') >= 0.9, `red share ${share('positive', 'red')}`);
    // A ranked table can be passed instead of candidates; plain captions naming the class noun are kept.
    const two = await generateFromCaptions(gen, dirs, 1, { captions: ['a photo of a red nine', 'a photo of a green digit'], n: 2, seed: 0, steps: 4, kinds: ['negative', 'positive'] });
    assert.deepEqual(two.table.array('prompt'), ['a photo of a red nine', 'a photo of a red nine', 'a photo of a green five', 'a photo of a green six']);
  });

  it('direction level: alpha 0 is the reference caption; flip moves class 0 towards green, away from it towards red', async () => {
    const { images, table } = await generateAlongDirection(gen, dirs, 0, { alphas: [0, 0.5], n: 10, seed: 0, steps: 15 });
    assert.equal(images.labels.length, 40);
    const rows = table.objects() as { kind: string; alpha: number; flip: boolean }[];
    assert.deepEqual([...new Set(rows.map((r) => r.kind))], ['flip alpha=0', 'flip alpha=0.5', 'no flip alpha=0', 'no flip alpha=0.5']);
    const P = 28 * 28 * 3;
    // alpha = 0 ignores the direction: flip and no flip give the same images.
    assert.deepEqual(images.images.subarray(0, 10 * P), images.images.subarray(20 * P, 30 * P));
    const tint = measureTints(images);
    const green = (s: number) => Array.from(tint.subarray(s, s + 10)).filter((k) => COLOURS[k] === 'green').length;
    const red = (s: number) => Array.from(tint.subarray(s, s + 10)).filter((k) => COLOURS[k] === 'red').length;
    assert.ok(green(10) >= 7, `flip alpha 0.5: ${green(10)}/10 green`);
    assert.ok(red(30) >= 7, `no flip alpha 0.5: ${red(30)}/10 red`);
    const u = encoderSpaceDirection(dirs, 0);
    assert.ok(Math.abs(Math.hypot(...u) - 1) < 1e-5);
  });

  it('makes one generate call per helper call (one batch, one progress line), with the images a call per prompt gives', async () => {
    let calls = 0;
    const counting: typeof gen = Object.create(gen, { generate: { value: (...a: Parameters<typeof gen.generate>) => (calls++, gen.generate(...a)) } });
    const along = await generateAlongDirection(counting, dirs, 1, { alphas: [0, 0.3], n: 7, seed: 5, steps: 6 });
    assert.equal(calls, 1);
    const cap = await generateFromCaptions(counting, dirs, 0, { captions: ['a photo of a green digit', 'a photo of a red digit'], n: 7, seed: 5, steps: 6 });
    assert.equal(calls, 2);
    // n = 7 over five nouns: 2, 2, 1, 1, 1 images; image j of a prompt is image j of that prompt alone.
    const P = 28 * 28 * 3;
    const rows = cap.table.objects() as { kind: string; prompt: string }[];
    const at = rows.findIndex((r) => r.kind === 'positive' && r.prompt === 'a photo of a red one');
    const alone = await gen.generate('a photo of a red one', { n: 2, seed: 5, steps: 6 });
    assert.deepEqual(cap.images.images.subarray(at * P, (at + 2) * P), alone.images);
    assert.deepEqual(cap.images.ids.slice(at, at + 3), ['positive:5:1:0', 'positive:5:1:1', 'positive:5:2:0']);
    assert.deepEqual([...new Set(along.images.ids)].length, along.images.ids.length, 'ids are unique');
    assert.deepEqual(along.images.ids.slice(0, 3), ['flip@0:5:0:0', 'flip@0:5:0:1', 'flip@0:5:1:0']);
  });

  it('refuses directions fitted outside the generator\'s conditioning space, and bad arguments', async () => {
    const rng = new Random(0);
    // 32-d embeddings.
    const small = await colourShortcut(enc, (m) => ({ data: Float32Array.from({ length: m.rows * 32 }, (_, k) => m.data[Math.floor(k / 32) * 64 + (k % 32)]), rows: m.rows, cols: 32 }));
    await assert.rejects(generateAlongDirection(gen, small, 0, { n: 1 }), /fitted on 32-d embeddings, but the generator is conditioned on 64-d embeddings of joint-encoder@/);
    // Not unit vectors (e.g. a model layer's activations).
    const scaled = await colourShortcut(enc, (m) => ({ ...m, data: m.data.map((x) => 3 * x + 0.5) }));
    await assert.rejects(generateFromCaptions(gen, scaled, 0, { captions: ['a photo of a digit'], n: 1 }), /mean squared norm is .*, not unit vectors like joint-encoder@/);
    // Unit vectors of another 64-d space (a random rotation of the joint space).
    const q = randomRotation(64, rng);
    const rotated = await colourShortcut(enc, (m) => rotate(m, q));
    await assert.rejects(generateAlongDirection(gen, rotated, 0, { n: 1 }), /whose mean has cosine .* with joint-encoder@.*'s image embeddings .*: another encoder's space/);
    await assert.rejects(generateAlongDirection(gen, dirs, 5, { n: 1 }), /classId 5 is not a class of the fit \(0..1: digit 0-4, digit 5-9\)/);
    await assert.rejects(generateAlongDirection(gen, dirs, 0, { n: 0 }), /n must be a positive integer, got 0/);
    await assert.rejects(generateAlongDirection(gen, dirs, 0, { alphas: [0.2, 2] }), /alphas\[1\] must be in \[0, 1\], got 2/);
    await assert.rejects(generateFromCaptions(gen, dirs, 0, { n: 1 }), /pass captions \(rankCaptions' table for class 0\) or candidates/);
    await assert.rejects(generateFromCaptions(gen, dirs, 0, { captions: ['a tartan photo'], n: 1 }), /caption "a tartan photo" names neither class "digit 0-4", one of its nouns/);
    await assert.rejects(generateFromCaptions(gen, dirs, 0, { captions: ['a photo of a plaid digit'], n: 1, kinds: ['negative'] }), /does not know: "plaid"/);
  });
});

function randomRotation(d: number, rng: Random): Float64Array[] {
  // Gram-Schmidt on a Gaussian matrix.
  const q: Float64Array[] = [];
  while (q.length < d) {
    const v = Float64Array.from({ length: d }, () => rng.normal());
    for (const u of q) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += v[j] * u[j];
      for (let j = 0; j < d; j++) v[j] -= dot * u[j];
    }
    const n = Math.hypot(...v);
    q.push(v.map((x) => x / n));
  }
  return q;
}

function rotate(m: Matrix, q: Float64Array[]): Matrix {
  const d = m.cols;
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) for (let a = 0; a < d; a++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += q[a][j] * m.data[i * d + j];
    out[i * d + a] = s;
  }
  return { data: out, rows: m.rows, cols: d };
}
