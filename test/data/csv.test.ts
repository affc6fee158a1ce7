/**
 * Round trips and file formats (issue 13, item 5): every table the package writes reads back with
 * readPredictionsCsv; `;` / tab delimiters, UTF-16 and BOMs are read; files that are not UTF-8 text
 * are refused by name; csv-parse's errors keep the file and line. Files are built by the generators
 * below.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { attachedClassNames, decodeTextFile, fromManifest, ImageDataset, parseCsv, readPredictionsCsv } from '../../src/data';
import { FailureDirections, splitInput } from '../../src/directions';
import { ensureBackend, predict } from '../../src/model';
import { Random } from '../../src/util/random';
import { setProgressSink } from '../../src/util/progress';

setProgressSink(null);

/** A 4x4 grey ImageDataset with the given labels, names and groups; pixel values drawn from `seed`. */
function dataset(labels: number[], classNames: string[], name: string, groups?: Array<string | null>, seed = 1): ImageDataset {
  const rng = new Random(seed);
  const images = Uint8Array.from({ length: labels.length * 16 }, (_, k) => Math.floor(rng.next() * 256) & (labels[k >> 4] === 0 ? 0x7f : 0xff));
  // Missing groups are null (as in SplitInput); toCSV writes them as empty cells.
  return { images, height: 4, width: 4, channels: 1, labels: Int32Array.from(labels), classNames, ids: labels.map((_, i) => `img ${i}, "${name}".png`), name, ...(groups ? { groups: groups as string[] } : {}) };
}

/** Rows of a table as plain objects with NaN made comparable. */
function rowsOf(t: { objects(): object[] }): unknown[] {
  return t.objects().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v])));
}

/** UTF-16 bytes of `text`, little- or big-endian, with or without a BOM. */
function utf16(text: string, order: 'le' | 'be', bom: boolean): Buffer {
  const le = Buffer.from((bom ? '\ufeff' : '') + text, 'utf16le');
  if (order === 'le') return le;
  const be = Buffer.from(le);
  be.swap16();
  return be;
}

