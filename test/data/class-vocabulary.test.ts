/**
 * One class vocabulary (issue 13, item 1): the same written label is the same class in imageFolder,
 * fromManifest, readPredictionsCsv, encodeLabels (e.g. a .npy label array) and splitInput, and the
 * estimators refuse vocabularies that disagree. Folders, manifests and CSVs are built by the small
 * generators below.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as aq from 'arquero';
import sharp from 'sharp';
import {
  canonicalLabel,
  classVocabulary,
  encodeLabels,
  fromManifest,
  imageFolder,
  readPredictionsCsv,
  sameVocabulary,
} from '../../src/data';
import { FailureDirections, splitInput } from '../../src/directions';
import { setProgressSink } from '../../src/util/progress';

setProgressSink(null);

async function png(file: string, grey: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, await sharp(Buffer.alloc(4 * 4, grey), { raw: { width: 4, height: 4, channels: 1 } }).png().toBuffer());
}
function writeCsv(file: string, rows: string[][]): string {
  fs.writeFileSync(file, rows.map((r) => r.join(',')).join('\n') + '\n');
  return file;
}
/** n x 2 latents, row i = (i, i^2 mod 7): distinct rows. */
function latents(n: number) {
  return { data: Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 ? ((k >> 1) ** 2) % 7 : k >> 1)), rows: n, cols: 2 };
}

