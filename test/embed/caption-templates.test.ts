import { strict as assert } from 'node:assert';
import { captionHolds, captionVocabulary, FACT, FACT_SLOTS, generateCaption, SLOT } from '../../src/embed/caption-templates';
import { measurePixels, quantile, renderRgb } from '../../src/embed/attributes';
import { tokenize, Vocabulary } from '../../src/embed/tokenizer';
import { TrainingPool } from '../../src/embed/training-pool';
import { captionTargets } from '../../src/embed/train-joint-encoder';
import { Random } from '../../src/util/random';

function randomFacts(rng: Random): Int8Array {
  const f = new Int8Array(FACT_SLOTS.length);
  f[SLOT.group] = rng.int(20);
  f[SLOT.colour] = rng.int(8);
  f[SLOT.brightness] = rng.int(3);
  f[SLOT.thickness] = rng.int(3);
  f[SLOT.size] = 1 + rng.int(2);
  f[SLOT.hpos] = rng.int(4);
  f[SLOT.vpos] = rng.int(4);
  f[SLOT.slant] = rng.int(3);
  f[SLOT.upsideDown] = rng.int(2);
  return f;
}

describe('embed: tokenizer', () => {
  it('lowercases, splits on punctuation, keeps inner hyphens', () => {
    assert.deepEqual(tokenize('A photo of a T-shirt/top!'), ['a', 'photo', 'of', 'a', 't-shirt', 'top']);
    assert.deepEqual(tokenize('  --upside-down--  '), ['upside-down']);
  });

  it('folds plurals, numerals, spelling variants and unknown hyphenated compounds onto the vocabulary', () => {
    const v = new Vocabulary(['a', 'boot', 'dress', 'gray', 'seven', 'upside', 'down', 'digit']);
    assert.deepEqual(v.encode('boots dresses grey 7').ids, [1, 2, 3, 4]);
    assert.deepEqual(v.encode('upside-down digit').ids, [5, 6, 7]);
    assert.deepEqual(v.encode('a purple digit').unknown, ['purple']);
  });

  it('rejects bad word lists', () => {
    assert.throws(() => new Vocabulary(['a', 'a']), /duplicate word "a"/);
    assert.throws(() => new Vocabulary(['Red']), /lowercase/);
    assert.deepEqual(Vocabulary.fromJSON(new Vocabulary(['x', 'y']).toJSON()).words, ['x', 'y']);
  });
});

describe('embed: caption templates', () => {
  const vocab = new Vocabulary(captionVocabulary(tokenize));

  it('every generated caption is true of the facts it was drawn for, and uses only vocabulary words', () => {
    const rng = new Random(1);
    for (let t = 0; t < 3000; t++) {
      const f = randomFacts(rng);
      const c = generateCaption(f, rng);
      assert.ok(captionHolds(c.mentions, f), `"${c.text}" not true of ${Array.from(f)}`);
      assert.deepEqual(vocab.encode(c.text).unknown, [], `"${c.text}" has unknown words`);
    }
  });

  it('captions assert what they say: colour, class and position mentions are checked against facts', () => {
    const rng = new Random(2);
    let colourSeen = 0;
    for (let t = 0; t < 500; t++) {
      const f = randomFacts(rng);
      f[SLOT.colour] = 2; // green
      const c = generateCaption(f, rng);
      const colourMention = c.mentions.find((m) => m.slot === SLOT.colour);
      if (!colourMention) continue;
      colourSeen++;
      assert.match(c.text, /green/);
      const red = Int8Array.from(f);
      red[SLOT.colour] = 1;
      assert.equal(captionHolds(c.mentions, red), false, `"${c.text}" should be false of a red image`);
    }
    assert.ok(colourSeen > 100, `colour mentioned in ${colourSeen}/500 captions of tinted images`);
    // Group masks: a superclass noun is true of every member class.
    const sneaker = Int8Array.from([17, 0, 0, 0, FACT.size.full, 3, 3, 0, 0]);
    const sandal = Int8Array.from([15, 0, 0, 0, FACT.size.full, 3, 3, 0, 0]);
    const coat = Int8Array.from([14, 0, 0, 0, FACT.size.full, 3, 3, 0, 0]);
    const footwear = { slot: 0, value: (1 << 15) | (1 << 17) | (1 << 19) };
    assert.ok(captionHolds([footwear], sneaker) && captionHolds([footwear], sandal));
    assert.ok(!captionHolds([footwear], coat));
  });

  it('multi-positive targets mark every caption true of an image, including its own', () => {
    const rng = new Random(3);
    const facts = Array.from({ length: 16 }, () => randomFacts(rng));
    const caps = facts.map((f) => generateCaption(f, rng));
    const T = captionTargets({ facts, mentions: caps.map((c) => c.mentions) });
    for (let i = 0; i < 16; i++) {
      assert.equal(T[i * 16 + i], 1);
      for (let j = 0; j < 16; j++) assert.equal(T[i * 16 + j], captionHolds(caps[j].mentions, facts[i]) || i === j ? 1 : 0);
    }
  });
});

