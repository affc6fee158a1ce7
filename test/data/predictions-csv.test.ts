import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { attachedClassNames, readPredictionsCsv } from '../../src/data';
import { splitInput } from '../../src/directions/split-input';

describe('readPredictionsCsv', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-preds-csv-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads names, splits in file order, confidences and groups; ignores other columns', () => {
    const f = write(
      'p.csv',
      'ID,Split,Label,Pred,Confidence,Group,extra\n' +
        'img/1.png,val,cat,dog,0.25,indoor,x\n' +
        '"img/2,b.png",test,dog,dog,0.9,outdoor,y\r\n' +
        'img/3.png,val,dog,dog,,indoor,z\n' +
        'img/1.png,test,bird,cat,1,outdoor,w\n',
    );
    const p = readPredictionsCsv(f);
    assert.deepEqual(p.columnNames(), ['id', 'split', 'label', 'className', 'pred', 'predName', 'correct', 'confidence', 'group'], 'the columns of predict()');
    assert.deepEqual(attachedClassNames(p), ['bird', 'cat', 'dog']);
    assert.deepEqual(p.array('split'), ['val', 'test', 'val', 'test']);
    assert.deepEqual(p.array('id'), ['img/1.png', 'img/2,b.png', 'img/3.png', 'img/1.png'], 'ids may repeat across splits');
    const v = splitInput(p, { data: new Float32Array(2), rows: 2, cols: 1 }, { split: 'val' });
    assert.equal(v.split, 'val');
    assert.deepEqual(v.ids, ['img/1.png', 'img/3.png']);
    assert.deepEqual(Array.from(v.labels), [1, 2]);
    assert.deepEqual(Array.from(v.preds), [2, 2]);
    assert.deepEqual(v.classNames, ['bird', 'cat', 'dog']);
    assert.equal(v.confidences[0], 0.25);
    assert.ok(Number.isNaN(v.confidences[1]), 'empty confidence is NaN');
    assert.deepEqual(v.groups, ['indoor', 'indoor']);
    const rows = p.objects() as any[];
    assert.deepEqual(rows[0], { id: 'img/1.png', split: 'val', label: 1, className: 'cat', pred: 2, predName: 'dog', correct: false, confidence: 0.25, group: 'indoor' });
    // A view of the table still knows the vocabulary.
    assert.deepEqual(attachedClassNames(p.filter((d: any) => d.split === 'test')), ['bird', 'cat', 'dog']);
  });

  it('integer class ids, inferred or indexing given classNames; no split column gives one unnamed split', () => {
    const f = write('ints.csv', 'id,label,pred\na,0,2\nb,1,1\n');
    const p = readPredictionsCsv(f);
    assert.deepEqual(attachedClassNames(p), ['0', '1', '2']);
    assert.deepEqual(p.array('split'), ['', '']);
    assert.deepEqual(Array.from(p.array('pred')), [2, 1]);
    assert.ok(!p.columnNames().includes('group'));
    assert.ok(Array.from(p.array('confidence') as Float64Array).every(Number.isNaN), 'no confidence column');
    const v = splitInput(p, { data: new Float32Array(2), rows: 2, cols: 1 });
    assert.equal(v.split, '');
    const named = readPredictionsCsv(f, { classNames: ['cat', 'dog', 'bird'] });
    assert.deepEqual(Array.from(named.array('label')), [0, 1]);
    assert.deepEqual(named.array('predName'), ['bird', 'dog']);
    const mixed = readPredictionsCsv(write('mixed.csv', 'id,label,pred\na,dog,0\n'), { classNames: ['cat', 'dog'] });
    assert.deepEqual([mixed.get('label', 0), mixed.get('pred', 0)], [1, 0]);
  });

  it('errors name the file and line', () => {
    const f = (name: string, text: string) => () => readPredictionsCsv(write(name, text));
    assert.throws(f('nopred.csv', 'id,label\na,cat\n'), /nopred\.csv: line 1: no 'pred' column \(header: id,label;/);
    assert.throws(f('empty.csv', ''), /empty\.csv: empty file/);
    assert.throws(f('emptylabel.csv', 'id,label,pred\na,cat,dog\nb,,dog\n'), /emptylabel\.csv: line 3: empty 'label'/);
    assert.throws(() => readPredictionsCsv(write('unknown.csv', 'id,label,pred\na,cat,cow\n'), { classNames: ['cat', 'dog'] }), /unknown\.csv: line 2: prediction 'cow' is not a known class \(2 classes: 'cat', 'dog'\)/);
    assert.throws(() => readPredictionsCsv(write('range.csv', 'id,label,pred\na,5,0\n'), { classNames: ['cat', 'dog'] }), /range\.csv: line 2: label '5' is not a known class/);
    assert.throws(f('conf.csv', 'id,label,pred,confidence\na,cat,dog,0.5\nb,dog,cat,1.5\n'), /conf\.csv: line 3: confidence '1\.5' is not a number in \[0, 1\]/);
    // A class name that is only ever predicted is a typo until declared (it would shift every class id after it).
    assert.throws(f('typo.csv', 'id,label,pred\na,Sandal,Sandal\nb,Sandal,Sandl\nc,Sneaker,Sneaker\n'), /typo\.csv: line 3: prediction 'Sandl' is not the label of any row \(labels: Sandal, Sneaker\)\. A typo\? .*pass classNames/);
    assert.deepEqual(attachedClassNames(readPredictionsCsv(write('declared.csv', 'id,label,pred\na,cat,dog\n'), { classNames: ['cat', 'dog'] })), ['cat', 'dog']);
    assert.deepEqual(attachedClassNames(readPredictionsCsv(write('ids.csv', 'id,label,pred\na,0,2\n'))), ['0', '2'], 'numeric labels may name classes no row has as its label');
    assert.throws(f('dup.csv', 'id,split,label,pred\na,val,cat,dog\nb,val,cat,dog\na,val,dog,dog\n'), /dup\.csv: line 4: id 'a' already appears on line 2 in split 'val'/);
    assert.throws(f('twice.csv', 'id,label,pred,Label\na,cat,dog,cat\n'), /twice\.csv: line 1: column 'label' appears twice/);
    assert.throws(() => readPredictionsCsv(path.join(dir, 'missing.csv')), /cannot read .*missing\.csv/);
  });
});
