import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captionCandidates, rankCaptions, retrieveByCaption } from '../../src/directions/captions';
import { FailureDirections } from '../../src/directions/failure-directions';
import { splitInput } from '../../src/directions/split-input';
import { captionEmbeddings } from '../../src/embed/caption-embeddings';
import { filterVocabulary, paperCaptionSlots, PAPER_BACKGROUNDS, wordnetHyponyms } from '../../src/embed/caption-vocabulary';
import { clipEncoder, type ClipEncoder } from '../../src/embed/clip-encoder';
import { saveNpy } from '../../src/embed/npy';
import { onnxRuntimeStatus } from '../../src/model';
import { fixture, fixtureImages } from '../model/onnx-fixtures';

describe('embed: precomputed caption embeddings in rankCaptions / retrieveByCaption', function () {
  let clip: ClipEncoder;
  let fd: FailureDirections;
  const split = (() => {
    const s = fixtureImages('gray');
    return { ...s, labels: s.labels.map((l) => (l < 5 ? 0 : 1)), classNames: ['top', 'bottom'] };
  })();
  const preds = split.labels.map((l, i) => (i % 3 === 0 ? 1 - l : l));
  before(async function () {
    if (!onnxRuntimeStatus().available) this.skip();
    clip = await clipEncoder(fixture('clip-tiny'), { threads: 1 });
    const z = await clip.embedImages(split);
    fd = new FailureDirections({ seed: 0 }).setPreprocess(z);
    fd.fit(splitInput(split, z, { pred: preds }));
  });
  after(async () => clip?.dispose());

  it('ranks captions from a Matrix or .npy of text embeddings exactly as with the encoder', async () => {
    const cands = captionCandidates({ nouns: ['shirt', 'shoe', 'bag'], adjectives: [null, 'red', 'dark'] });
    const reference = 'a photo of a top';
    const live = await rankCaptions(fd, clip, 0, cands, { reference });
    const texts = cands.map((c) => c.caption);
    const emb = await clip.embedTexts(texts);
    const ref = await clip.embedTexts([reference]);
    const pre = captionEmbeddings({ captions: texts, embeddings: emb, reference: { caption: reference, embedding: ref.data } });
    const fromMatrix = await rankCaptions(fd, pre, 0, cands, { reference });
    assert.deepEqual(fromMatrix.array('caption'), live.array('caption'));
    assert.deepEqual(Array.from(fromMatrix.array('score') as Float64Array), Array.from(live.array('score') as Float64Array));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-capt-'));
    saveNpy(path.join(tmp, 'text.npy'), { data: Float32Array.from([...ref.data, ...emb.data]), rows: texts.length + 1, cols: clip.dim });
    const fromNpy = captionEmbeddings({ captions: [reference, ...texts], embeddings: path.join(tmp, 'text.npy') });
    const t2 = await rankCaptions(fd, fromNpy, 0, texts, { reference });
    assert.deepEqual(Array.from(t2.array('score') as Float64Array), Array.from(live.array('score') as Float64Array));
    fs.rmSync(tmp, { recursive: true, force: true });
    await assert.rejects(rankCaptions(fd, pre, 0, ['a photo of a zebra'], { reference }), /no embedding for 1 caption\(s\): "a photo of a zebra"/);
    await assert.rejects(rankCaptions(fd, pre, 1, texts), /no embedding for 1 caption\(s\): "a photo of a bottom"\. Embed them with the same model \(or pass the reference caption's embedding/);
  });

  it('retrieves by a precomputed caption given the image latents, and says so without them', async () => {
    const z = await clip.embedImages(split);
    const caption = 'a photo of a dark shoe on the road';
    const pre = captionEmbeddings({ captions: [caption], embeddings: await clip.embedTexts([caption]) });
    const a = await retrieveByCaption(clip, caption, split, 5, { latents: z, predictions: preds });
    const b = await retrieveByCaption(pre, caption, split, 5, { latents: z, predictions: preds });
    assert.deepEqual(b.table.array('index'), a.table.array('index'));
    assert.equal(b.accuracy, a.accuracy);
    await assert.rejects(retrieveByCaption(pre, caption, split, 5), /cannot embed images \(gray\); pass the split's image embeddings as \{ latents \}/);
  });

  it('checks shapes', () => {
    assert.throws(() => captionEmbeddings({ captions: ['a', 'b'], embeddings: { data: new Float32Array(3), rows: 1, cols: 3 } }), /has 1 rows but 2 captions were given/);
    assert.throws(() => captionEmbeddings({ captions: ['a'], embeddings: { data: new Float32Array(3), rows: 1, cols: 3 }, reference: { caption: 'r', embedding: [1, 2] } }), /reference "r" has 2 values but embeddings has 3 columns/);
  });
});

describe('embed: caption vocabularies as the paper builds them', () => {
  it('collects WordNet hyponyms (first senses of first lemmas, as NLTK n.01)', async () => {
    const boots = await wordnetHyponyms('boot');
    assert.ok(boots.includes('boot') && boots.includes('cowboy boot') && boots.includes('ski boot'), boots.join(', '));
    assert.ok(!boots.includes('kick'), 'other senses of boot are not followed');
    const dogs = await wordnetHyponyms('dog');
    assert.ok(dogs.length > 100 && dogs.includes('beagle') && dogs.includes('poodle'), `${dogs.length} dogs`);
    const shallow = await wordnetHyponyms(['boat.n.01', 'ship.n.01'], { depth: 1 });
    assert.ok(shallow.includes('cargo ship') && shallow.includes('ferry') && !shallow.includes('oil tanker'), shallow.join(', '));
    await assert.rejects(wordnetHyponyms('ankle boot'), /no noun 'ankle boot'.*try a single head word/);
    await assert.rejects(wordnetHyponyms('boot.n.9'), /'boot' has 7 noun senses, not 9: 1\. footwear/);
  });

  it('gives the paper\'s adjective and background/place presets per class', async () => {
    const s = await paperCaptionSlots('sneaker');
    assert.equal(s.ancestor, 'covering');
    assert.deepEqual(s.adjectives.slice(0, 3), [null, 'white', 'blue']);
    assert.ok(s.adjectives.includes('blurry'));
    assert.deepEqual(s.prepositions.slice(1, 1 + PAPER_BACKGROUNDS.length), [...PAPER_BACKGROUNDS]);
    assert.ok(s.prepositions.includes('with a hand'));
    assert.equal((await paperCaptionSlots('dog')).ancestor, 'canine');
    const cat = await paperCaptionSlots('cat', { preset: 'cifar' });
    assert.ok(cat.prepositions.includes('in the snow') && !cat.adjectives.includes('blurry'));
  });

  it('drops words the tokenizer cannot represent and reports each with the reason', async function () {
    if (!onnxRuntimeStatus().available) this.skip();
    const clip = await clipEncoder(fixture('clip-tiny'), { threads: 1 });
    const r = filterVocabulary(clip, ['shoe', 'café', 'boot', 'zebra', 'shoe']);
    assert.deepEqual(r.kept, ['shoe', 'boot', 'zebra']);
    assert.deepEqual(r.dropped.map((d) => d.word), ['café']);
    assert.match(r.report, /kept 3 of 4 words; dropped 1: café \(unknown to .*: café\)/);
    const strict = filterVocabulary(clip, ['shoe', 'boot', 'zebra'], { maxTokens: 2 });
    assert.deepEqual(strict.kept, ['shoe', 'boot']);
    assert.match(strict.dropped[0].reason, /4 tokens \(more than 2\)/);
    await clip.dispose();
  });
});
