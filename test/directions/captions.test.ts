import { strict as assert } from 'node:assert';
import { splitInput } from '../../src/directions/split-input';
import * as aq from 'arquero';
import type { ImageDataset } from '../../src/data/image-dataset';
import { coloredMnist } from '../../src/data/colored-mnist';
import { hiddenSubclass } from '../../src/data/hidden-subclass';
import { captionCandidates, fillCaption, rankCaptions, retrieveByCaption } from '../../src/directions/captions';
import { FailureDirections } from '../../src/directions/failure-directions';
import type { Encoder, JointEncoder } from '../../src/embed/encoder';
import { jointEncoder } from '../../src/embed/joint-encoder';
import type { Matrix } from '../../src/util/matrix';
import { Random } from '../../src/util/random';
import { setProgressSink } from '../../src/util/progress';

/**
 * A 4-d toy joint space: axis 0 = red, 1 = green, 2 = blue, 3 = "a photo of a digit". Images carry
 * their tint on axes 0-2; a text gets 1 on the axis of each colour word it names.
 */
const COLOUR_AXES = ['red', 'green', 'blue'];
function toyEncoder(): JointEncoder {
  return {
    name: 'toy-joint',
    dim: 4,
    async embedImages(split: ImageDataset): Promise<Matrix> {
      // Image i's latent is stored in its id: [r, g, b].
      const n = split.labels.length;
      const data = new Float32Array(n * 4);
      for (let i = 0; i < n; i++) {
        const [r, g, b] = (split.ids[i] as string).split(',').map(Number);
        data.set([r, g, b, 1], i * 4);
      }
      return { data, rows: n, cols: 4 };
    },
    async embedTexts(texts: string[]): Promise<Matrix> {
      const data = new Float32Array(texts.length * 4);
      texts.forEach((t, i) => {
        COLOUR_AXES.forEach((c, k) => {
          if (t.includes(c)) data[i * 4 + k] = 1;
        });
        data[i * 4 + 3] = 1;
      });
      return { data, rows: texts.length, cols: 4 };
    },
    unknownWords: (t: string) => (t.includes('plaid') ? ['plaid'] : []),
  };
}

/** Class 0 images: red ones are classified correctly, green ones wrongly (the colour shortcut). */
function toySplit(n: number, seed: number): { split: ImageDataset; preds: Int32Array } {
  const rng = new Random(seed);
  const ids: string[] = [];
  const labels = new Int32Array(n);
  const preds = new Int32Array(n);
  const groups: string[] = [];
  for (let i = 0; i < n; i++) {
    const green = i % 4 === 0;
    const r = green ? 0.1 * rng.next() : 0.8 + 0.2 * rng.next();
    const g = green ? 0.8 + 0.2 * rng.next() : 0.1 * rng.next();
    ids.push(`${r},${g},${0.1 * rng.next()}`);
    labels[i] = i % 2 === 0 || green ? 0 : 1;
    preds[i] = green ? 1 - labels[i] : labels[i];
    // Some noise errors so class 1 has errors too.
    if (!green && i % 7 === 3) preds[i] = 1 - labels[i];
    groups.push(green ? 'green' : 'red');
  }
  const split: ImageDataset = { images: new Uint8Array(n), height: 1, width: 1, channels: 1, labels, classNames: ['low', 'high'], ids, groups, name: 'toy' };
  return { split, preds };
}

describe('directions: captionCandidates', () => {
  it('builds every "a photo of a {adj} {noun} {prep}" combination, None allowed in each slot', () => {
    const c = captionCandidates({ nouns: ['digit', 'number'], adjectives: [null, 'red', 'orange'], prepositions: [null, 'on the left'] });
    assert.equal(c.length, 2 * 3 * 2);
    assert.deepEqual(c.slice(0, 4).map((x) => x.caption), ['a photo of a digit', 'a photo of a digit on the left', 'a photo of a red digit', 'a photo of a red digit on the left']);
    assert.ok(c.some((x) => x.caption === 'a photo of an orange number'), 'article before a vowel');
    assert.deepEqual(c[3], { caption: 'a photo of a red digit on the left', adjective: 'red', noun: 'digit', preposition: 'on the left' });
  });

  it('skips the all-empty caption and duplicates, keeps the template article when asked', () => {
    const c = captionCandidates({ nouns: [null, 'apple'], adjectives: [null], prepositions: [null], article: 'keep' });
    assert.deepEqual(c.map((x) => x.caption), ['a photo of a apple']);
    assert.deepEqual(captionCandidates({ nouns: ['x', 'x'] }).length, 1);
    assert.equal(fillCaption('a {adj} {noun} that is {prep}', { noun: 'boot', prep: 'upside down' }), 'a boot that is upside down');
  });

  it('rejects bad slot lists and templates', () => {
    assert.throws(() => captionCandidates({ nouns: [] }), /nouns/);
    assert.throws(() => captionCandidates({ nouns: ['a'], adjectives: [] }), /adjectives must be a non-empty array/);
    assert.throws(() => captionCandidates({ nouns: ['a'], adjectives: [''] }), /adjectives\[0\] must be a non-empty string or null/);
    assert.throws(() => captionCandidates({ nouns: ['a'], template: 'a {noun}' }), /lacks the slot \{adj\}/);
  });
});

