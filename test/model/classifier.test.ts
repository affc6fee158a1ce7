import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { coloredMnist, ImageDataset, subset } from '../../src/data';
import { writeGraphModelFixture } from './graph-fixture';
import { buildClassifier, classifierMetadata, loadModel, predict, predictArrays, saveModel, trainClassifier } from '../../src/model';
import { predictionProbs } from '../../src/model/predict';
import { splitInput } from '../../src/directions/split-input';
import { FailureDirections } from '../../src/directions/failure-directions';
import { evaluateRanking } from '../../src/directions/evaluate-ranking';
import { hardest } from '../../src/directions/table-views';
import { takeRows } from '../../src/util/matrix';

async function weightsOf(m: tf.LayersModel): Promise<Float32Array[]> {
  return m.getWeights().map((w) => w.dataSync() as Float32Array);
}

describe('model: trainClassifier, predict, save/load', function () {
  let train: ImageDataset;
  let test: ImageDataset;
  before(async () => {
    const s = coloredMnist({ trainCorr: 0.95, seed: 2, sizes: { train: 512, val: 0, unlabeled: 0, test: 256 } });
    train = s.train;
    test = s.test;
  });

  it('is deterministic for a seed and differs across seeds (small-cnn and mlp)', async () => {
    for (const arch of ['small-cnn', 'mlp'] as const) {
      const small = subset(train, Array.from({ length: 192 }, (_, i) => i));
      const a = await weightsOf(await trainClassifier(small, { arch, epochs: 1, batchSize: 64, seed: 5 }));
      const b = await weightsOf(await trainClassifier(small, { arch, epochs: 1, batchSize: 64, seed: 5 }));
      const c = await weightsOf(await trainClassifier(small, { arch, epochs: 1, batchSize: 64, seed: 6 }));
      assert.equal(a.length, b.length);
      a.forEach((w, i) => assert.deepEqual(w, b[i], `${arch}: weight ${i} differs between identical runs`));
      assert.notDeepEqual(a[0], c[0]);
    }
  });

  it('learns the colour shortcut: majority right, minority wrong; records history and metadata', async () => {
    const model = await trainClassifier(train, { epochs: 3, batchSize: 32, seed: 0, validation: test });
    const md = classifierMetadata(model)!;
    assert.deepEqual(md.classNames, train.classNames);
    assert.equal(md.history!.length, 3);
    assert.ok(md.history![2].loss < md.history![0].loss);
    const t = await predict(model, test);
    assert.deepEqual(t.columnNames(), ['id', 'split', 'label', 'className', 'pred', 'predName', 'correct', 'confidence', 'group']);
    const acc = (g: string) => {
      const rows = t.filter(`d => d.group === '${g}'`);
      return (rows.array('correct') as boolean[]).filter(Boolean).length / rows.numRows();
    };
    assert.ok(acc('agrees') > 0.9, `majority accuracy ${acc('agrees')}`);
    assert.ok(acc('disagrees') < 0.3, `minority accuracy ${acc('disagrees')}`);
    // confidence is the true-class probability; correct agrees with pred.
    const r = await predictArrays(model, test);
    for (let i = 0; i < 20; i++) {
      assert.ok(Math.abs(r.confidence[i] - r.probs.data[i * 2 + test.labels[i]]) < 1e-7);
      assert.equal(r.correct[i] === 1, r.pred[i] === test.labels[i]);
      assert.ok(Math.abs(r.probs.data[i * 2] + r.probs.data[i * 2 + 1] - 1) < 1e-5);
    }
    // The predict() table carries those probabilities to splitInput, and evaluateRanking's label-free
    // baselines read them from the scored input (also through a view of the scores table).
    assert.deepEqual(Array.from(predictionProbs(t)!.data), Array.from(r.probs.data));
    assert.equal(predictionProbs(t.filter('d => d.correct')), undefined, 'a derived table has none');
    const z = { data: Float32Array.from({ length: test.labels.length * 2 }, (_, k) => r.probs.data[k] + 0.01 * Math.sin(k)), rows: test.labels.length, cols: 2 };
    const input = splitInput(test, z, t);
    assert.deepEqual(Array.from(input.probs!.data), Array.from(r.probs.data));
    const fitIn = splitInput(test, z, r);
    const dirs = new FailureDirections({ seed: 0 }).fit(fitIn);
    const scores = dirs.scores(input);
    const viaInput = evaluateRanking(scores, { group: 'disagrees', baselines: ['maxSoftmax', 'entropy'] });
    const explicit = evaluateRanking(scores, { group: 'disagrees', baselines: ['maxSoftmax', 'entropy'], probs: r.probs });
    assert.deepEqual(viaInput.objects(), explicit.objects());
    const view = hardest(scores, { classId: 1, k: 50 });
    const v = evaluateRanking(view, { group: 'disagrees', baselines: ['maxSoftmax'] });
    const rows = Int32Array.from(view.array('id') as number[], (id) => test.ids.indexOf(id));
    const vExplicit = evaluateRanking(view, { group: 'disagrees', baselines: ['maxSoftmax'], probs: takeRows(r.probs, rows) });
    assert.deepEqual(v.objects(), vExplicit.objects());
    assert.throws(() => evaluateRanking(new FailureDirections({ seed: 0 }).fit(fitIn).scores(splitInput(test, z, { pred: r.pred })), { baselines: ['maxSoftmax'] }), /needs probs .*fd\.predictArrays/);
  });

  it('honours sampleWeights: zero weight on a class means it is never predicted; bad weights are named', async () => {
    const w = Array.from(train.labels, (l) => (l === 1 ? 0 : 1));
    const model = await trainClassifier(train, { arch: 'mlp', epochs: 2, batchSize: 64, seed: 0, sampleWeights: w });
    const r = await predictArrays(model, test);
    assert.equal(r.pred.filter((p) => p === 1).length, 0);
    // All-zero weights leave the initial weights untouched.
    const frozen = await trainClassifier(train, { arch: 'mlp', epochs: 1, batchSize: 64, seed: 3, sampleWeights: new Float32Array(train.labels.length) });
    const init = buildClassifier('mlp', [28, 28, 3], 2, 3);
    (await weightsOf(frozen)).forEach((v, i) => assert.deepEqual(v, init.getWeights()[i].dataSync()));
    await assert.rejects(trainClassifier(train, { sampleWeights: [1, 2] }), /sampleWeights has 2 entries for 512 training images/);
    const bad = new Float32Array(train.labels.length).fill(1);
    bad[7] = -1;
    await assert.rejects(trainClassifier(train, { sampleWeights: bad }), new RegExp(`sampleWeights\\[7\\] \\(id ${train.ids[7]}\\) is -1`));
  });

  it('round-trips through saveModel/loadModel with identical predictions and metadata; names missing or truncated files', async () => {
    const model = await trainClassifier(subset(train, Array.from({ length: 128 }, (_, i) => i)), { arch: 'mlp', epochs: 1, seed: 1 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-model-'));
    await saveModel(model, dir);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['model.json', 'weights.bin']);
    const back = await loadModel(dir);
    assert.ok(back instanceof tf.LayersModel);
    assert.deepEqual(classifierMetadata(back)!.classNames, train.classNames);
    const [a, b] = [await predictArrays(model, test), await predictArrays(back, test)];
    assert.deepEqual(a.probs.data, b.probs.data);
    // file:// URLs and tf.loadLayersModel work too.
    const viaTf = await tf.loadLayersModel(`file://${dir}/model.json`);
    assert.equal(viaTf.getWeights().length, model.getWeights().length);
    await assert.rejects(loadModel(path.join(dir, 'nope')), /cannot read model file .*nope[\\/]model\.json: no such file/);
    const wfile = path.join(dir, 'weights.bin');
    fs.writeFileSync(wfile, fs.readFileSync(wfile).subarray(0, 100));
    await assert.rejects(loadModel(dir), /weights\.bin of .*model\.json hold 100 bytes but the manifest needs \d+: truncated/);
  });

  it('loads a converted GraphModel and runs foreign models (no metadata, other channels, logits output)', async () => {
    const dir = writeGraphModelFixture();
    const g = await loadModel(path.join(dir, 'model.json'));
    assert.ok(g instanceof tf.GraphModel);
    // The 28x28x3 test images are averaged to grey and resized to 4x4; logits get a softmax.
    const r = await predictArrays(g, test);
    assert.equal(r.probs.cols, 2);
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(r.probs.data[2 * i] + r.probs.data[2 * i + 1] - 1) < 1e-5);
    const t = await predict(g, test);
    assert.equal(t.numRows(), test.labels.length);
  });
});