describe('embed: pixel attributes and the training pool', () => {
  // A synthetic 28x28 "stroke": a vertical bar, thin or thick, optionally sheared to the right.
  function bar(width: number, shear: number): Uint8Array {
    const img = new Uint8Array(28 * 28);
    for (let y = 4; y < 24; y++) {
      const x0 = Math.round(12 + shear * (14 - y));
      for (let x = x0; x < x0 + width; x++) img[y * 28 + x] = 255;
    }
    return img;
  }

  it('measures stroke thickness and slant', () => {
    const thin = measurePixels(bar(1, 0), 0, 28, 28);
    const thick = measurePixels(bar(5, 0), 0, 28, 28);
    assert.ok(thick.thickness > 2 * thin.thickness - 1, `${thick.thickness} vs ${thin.thickness}`);
    assert.ok(Math.abs(thin.slant) < 1e-9);
    assert.ok(measurePixels(bar(2, 0.4), 0, 28, 28).slant > 0.3, 'right lean is positive');
    assert.ok(measurePixels(bar(2, -0.4), 0, 28, 28).slant < -0.3, 'left lean is negative');
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  });

  it('renders tint, shrink, shift and rotation', () => {
    const src = bar(3, 0);
    const out = new Float32Array(28 * 28 * 3);
    renderRgb(src, 0, 28, out, 0, { tint: [1, 0, 0], scale: 1, dx: 0, dy: 0, rot180: false });
    assert.equal(out[(10 * 28 + 13) * 3], 1);
    assert.equal(out[(10 * 28 + 13) * 3 + 1], 0);
    renderRgb(src, 0, 28, out, 0, { tint: [0, 1, 0], scale: 0.5, dx: -8, dy: 0, rot180: false });
    let mass = 0;
    let cx = 0;
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
      const g = out[(y * 28 + x) * 3 + 1];
      mass += g;
      cx += g * x;
    }
    assert.ok(cx / mass < 8, `shrunk bar moved left (centre x ${cx / mass})`);
    assert.ok(mass < 0.4 * 3 * 20, 'shrunk bar has less ink');
  });

  it('a pool renders seeded, reproducible batches whose captions hold for their facts', () => {
    const rng0 = new Random(5);
    const n = 40;
    const images = new Uint8Array(n * 784);
    const groups = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      images.set(bar(1 + (i % 5), ((i % 7) - 3) / 10), i * 784);
      groups[i] = i % 2 === 0 ? i % 10 : 10 + (i % 10);
    }
    const pool = new TrainingPool({ images, size: 28, groups });
    const a = pool.render(pool.epochOrder(new Random(9)).subarray(0, 32), new Random(4));
    const b = pool.render(pool.epochOrder(new Random(9)).subarray(0, 32), new Random(4));
    assert.deepEqual(a.captions, b.captions);
    assert.deepEqual(a.images, b.images);
    a.facts.forEach((f, i) => assert.ok(captionHolds(a.mentions[i], f), a.captions[i]));
    assert.equal(pool.epochOrder(rng0).length, 20 * pool.options.digitRepeats + 20);
    assert.throws(() => new TrainingPool({ images, size: 28, groups: Int32Array.from(groups, () => 25) }), /group 25 outside 0..19/);
  });
});