describe('directions: rankCaptions and retrieveByCaption (toy joint space)', () => {
  let fd: FailureDirections;
  let enc: JointEncoder;
  let val: ImageDataset;
  let preds: Int32Array;
  before(async () => {
    enc = toyEncoder();
    const tr = toySplit(400, 1);
    ({ split: val, preds } = toySplit(400, 2));
    fd = new FailureDirections({ seed: 0 }).setPreprocess(await enc.embedImages(tr.split));
    fd.fit(splitInput(val, await enc.embedImages(val), { pred: preds }));
  });

  it('puts the caption naming the failure mode first, most negative score first', async () => {
    const cands = captionCandidates({ nouns: ['digit'], adjectives: [null, 'red', 'green', 'blue'] });
    const t = await rankCaptions(fd, enc, 0, cands, { reference: 'a photo of a digit' });
    assert.equal(t.numRows(), 4);
    assert.deepEqual(t.columnNames(), ['caption', 'score', 'adjective', 'noun', 'preposition', 'unknownWords']);
    const rows = t.objects() as { caption: string; score: number; adjective: string }[];
    assert.equal(rows[0].adjective, 'green');
    assert.equal(rows[rows.length - 1].adjective, 'red');
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].score >= rows[i - 1].score);
    // Scores are the class SVM's decision values of preprocess(caption - reference).
    const emb = await enc.embedTexts(['a photo of a digit', 'a photo of a green digit']);
    const diff = { data: emb.data.slice(4).map((v, j) => v - emb.data[j]), rows: 1, cols: 4 };
    assert.ok(Math.abs(fd.decisionFunction(diff, 0)[0] - rows[0].score) < 1e-9);
  });

  it('can ground captions in images: the prototype of the k nearest class images goes through the SVM', async () => {
    const z = await enc.embedImages(val);
    const cands = captionCandidates({ nouns: ['digit'], adjectives: ['red', 'green'] });
    const t = await rankCaptions(fd, enc, 0, cands, { groundOn: { latents: z, labels: val.labels, k: 10 } });
    const rows = t.objects() as { adjective: string; score: number }[];
    assert.equal(rows[0].adjective, 'green');
    // The green prototype is the mean of the 10 greenest class-0 images minus the class mean.
    const idx = Array.from(val.labels.keys()).filter((i) => val.labels[i] === 0);
    // Cosine with the toy text embedding of "green" ([0, 1, 0, 1]), up to a constant factor.
    const g = (i: number) => (z.data[i * 4 + 1] + z.data[i * 4 + 3]) / Math.hypot(...z.data.subarray(i * 4, i * 4 + 4));
    const top = [...idx].sort((a, b) => g(b) - g(a) || a - b).slice(0, 10);
    const proto = [0, 1, 2, 3].map((j) => top.reduce((s, i) => s + z.data[i * 4 + j], 0) / 10 - idx.reduce((s, i) => s + z.data[i * 4 + j], 0) / idx.length);
    assert.ok(Math.abs(fd.decisionFunction({ data: Float32Array.from(proto), rows: 1, cols: 4 }, 0)[0] - rows[0].score) < 1e-6);
    await assert.rejects(rankCaptions(fd, enc, 0, cands, { groundOn: { latents: z, labels: [0] } }), /groundOn.labels has 1 entries for 400 latent rows/);
  });

  it('uses "a photo of a {class}" as the default reference and reports unknown words', async () => {
    const t = await rankCaptions(fd, enc, 0, ['a photo of a plaid digit', 'a photo of a green digit']);
    const rows = t.objects() as { caption: string; unknownWords: string | null }[];
    assert.equal(rows.find((r) => r.caption.includes('plaid'))!.unknownWords, 'plaid');
    assert.equal(rows.find((r) => r.caption.includes('green'))!.unknownWords, null);
  });

  it('says clearly when the encoder cannot embed text, or the fit is in another space', async () => {
    const imageOnly: Encoder = { name: 'resnet-penultimate', dim: 4, embedImages: enc.embedImages };
    await assert.rejects(rankCaptions(fd, imageOnly, 0, ['a photo of a green digit']), /captioning needs a joint image-text encoder .*'resnet-penultimate' embeds images only/);
    await assert.rejects(retrieveByCaption(imageOnly, 'a green digit', val, 5), /joint image-text encoder/);
    const wide: JointEncoder = { ...enc, dim: 8 };
    await assert.rejects(rankCaptions(fd, wide, 0, ['a photo of a green digit']), /fit on 4-d embeddings but 'toy-joint' embeds into 8 dimensions/);
    await assert.rejects(rankCaptions(fd, enc, 5, ['x']), /class 5 is not one of the fitted classes/);
    await assert.rejects(rankCaptions(fd, enc, 0, []), /non-empty array/);
    await assert.rejects(rankCaptions(new FailureDirections(), enc, 0, ['x']), /not fitted/);
  });

  it('retrieves the nearest images and the model accuracy on them', async () => {
    const r = await retrieveByCaption(enc, 'a photo of a green digit', val, 20, { predictions: preds });
    assert.equal(r.k, 20);
    const rows = r.table.objects() as { group: string; correct: boolean; similarity: number; rank: number }[];
    assert.ok(rows.every((x) => x.group === 'green'), 'all 20 nearest are green');
    assert.equal(r.accuracy, rows.filter((x) => x.correct).length / 20);
    assert.equal(r.accuracy, 0, 'the model gets every green image wrong');
    assert.ok(r.splitAccuracy > 0.5);
    // Predictions may come as a table with a pred column (as predict() returns).
    const viaTable = await retrieveByCaption(enc, 'a photo of a red digit', val, 10, { predictions: aq.table({ pred: Array.from(preds) }) });
    assert.ok(viaTable.accuracy >= 0.7, `accuracy on red ${viaTable.accuracy}`);
    const none = await retrieveByCaption(enc, 'a photo of a red digit', val, 10);
    assert.ok(Number.isNaN(none.accuracy));
    await assert.rejects(retrieveByCaption(enc, 'x', val, 10, { predictions: new Int32Array(3) }), /3 predictions for 400 images/);
    await assert.rejects(retrieveByCaption(enc, 'x', val, 0), /k must be a positive integer/);
    await assert.rejects(retrieveByCaption(enc, 'x', val, 5, { classId: 7 }), /classId 7 is not a class of the split/);
    // Within class 1 (no green images): accuracy is measured against the class only.
    const c1 = await retrieveByCaption(enc, 'a photo of a green digit', val, 500, { predictions: preds, classId: 1 });
    const ones = Array.from(val.labels).filter((l) => l === 1).length;
    assert.equal(c1.k, ones);
    assert.equal(c1.accuracy, c1.splitAccuracy);
  });
});

