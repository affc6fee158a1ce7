/**
 * analyze(): the one-call path from embeddings + predictions (or a model + an encoder, exercised by
 * the notebooks and the packaging test) to fitted directions and scores tables, and its errors.
 */
import { strict as assert } from 'node:assert';
import * as aq from 'arquero';
import { attachClassNames } from '../../src/data/table-vocabulary';
import { analyze } from '../../src/directions/analyze';
import { FailureDirections } from '../../src/directions/failure-directions';
import { setProgressSink } from '../../src/util/progress';
import { inputOf, syntheticSplits, type Split } from './synthetic';

setProgressSink(null);
const S = syntheticSplits(21, { sizes: { train: 300, val: 500, test: 200 } });
const names = ['cat', 'dog', 'ship', 'truck'];

/** A predict()-shaped table for a synthetic split (optionally without a split column). */
function table(s: Split, split: string | null) {
  const n = s.labels.length;
  const cols: Record<string, unknown[]> = {
    id: Array.from({ length: n }, (_, i) => `${split ?? 'x'}-${i}`),
    label: Array.from(s.labels),
    className: Array.from(s.labels, (c) => names[c]),
    pred: Array.from(s.preds),
    predName: Array.from(s.preds, (c) => names[c]),
    correct: Array.from(s.labels, (c, i) => c === s.preds[i]),
    confidence: Array.from(s.confidences),
  };
  if (split !== null) cols.split = new Array(n).fill(split);
  return attachClassNames(aq.table(cols), names);
}

describe('analyze', () => {
  const embeddings = { train: S.train.latents, val: S.val.latents, test: S.test.latents };

  it('one predictions table with a split column + embeddings: the same fit and scores as the step-by-step path', async () => {
    const preds = table(S.val, 'val').concat(table(S.test, 'test'));
    attachClassNames(preds, names);
    const a = await analyze({ predictions: preds, embeddings, seed: 0 });
    assert.deepEqual(a.classNames, names);
    assert.deepEqual(Object.keys(a.scores), ['val', 'test']);
    assert.deepEqual([...new Set(a.scores.test.array('split'))], ['test']);
    const dirs = new FailureDirections({ seed: 0 }).setPreprocess(S.train.latents).fit(inputOf(S.val, 'val', names));
    const expected = dirs.decisionFunction(inputOf(S.test, 'test', names));
    assert.deepEqual(Array.from(a.scores.test.array('score') as Float64Array), Array.from(expected));
    assert.equal(a.dirs.preprocessSource_, 'train');
    assert.equal(a.inputs.val.latents, S.val.latents);
  });

  it('one table per split (files without a split column) name their split by their key; score picks the splits', async () => {
    const a = await analyze({ predictions: { val: table(S.val, null), test: table(S.test, null) }, embeddings, seed: 0, score: ['test'] });
    assert.deepEqual(Object.keys(a.scores), ['test']);
    assert.deepEqual([...new Set(a.scores.test.array('split'))], ['test']);
    assert.equal(a.inputs.val.split, 'val');
  });

  it('names what is missing or contradictory', async () => {
    const preds = table(S.val, 'val').concat(table(S.test, 'test'));
    attachClassNames(preds, names);
    await assert.rejects(analyze({ embeddings } as never), /needs a model \(to run predict\) or predictions/);
    await assert.rejects(analyze({ predictions: preds } as never), /needs an encoder \(to run embed\) or embeddings/);
    await assert.rejects(analyze({ predictions: preds, embeddings: { train: S.train.latents, test: S.test.latents } }), /no validation split: pass val \(an ImageDataset\) or embeddings\.val/);
    await assert.rejects(analyze({ predictions: preds, embeddings: { val: S.val.latents, test: S.test.latents } }), /no train split: its embeddings give the whitening statistics/);
    await assert.rejects(analyze({ predictions: preds, embeddings, score: ['pool'] }), /cannot score split 'pool': it is not given \(splits: train, val, test\)/);
    await assert.rejects(analyze({ predictions: { val: table(S.val, null) }, embeddings }), /predictions\.test is missing \(predictions given for: val\)/);
    await assert.rejects(analyze({ predictions: table(S.val, null), embeddings }), /names no splits \(it has no 'split' column\).*one table per split/);
  });
});