describe('data: one class vocabulary', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-vocab-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('every common spelling of a number is that number: 0, 00, +0, 1.0, +1, " 2 ", 1e0, .5', () => {
    const same: Array<[string, string[]]> = [
      ['0', ['0', '00', '+0', '-0', '0.0', '-0.00', '0e5', ' 0 ', '.0']],
      ['1', ['1', '01', '001', '+1', '1.0', '1.', '1e0', '10e-1', '0.1e1', '1E+0', '\t1\r']],
      ['2', [' 2 ', '2.000', '+2.0']],
      ['1.5', ['1.5', '1.50', '01.5', '15e-1', '0.15E1']],
      ['0.5', ['.5', '0.5', '5e-1']],
      ['-3', ['-3', '-03', '-3.0', '-0.3e1']],
      ['1000000000000000000000', ['1e21', '1000000000000000000000']],
    ];
    for (const [canon, spellings] of same) for (const s of spellings) assert.equal(canonicalLabel(s), canon, JSON.stringify(s));
    // Numbers from arrays (a .npy label file) are labels too.
    assert.deepEqual([0, 5, 2.0, -0, 1e21].map(canonicalLabel), ['0', '5', '2', '0', '1000000000000000000000']);
    // Exact: ids beyond float precision stay distinct (Number() would make these equal).
    assert.notEqual(canonicalLabel('12345678901234567890'), canonicalLabel('12345678901234567891'));
    assert.equal(canonicalLabel('012345678901234567890'), '12345678901234567890');
    // Not numbers: names, compared as written (trimmed, NFC).
    for (const name of ['NaN', 'Infinity', '0x10', '1,5', '1,000', '1_000', '1 000', '1e', 'e5', '--1', '٣', 'cat']) assert.equal(canonicalLabel(name), name);
    assert.equal(canonicalLabel('cafe\u0301'), canonicalLabel('caf\u00e9'), 'a macOS (NFD) folder name equals the same name typed elsewhere');
    assert.notEqual(canonicalLabel('Cat'), canonicalLabel('cat'), 'case matters');
  });

  it('inferred vocabularies: numbers by value, then names in code-point order; canonical names', () => {
    assert.deepEqual(classVocabulary(['5', '0', '2', '00', '2.0', '+5']), ['0', '2', '5']);
    assert.deepEqual(classVocabulary(['10', '9', '1', '100', '-1', '0.5']), ['-1', '0.5', '1', '9', '10', '100'], 'not 1, 10, 100, 9');
    assert.deepEqual(classVocabulary(['dog', '10', 'Cat', '9', 'cat', '']), ['9', '10', 'Cat', 'cat', 'dog'], 'numbers first, then names; empty labels skipped');
    assert.deepEqual(classVocabulary(['12345678901234567891', '12345678901234567890', '9']), ['9', '12345678901234567890', '12345678901234567891']);
    assert.deepEqual(classVocabulary([1e-30, 1e30, 0]), ['0', '1e-30', '1000000000000000000000000000000']);
    assert.ok(sameVocabulary(['0', '2', '5'], ['00', '2.0', '+5']));
    assert.ok(!sameVocabulary(['0', '2', '5'], ['0', '5', '2']), 'order matters');
  });

  it('encodeLabels: names by canonical form, integer columns as ids, ambiguity refused; given names keep their spelling', () => {
    assert.deepEqual(Array.from(encodeLabels(['5', '0', '2.0', ' 00 '], ['0', '2', '5'])), [2, 0, 1, 0]);
    assert.deepEqual(Array.from(encodeLabels(['05.0'], ['00', '02', '05'])), [2], 'a given vocabulary keeps its spelling; matching is canonical');
    // A .npy label array of ids next to named classes (argmax indices).
    assert.deepEqual(Array.from(encodeLabels(Int32Array.from([1, 0, 1]), ['cat', 'dog'])), [1, 0, 1]);
    assert.deepEqual(Array.from(encodeLabels(['1', '0'], ['cat', 'dog'])), [1, 0]);
    // Numbers as names: 0 and 2 are names here, 1 is not; all three are valid ids: ambiguous.
    assert.throws(() => encodeLabels(['0', '1', '2'], ['0', '2', '5'], { where: (i) => `labels.npy[${i}]` }), /labels\.npy\[1\]: label '1' is not a class name but a valid class id, while other labels are class names \(3 classes: '0', '2', '5'\); .*pass labelsAs: 'names' or labelsAs: 'ids'/);
    assert.deepEqual(Array.from(encodeLabels(['0', '1', '2'], ['0', '2', '5'], { labelsAs: 'ids' })), [0, 1, 2]);
    assert.throws(() => encodeLabels(['0', '1'], ['0', '2', '5'], { labelsAs: 'names' }), /position 1: label '1' is not a known class \(3 classes: '0', '2', '5'\)/);
    assert.throws(() => encodeLabels(['3'], ['cat', 'dog'], { labelsAs: 'ids' }), /label '3' is not a class id 0\.\.1/);
    assert.throws(() => encodeLabels(['cow'], ['cat', 'dog'], { what: 'prediction' }), /position 0: prediction 'cow' is not a known class \(2 classes: 'cat', 'dog'\)/);
    assert.throws(() => encodeLabels(['1'], ['1', '1.0']), /classNames: '1' \(class 0\) and '1\.0' \(class 1\) are the same class \(both read as '1'\)/);
    assert.throws(() => encodeLabels([''], ['a']), /position 0: empty label/);
    assert.deepEqual(Array.from(encodeLabels(['', 'a', null], ['a'], { allowEmpty: true })), [-1, 0, -1]);
  });

  it('imageFolder orders numeric folders by value and matches given names by canonical form', async () => {
    const d = path.join(dir, 'numbered');
    for (const f of ['0', '2', '10', '07']) await png(path.join(d, f, 'a.png'), 10);
    const ds = await imageFolder(d, { size: 2 });
    assert.deepEqual(ds.classNames, ['0', '2', '7', '10'], "before: ['0', '07', '10', '2'] (code-point order, unlike fromManifest)");
    assert.deepEqual(ds.ids, ['0/a.png', '2/a.png', '07/a.png', '10/a.png']);
    assert.deepEqual(Array.from(ds.labels), [0, 1, 2, 3]);
    const named = await imageFolder(d, { size: 2, classNames: ['00', '02', '07', '10', '11'] });
    assert.deepEqual(Array.from(named.labels), [0, 1, 2, 3]);
    assert.deepEqual(named.classNames, ['00', '02', '07', '10', '11']);
    await png(path.join(d, '7', 'b.png'), 20);
    await assert.rejects(imageFolder(d, { size: 2 }), /sub-folders '07' and '7' of .*numbered both name class 2 \('7'\)/);
  });

  it('labels 0, 2, 5: the same class ids in every loader, and the accuracy is 4/6 (was 1/6)', async () => {
    // The example: six images labelled 0, 0, 2, 2, 5, 5; the model gets four right.
    const labels = ['0', '0', '2', '2', '5', '5'];
    const preds = ['0', '2', '2', '2', '5', '0'];
    const d = path.join(dir, 'example');
    for (let i = 0; i < 6; i++) await png(path.join(d, 'folders', labels[i], `${i}.png`), 30 * i);
    const manifest = writeCsv(path.join(d, 'manifest.csv'), [['path', 'label', 'split'], ...labels.map((l, i) => [`folders/${l}/${i}.png`, l, 'val'])]);
    // The predictions CSV spells the same labels differently (as pandas and hand-edits do).
    const spell = (l: string) => ({ '0': '00', '2': '2.0', '5': '+5' })[l]!;
    const predsCsv = writeCsv(path.join(d, 'preds.csv'), [['id', 'split', 'label', 'pred'], ...labels.map((l, i) => [`folders/${l}/${i}.png`, 'val', spell(l), spell(preds[i])])]);

    const { val } = await fromManifest(manifest, { size: 2 });
    const folder = await imageFolder(path.join(d, 'folders'), { size: 2, name: 'val' });
    const table = readPredictionsCsv(predsCsv);
    assert.deepEqual(val!.classNames, ['0', '2', '5']);
    assert.deepEqual(folder.classNames, ['0', '2', '5']);
    assert.deepEqual(Array.from(val!.labels), [0, 0, 1, 1, 2, 2]);
    assert.deepEqual(Array.from(folder.labels), [0, 0, 1, 1, 2, 2]);
    assert.deepEqual(Array.from(table.array('label') as Int32Array), [0, 0, 1, 1, 2, 2], 'before: 0, 0, 2, 2, 5, 5 (ids 0..5)');
    assert.deepEqual(Array.from(table.array('pred') as Int32Array), [0, 1, 1, 1, 2, 0]);
    assert.deepEqual(table.array('className'), labels);
    // A .npy label array holding the same written labels.
    assert.deepEqual(Array.from(encodeLabels(Float64Array.from(labels.map(Number)), val!.classNames)), [0, 0, 1, 1, 2, 2]);

    const accuracy = (x: { labels: Int32Array; preds: Int32Array }) => x.labels.reduce((s, l, i) => s + (l === x.preds[i] ? 1 : 0), 0) / x.labels.length;
    const fromDataset = splitInput(val!, latents(6), table);
    const fromTable = splitInput(table, latents(6), { split: 'val' });
    assert.equal(accuracy(fromDataset), 4 / 6);
    assert.equal(accuracy(fromTable), 4 / 6);
    assert.equal(accuracy(splitInput(folder, latents(6), table.derive({ id: aq.escape((r: any) => r.id.slice('folders/'.length)) }))), 4 / 6);
    const dirs = new FailureDirections({ seed: 0 }).fit(fromDataset);
    const scores = dirs.scores(fromTable);
    assert.equal((scores.array('correct') as boolean[]).filter(Boolean).length, 4);
    assert.deepEqual(scores.array('predName'), preds);
  });

  it('splitInput translates a predictions table by class name and refuses classes the split lacks, naming both sides', async () => {
    // A test split without class 2 (loaded with the train split's vocabulary) and its predictions CSV,
    // which never mentions class 2 either: the CSV's own vocabulary is ['0', '5'].
    const d = path.join(dir, 'subset');
    for (const l of ['0', '5']) await png(path.join(d, l, 'a.png'), 50);
    const split = await imageFolder(d, { size: 2, name: 'test', classNames: ['0', '2', '5'] });
    const partial = readPredictionsCsv(writeCsv(path.join(dir, 'partial.csv'), [['id', 'label', 'pred'], ['0/a.png', '0', '5'], ['5/a.png', '5.0', '5']]));
    assert.deepEqual(Array.from(partial.array('pred') as ArrayLike<number>), [1, 1], 'ids of its own vocabulary');
    const input = splitInput(split, latents(2), partial);
    assert.deepEqual(Array.from(input.preds), [2, 2], 'translated by name into the split vocabulary');
    assert.deepEqual(Array.from(input.labels), [0, 2]);
    const reordered = readPredictionsCsv(writeCsv(path.join(dir, 'reordered.csv'), [['id', 'label', 'pred'], ['0/a.png', '0', '2'], ['5/a.png', '5', '5']]), { classNames: ['5', '2', '0'] });
    assert.deepEqual(Array.from(splitInput(split, latents(2), reordered).preds), [1, 2], 'another order of the same names');
    const extra = readPredictionsCsv(writeCsv(path.join(dir, 'extra.csv'), [['id', 'label', 'pred'], ['0/a.png', '0', '7'], ['5/a.png', '5', '5']]));
    assert.throws(() => splitInput(split, latents(2), extra), /splitInput: predicted class '7' \(class 2 of the predictions table's classes \(3 classes: '0', '5', '7'\)\) at row 0 is not a class of split 'test' \(3 classes: '0', '2', '5'\)/);
    // The table form with given classNames translates the same way.
    assert.deepEqual(Array.from(splitInput(partial, latents(2), { classNames: ['0', '2', '5'] }).preds), [2, 2]);
    assert.throws(() => splitInput(partial, latents(2), { classNames: ['0', '1'] }), /splitInput: label '5' \(class 1 of the predictions table's classes \(2 classes: '0', '5'\)\) at row 1 is not a class of split 'predictions' \(2 classes: '0', '1'\)/);
    assert.throws(() => splitInput(partial, latents(2), { classNames: ['0', '0.0', '5'] }), /classNames: '0' \(class 0\) and '0\.0' \(class 1\) are the same class/);
  });

  it('fit and scores refuse mismatched vocabularies and ids out of range, naming both sides; canonical spellings are one class', () => {
    const n = 12;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const preds = Int32Array.from(labels, (l, i) => (i < 6 ? l : (l + 1) % 3));
    const X = { data: Float32Array.from({ length: n * 3 }, (_, k) => Math.sin(k * 1.3) + (k % 3)), rows: n, cols: 3 };
    const input = { latents: X, labels, preds, classNames: ['0', '2', '5'], ids: Array.from(labels, (_, i) => i), split: 'val' };
    const dirs = new FailureDirections({ seed: 0 }).fit(input);
    assert.equal(dirs.scores({ ...input, classNames: ['00', '2.0', '+5'], split: 'test' }).numRows(), n, 'the same vocabulary, spelled differently');
    assert.throws(() => dirs.scores({ ...input, classNames: ['0', '2', '6'], split: 'test' }), /FailureDirections\.scores: split 'test' uses 3 classes: '0', '2', '6' but the directions were fitted on 3 classes: '0', '2', '5'/);
    assert.throws(() => dirs.scores({ ...input, classNames: ['0', '1', '2', '3', '4', '5'], split: 'test' }), /split 'test' uses 6 classes: .* but the directions were fitted on 3 classes/);
    assert.throws(() => dirs.scores({ ...input, preds: Int32Array.from(preds, (p, i) => (i === 4 ? 5 : p)) }), /preds\[4\] of split 'val' = 5 is outside the vocabulary \(3 classes: '0', '2', '5'\)/);
    assert.throws(() => dirs.scores({ ...input, labels: Int32Array.from(labels, (p, i) => (i === 2 ? 3 : p)) }), /labels\[2\] of split 'val' = 3 is outside the vocabulary/);
    assert.throws(() => new FailureDirections().fit({ ...input, classNames: ['1', '1.0', 'x'] }), /FailureDirections\.fit: the classNames of split 'val': '1' \(class 0\) and '1\.0' \(class 1\) are the same class/);
    assert.throws(() => new FailureDirections().fit({ ...input, preds: Int32Array.from(preds, (p, i) => (i === 0 ? 3 : p)) }), /preds\[0\] of split 'val' = 3 is outside the vocabulary \(3 classes: '0', '2', '5'\)/);
  });
});