describe('directions: captions with the shipped joint encoder', function () {
  this.timeout(300000);
  before(() => setProgressSink(null));

  it('names the minority colour of Colored MNIST when errors follow the colour shortcut', async () => {
    const enc = await jointEncoder();
    const { train, val } = coloredMnist({ trainCorr: 0.95, seed: 3, sizes: { train: 1000, val: 800, unlabeled: 0, test: 200 } });
    // A model that learned the shortcut: predicts the label the tint says.
    const preds = Int32Array.from(val.labels, (y, i) => (val.groups![i] === 'agrees' ? y : 1 - y));
    const fd = new FailureDirections({ seed: 0 }).setPreprocess(await enc.embedImages(train));
    fd.fit(splitInput(val, await enc.embedImages(val), { pred: preds }));
    const cands = captionCandidates({ nouns: ['digit'], adjectives: [null, 'red', 'green', 'blue', 'yellow', 'thin', 'thick'] });
    const top0 = (await rankCaptions(fd, enc, 0, cands)).get('adjective', 0);
    const top1 = (await rankCaptions(fd, enc, 1, cands)).get('adjective', 0);
    assert.equal(top0, 'green', 'class digit 0-4 (red in train) fails on green digits');
    assert.equal(top1, 'red', 'class digit 5-9 (green in train) fails on red digits');
    // The paper's check, within class digit 0-4: the model does worse on the greenest images.
    const r = await retrieveByCaption(enc, 'a photo of a green digit', val, 50, { predictions: preds, classId: 0 });
    assert.ok((r.table.array('label') as number[]).every((l) => l === 0));
    assert.ok(r.accuracy < 0.2 && r.splitAccuracy > 0.3, `accuracy on "green digit" images ${r.accuracy} vs ${r.splitAccuracy} on the class`);
  });

  it('names a hidden Fashion-MNIST subclass when the errors fall on it', async () => {
    const enc = await jointEncoder();
    const { train, val, protocol } = hiddenSubclass({ seed: 1, sizes: { train: 1500, val: 1500, unlabeled: 0, test: 100 } });
    // Errors on the hidden subclasses (and a few at random elsewhere).
    const hidden = new Set(protocol.hidden);
    const rng = new Random(0);
    const k = protocol.superclasses.length;
    const preds = Int32Array.from(val.labels, (y, i) => ((hidden.has(val.groups![i]) && rng.next() < 0.6) || rng.next() < 0.05 ? (y + 1) % k : y));
    const fd = new FailureDirections({ seed: 0 }).setPreprocess(await enc.embedImages(train));
    fd.fit(splitInput(val, await enc.embedImages(val), { pred: preds }));
    const tops = await Promise.all(protocol.superclasses.map(async (s, c) => (await rankCaptions(fd, enc, c, captionCandidates({ nouns: s.classes }))).get('noun', 0)));
    assert.deepEqual(tops, protocol.hidden);
  });
});