describe('data: CSV round trips and formats', () => {
  let dir: string;
  const write = (name: string, content: string | Buffer) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, content);
    return f;
  };
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-csv-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('predict() and dirs.scores() tables written with Arquero toCSV read back: NaN confidences, null cells, quoted names', async () => {
    // Class names and ids that need quoting; a class ('7') written as a number.
    const names = ['cat, striped', 'dog "Rex"', '7'];
    const labels = Array.from({ length: 30 }, (_, i) => i % 3);
    const groups = labels.map((_, i) => (i % 5 === 0 ? null : i % 2 ? 'indoor' : 'outdoor'));
    const val = dataset(labels, names, 'val', groups);
    await ensureBackend();
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [4, 4, 1] }), tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })],
    });
    const preds = await predict(model, val);
    const file = write('preds.csv', preds.toCSV());
    const back = readPredictionsCsv(file);
    assert.deepEqual(back.columnNames(), preds.columnNames());
    assert.deepEqual(rowsOf(back), rowsOf(preds), 'the same rows: ids, labels, names, confidences, groups (null stays null)');
    assert.deepEqual(attachedClassNames(back), attachedClassNames(preds) ?? names);

    // A scores table without confidences (NaN, written as "NaN") and its extra columns.
    const latents = { data: Float32Array.from({ length: 30 * 3 }, (_, k) => Math.sin(k * 0.7) + (k % 3 === labels[Math.floor(k / 3)] ? 1 : 0)), rows: 30, cols: 3 };
    const input = splitInput(val, latents, { pred: preds.array('pred') as ArrayLike<number> });
    const dirs = new FailureDirections({ seed: 0 }).fit(input);
    const scores = dirs.scores(input);
    assert.ok((scores.array('confidence') as Float64Array).every(Number.isNaN));
    const text = scores.toCSV();
    assert.match(text, /,NaN,/, 'toCSV writes NaN');
    const again = readPredictionsCsv(write('scores.csv', text));
    assert.deepEqual(rowsOf(again), rowsOf(scores.select(preds.columnNames())));
    // And back into the estimators: the same input, the same scores.
    const fromCsv = splitInput(val, latents, again);
    assert.deepEqual(Array.from(fromCsv.preds), Array.from(input.preds));
    assert.deepEqual(rowsOf(dirs.scores(fromCsv)), rowsOf(scores));

    // Missing confidences as pandas, R and spreadsheets write them.
    const missing = readPredictionsCsv(write('missing-conf.csv', 'id,label,pred,confidence\na,x,x,NA\nb,x,x,null\nc,x,x,None\nd,x,x,nan\ne,x,x,\nf,x,x,#N/A\ng,x,x,0.5\n'));
    assert.deepEqual(Array.from(missing.array('confidence') as Float64Array, (v) => (Number.isNaN(v) ? 'NaN' : v)), ['NaN', 'NaN', 'NaN', 'NaN', 'NaN', 'NaN', 0.5]);

    // A split in which a class never appears: its vocabulary comes from the names, and splitInput
    // translates it into the split's by name.
    const two = dataset([0, 0, 2, 2], names, 'test', undefined, 5);
    const p2 = (await predict(model, two)).derive({ pred: () => 2, predName: () => '7' });
    const back2 = readPredictionsCsv(write('two.csv', p2.toCSV()));
    assert.deepEqual(attachedClassNames(back2), ['7', 'cat, striped'], 'numbers first, then names');
    assert.deepEqual(Array.from(splitInput(two, { data: new Float32Array(4), rows: 4, cols: 1 }, back2).preds), [2, 2, 2, 2]);
    assert.deepEqual(attachedClassNames(readPredictionsCsv(write('two-named.csv', p2.toCSV()), { classNames: names })), names);
  });

  it("';' and tab delimiters are detected (with ';' a decimal comma too), and errors say how the file was read", () => {
    const rows = [['id', 'label', 'pred', 'confidence'], ['a;1.png', 'cat', 'dog', '0,25'], ['b', 'dog', 'dog', '0.5']];
    const semi = write('semi.csv', rows.map((r) => r.map((c) => (c.includes(';') ? `"${c}"` : c)).join(';')).join('\r\n'));
    const t = readPredictionsCsv(semi);
    assert.deepEqual(t.array('id'), ['a;1.png', 'b']);
    assert.deepEqual(Array.from(t.array('confidence') as Float64Array), [0.25, 0.5]);
    const tab = write('tab.tsv', rows.map((r) => r.map((c) => c.replace('0,25', '0.25')).join('\t')).join('\n'));
    assert.deepEqual(readPredictionsCsv(tab).array('id'), ['a;1.png', 'b']);
    assert.deepEqual(Array.from(readPredictionsCsv(tab).array('confidence') as Float64Array), [0.25, 0.5]);
    assert.throws(() => readPredictionsCsv(write('tab-comma.tsv', 'id\tlabel\tpred\tconfidence\nb\tdog\tdog\t0,5\n')), /tab-comma\.tsv \(read as tab-separated\): line 2: confidence '0,5' is not a number in \[0, 1\]/);
    assert.throws(() => readPredictionsCsv(write('semi-nopred.csv', 'id;label;prediction\na;cat;dog\n')), /semi-nopred\.csv \(read as ';'-separated\): line 1: no 'pred' column \(header: id,label,prediction;/);
    assert.throws(() => readPredictionsCsv(write('pipe.csv', 'id|label|pred\na|cat|\n')), /pipe\.csv \(read as '\|'-separated\): line 2: empty 'pred'/);
    assert.throws(() => readPredictionsCsv(write('forced.csv', 'id,label,pred\na,cat,dog\n'), { delimiter: ';' }), /forced\.csv \(read as ';'-separated\): line 1: no 'id' column/);
  });

  it('UTF-16 (LE or BE, with or without a BOM) is read as UTF-16, not mojibake; a UTF-8 BOM is fine', async () => {
    const text = 'id\tlabel\tpred\tconfidence\ncafé.png\tchat noir\tchien\t0.1\n猫.png\tchien\tchien\t0.9\n';
    for (const order of ['le', 'be'] as const) {
      for (const bom of [true, false]) {
        const t = readPredictionsCsv(write(`u16-${order}-${bom}.txt`, utf16(text, order, bom)));
        assert.deepEqual(t.array('id'), ['café.png', '猫.png'], `${order} bom=${bom}`);
        assert.deepEqual(attachedClassNames(t), ['chat noir', 'chien']);
      }
    }
    assert.throws(() => readPredictionsCsv(write('u16-bad.txt', utf16('id\tlabel\tpred\nx\ty\t\n', 'le', true))), /u16-bad\.txt \(read as UTF-16LE, tab-separated\): line 2: empty 'pred'/);
    assert.throws(() => readPredictionsCsv(write('u16-odd.txt', Buffer.concat([utf16('id,label,pred\n', 'le', true), Buffer.from([0x41])]))), /u16-odd\.txt: UTF-16LE text with an odd number of bytes \(29\): the file is truncated/);
    const bom8 = readPredictionsCsv(write('bom8.csv', '\ufeffid,label,pred\na,cat,dog\nb,dog,dog\n'));
    assert.deepEqual(bom8.columnNames().slice(0, 1), ['id'], 'the BOM is not part of the first column name');
    assert.deepEqual(decodeTextFile(Buffer.from('\ufeffa,b'), 'x').encoding, 'utf-8');
    // Manifests go through the same reader.
    fs.mkdirSync(path.join(dir, 'img'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'img', 'café.png'), await sharp(Buffer.alloc(16, 9), { raw: { width: 4, height: 4, channels: 1 } }).png().toBuffer());
    const m = await fromManifest(write('manifest-u16.csv', utf16('path;label\r\nimg/café.png;chat\r\n', 'le', true)), { size: 2 });
    assert.deepEqual(m.all.ids, ['img/café.png']);
    await assert.rejects(fromManifest(write('manifest-semi.csv', 'path;label\nimg/none.png;chat\n'), { size: 2 }), /manifest-semi\.csv \(read as ';'-separated\) line 2/);
  });

  it('Latin-1, an .xlsx, a Parquet file and binary data are refused by name instead of read as mojibake', () => {
    const latin1 = Buffer.concat([Buffer.from('id,label,pred\na,cat,dog\nb,'), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from(',dog\n')]);
    assert.throws(() => readPredictionsCsv(write('latin1.csv', latin1)), /latin1\.csv: line 3, column 6: byte 0xE9 is not UTF-8; the file is in another encoding \(Latin-1 \/ Windows-1252.*save it as "CSV UTF-8"/);
    assert.throws(() => readPredictionsCsv(write('book.xlsx', Buffer.from('PK\x03\x04 rest of a zip', 'latin1'))), /book\.xlsx: this is a zip archive \(an Excel \.xlsx workbook\?\), not CSV text/);
    assert.throws(() => readPredictionsCsv(write('t.parquet', Buffer.from('PAR1....'))), /t\.parquet: this is a Parquet file, not CSV text/);
    assert.throws(() => readPredictionsCsv(write('bin.csv', Buffer.from('id,label,pred\na,\u0000b,c\n'))), /bin\.csv: line 2: a NUL byte \(offset 16\): this is binary data/);
    assert.throws(() => readPredictionsCsv(path.join(dir, 'missing.csv')), /readPredictionsCsv: cannot read .*missing\.csv: no such file/);
  });

  it("csv-parse keeps every error's file and line; blank rows, Excel's ,,, rows and CR line ends are handled", () => {
    assert.deepEqual(parseCsv('a,b\r\n\r\n1,"x\r\ny"\r\n,,\r\n  ,\r\n2,3'), [
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', 'x\r\ny'] },
      { line: 7, fields: ['2', '3'] },
    ]);
    assert.deepEqual(parseCsv('a,b\r1,2\r3,4').map((r) => r.line), [1, 2, 3], 'old Mac line ends');
    assert.deepEqual(parseCsv('a,b\n12" vinyl,x\n')[1].fields, ['12" vinyl', 'x'], 'a quote inside an unquoted field is a character');
    assert.throws(() => parseCsv('a,b\n1,2\n\n3,"x\n4,5\n', 'f.csv'), /f\.csv: unterminated quoted field starting on line 4/);
    assert.throws(() => parseCsv('a,b\n1,2\n"x"y,z\n', 'g.csv'), /g\.csv: line 3: Invalid Closing Quote/);
    const f = write('lines.csv', 'id,label,pred\n\na,cat,dog\n"b\nc",cat,\n');
    assert.throws(() => readPredictionsCsv(f), /lines\.csv: line 4: empty 'pred'/, 'the line a multi-line record starts on');
  });
});
