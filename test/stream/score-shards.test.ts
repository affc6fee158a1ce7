import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setProgressSink } from '../../src/util/progress';
import { clipRetrievalFolder, npyShards, scoreShards, scoresDb } from '../../src/stream';
import { asFloat16, fittedModel, metadataOf, rowsOf, writeClipFolder, writeTable } from './fixtures';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-stream-'));
const sizes = [250, 400, 250];

describe('stream: scoreShards and scoresDb', function () {
  this.timeout(120000);
  const { dirs, pool } = fittedModel(0, 900);
  let prev: ReturnType<typeof setProgressSink>;
  before(() => (prev = setProgressSink(null)));
  after(() => {
    setProgressSink(prev);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('scores a clip-retrieval folder as the in-memory estimator does (to 1e-6), with heaps equal to a sort', async () => {
    const folder = path.join(root, 'clip');
    await writeClipFolder(folder, pool, sizes);
    const src = await clipRetrievalFolder(folder);
    assert.equal(src.rows, 900);
    assert.deepEqual(src.shards.map((s) => [s.rows, s.offset, s.dtype]), [[250, 0, 'f2'], [400, 250, 'f2'], [250, 650, 'f2']]);
    assert.deepEqual(src.columns, { id: 'image_path', label: 'label', pred: 'pred', confidence: 'confidence' });
    const out = path.join(root, 'clip-scores');
    const run = await scoreShards(dirs, src, { out, topK: 5, partRows: 128, windowRows: 50 });
    assert.equal(run.rows, 900);
    assert.equal(run.range, 's000000-000003');
    assert.ok(!fs.readdirSync(out).some((f) => f.startsWith('.partial')), 'no staging folder left');
    // Reference: the estimator on the same (float16-rounded) rows.
    const lat = asFloat16(pool.latents, root);
    const want = dirs.decisionFunction({ latents: lat, labels: pool.labels });
    const db = await scoresDb(out);
    const t = await db.query('SELECT * FROM scores ORDER BY shard, row');
    assert.equal(t.numRows(), 900);
    const score = t.array('score') as Float64Array;
    const shard = t.array('shard') as number[];
    const row = t.array('row') as number[];
    let maxDiff = 0;
    for (let i = 0; i < 900; i++) {
      const g = src.shards[shard[i]].offset + row[i];
      assert.equal(g, i);
      if (Number.isNaN(want[i])) assert.ok(Number.isNaN(score[i]), `row ${i}: a class without a direction scores NaN`);
      else maxDiff = Math.max(maxDiff, Math.abs(score[i] - want[i]) / (1 + Math.abs(want[i])));
      assert.equal(t.get('flagged', i), want[i] < 0);
      assert.equal(t.get('label', i), pool.labels[i]);
      assert.equal(t.get('pred', i), pool.preds[i]);
      assert.equal(t.get('correct', i), pool.labels[i] === pool.preds[i]);
      assert.equal(t.get('id', i), `img/${String(i).padStart(5, '0')}.jpg`);
      assert.equal(t.get('className', i), ['cat', 'dog', 'fox', 'owl'][pool.labels[i]]);
    }
    assert.ok(maxDiff < 1e-6, `max relative difference to decisionFunction ${maxDiff}`);
    assert.ok(Array.from(want).some((v) => Number.isNaN(v)), 'the fixture has a class without a direction');
    assert.equal(run.flagged, Array.from(want).filter((s) => s < 0).length);
    // Heaps == sort by (score, position) per class; DuckDB's hardest == heaps.
    for (const side of ['hardest', 'easiest'] as const) {
      const heap = side === 'hardest' ? run.hardest : run.easiest;
      const fromDb = await db[side]({ k: 5 });
      for (let c = 0; c < 4; c++) {
        const idx = Array.from({ length: 900 }, (_, i) => i).filter((i) => pool.labels[i] === c && !Number.isNaN(want[i]));
        idx.sort((a, b) => (side === 'hardest' ? score[a] - score[b] : score[b] - score[a]) || a - b);
        const wantIds = idx.slice(0, 5).map((i) => `img/${String(i).padStart(5, '0')}.jpg`);
        assert.deepEqual(heap.filter(`d => d.label === ${c}`).array('id'), wantIds, `${side} heap class ${c}`);
        assert.deepEqual(fromDb.filter(`d => d.label === ${c}`).array('id'), wantIds, `${side} DuckDB class ${c}`);
      }
    }
    // k beyond the heaps' K: a full scan, same order.
    const six = await db.hardest({ k: 6 });
    for (let c = 0; c < 3; c++) {
      const idx = Array.from({ length: 900 }, (_, i) => i).filter((i) => pool.labels[i] === c && !Number.isNaN(want[i]));
      idx.sort((a, b) => score[a] - score[b] || a - b);
      assert.deepEqual(six.filter(`d => d.label === ${c}`).array('id'), idx.slice(0, 6).map((i) => `img/${String(i).padStart(5, '0')}.jpg`), `full scan class ${c}`);
    }
    assert.deepEqual(heapColumns(run.hardest), ['label', 'className', 'rankInClass', 'score', 'id', 'pred', 'predName', 'correct', 'confidence', 'flagged', 'shard', 'row']);
    db.close();
  });

  it('queries flag rates by metadata columns, histograms and class summaries; joins metadata of the hardest rows', async () => {
    const db = await scoresDb(path.join(root, 'clip-scores'));
    assert.deepEqual(db.coverage, { rows: 900, total: 900, incompleteShards: [], ranges: ['s000000-000003'] });
    const byCaption = await db.flagRates('caption');
    assert.equal((byCaption.array('n') as number[]).reduce((a, b) => a + b, 0), 900);
    const red = byCaption.filter((d: any) => d.caption === 'a photo on a red background').object(0) as any;
    const plain = byCaption.filter((d: any) => d.caption === 'a photo').object(0) as any;
    assert.ok(red.flagRate > plain.flagRate + 0.2, `the planted subgroup is flagged more (${red.flagRate} vs ${plain.flagRate})`);
    const two = await db.flagRates(['className', 'source'], { classId: 1 });
    assert.ok((two.array('className') as string[]).every((c) => c === 'dog'));
    const h = await db.histogram({ bins: 10, by: 'correct' });
    const scoredRows = (await db.query('SELECT count(*) AS n FROM scores WHERE NOT isnan(score)')).get('n', 0);
    assert.ok(scoredRows > 500 && scoredRows < 900);
    assert.equal((h.array('count') as number[]).reduce((a, b) => a + b, 0), scoredRows, 'NaN scores (no direction) are left out');
    assert.ok((h.array('bin') as number[]).every((b) => b >= 0 && b < 10));
    const sum = await db.classSummary();
    assert.deepEqual(sum.array('className'), ['cat', 'dog', 'fox', 'owl']);
    const hard = await db.hardest({ k: 3, classId: 2, columns: ['caption', 'source'] });
    assert.equal(hard.numRows(), 3);
    assert.deepEqual(hard.columnNames().slice(-2), ['caption', 'source']);
    await assert.rejects(db.flagRates('nope'), /no column 'nope' in the scores .* or the metadata/);
    await assert.rejects(db.query('SELECT * FROM scores', { maxRows: 10 }), /has 900 rows, more than maxRows 10/);
    db.close();
  });

  it('scores shard ranges into separate folders that merge by copying, equal to one run; refuses overlaps and re-runs', async () => {
    const src = await clipRetrievalFolder(path.join(root, 'clip'));
    const a = path.join(root, 'range-a');
    const b = path.join(root, 'range-b');
    await scoreShards(dirs, src, { out: a, shards: [0, 1] });
    await scoreShards(dirs, src, { out: b, shards: [1, 3] });
    const partial = await scoresDb(a);
    assert.deepEqual(partial.coverage, { rows: 250, total: 900, incompleteShards: [1, 2], ranges: ['s000000-000001'] });
    partial.close();
    await assert.rejects(scoreShards(dirs, src, { out: a, shards: [0, 1] }), /range s000000-000001 was already scored .* overwrite: true/);
    const merged = path.join(root, 'merged');
    fs.cpSync(a, merged, { recursive: true });
    fs.cpSync(b, merged, { recursive: true });
    const db = await scoresDb(merged);
    assert.equal(db.coverage.rows, 900);
    const one = await scoresDb(path.join(root, 'clip-scores'));
    const q = 'SELECT id, score, flagged FROM scores ORDER BY id';
    assert.deepEqual((await db.query(q)).objects(), (await one.query(q)).objects());
    assert.deepEqual((await db.hardest({ k: 7 })).objects(), (await one.hardest({ k: 7 })).objects());
    db.close();
    one.close();
    // A row range over one shard overlapping range a is refused when merged.
    const c = path.join(root, 'range-c');
    await scoreShards(dirs, src, { out: c, rows: [200, 300] });
    fs.cpSync(c, merged, { recursive: true });
    await assert.rejects(scoresDb(merged), /both scored shard 0 rows 200\.\.249/);
  });

  it('reads .npy shards with one CSV of names (a split of it) and with a predictions table joined by id', async () => {
    const dir = path.join(root, 'npy');
    const lat = pool.latents;
    const { saveNpy } = await import('../../src/embed/npy');
    saveNpy(path.join(dir, 'emb_0.npy'), rowsOf(lat, 0, 500));
    saveNpy(path.join(dir, 'emb_1.npy'), rowsOf(lat, 500, 900));
    const meta = metadataOf(pool, 0, 900);
    // A CSV holding a second split before and after: only the 'pool' rows, in file order, count.
    const other = metadataOf(pool, 0, 50, { idPrefix: 'other' });
    const csvCols: Record<string, unknown[]> = {};
    for (const k of Object.keys(meta) as (keyof typeof meta)[]) csvCols[k] = [...other[k].slice(0, 20), ...meta[k], ...other[k].slice(20)];
    csvCols.split = [...new Array(20).fill('val'), ...new Array(900).fill('pool'), ...new Array(30).fill('val')];
    await writeTable(path.join(dir, 'meta.csv'), csvCols);
    const src = await npyShards([path.join(dir, 'emb_0.npy'), path.join(dir, 'emb_1.npy')], { metadata: path.join(dir, 'meta.csv'), split: 'pool' });
    const run = await scoreShards(dirs, src, { out: path.join(dir, 'out'), topK: 3 });
    const want = dirs.decisionFunction({ latents: lat, labels: pool.labels });
    const db = await scoresDb(path.join(dir, 'out'));
    const t = await db.query('SELECT id, score, shard, row FROM scores ORDER BY shard, row');
    (t.array('score') as Float64Array).forEach((s, i) => assert.ok(Number.isNaN(want[i]) ? Number.isNaN(s) : Math.abs(s - want[i]) < 1e-6 * (1 + Math.abs(want[i])), `row ${i}`));
    assert.equal(t.get('id', 899), 'img/00899.jpg');
    const bySource = await db.flagRates('source');
    assert.equal((bySource.array('n') as number[]).reduce((x, y) => x + y, 0), 900);
    db.close();
    assert.equal(run.rows, 900);
    // Predictions keyed by id (integer class ids), metadata without labels.
    const ids = meta.image_path;
    await writeTable(path.join(dir, 'meta-nolabels.parquet'), { image_path: ids, caption: meta.caption });
    const perm = Array.from({ length: 900 }, (_, i) => (i * 7) % 900); // shuffled order
    const p = metadataOf(pool, 0, 900, { labelsAs: 'ids' });
    await writeTable(path.join(dir, 'preds.parquet'), { image_path: perm.map((i) => ids[i]), label: perm.map((i) => p.label[i]), pred: perm.map((i) => p.pred[i]) });
    const src2 = await npyShards([path.join(dir, 'emb_0.npy'), path.join(dir, 'emb_1.npy')], { metadata: path.join(dir, 'meta-nolabels.parquet'), predictions: path.join(dir, 'preds.parquet') });
    const run2 = await scoreShards(dirs, src2, { out: path.join(dir, 'out2'), topK: 3 });
    assert.deepEqual(run2.hardest.array('id'), run.hardest.array('id'));
    assert.deepEqual(run2.hardest.array('pred'), run.hardest.array('pred'));
  });

  it('names the shard for bad input and leaves no output that looks complete', async () => {
    const bad = path.join(root, 'bad');
    const { saveNpy } = await import('../../src/embed/npy');
    const fresh = async (name: string) => {
      const f = path.join(bad, name);
      await writeClipFolder(f, pool, [100, 100]);
      return f;
    };
    // mismatched dimensions
    let f = await fresh('dims');
    saveNpy(path.join(f, 'img_emb', 'img_emb_1.npy'), { data: new Float32Array(100 * 8), rows: 100, cols: 8 });
    await assert.rejects(clipRetrievalFolder(f), /shard 1 \(.*img_emb_1\.npy\) has 8 columns but shard 0 \(.*img_emb_0\.npy\) has 16/);
    // metadata row count differs from its embeddings
    f = await fresh('rows');
    await writeTable(path.join(f, 'metadata', 'metadata_1.parquet'), metadataOf(pool, 100, 199));
    await assert.rejects(clipRetrievalFolder(f), /shard 1: metadata .*metadata_1\.parquet has 99 rows but its embeddings .*img_emb_1\.npy have 100/);
    // truncated shard
    f = await fresh('trunc');
    const e1 = path.join(f, 'img_emb', 'img_emb_1.npy');
    fs.truncateSync(e1, fs.statSync(e1).size - 10);
    await assert.rejects(clipRetrievalFolder(f), /shard 1: .*img_emb_1\.npy: truncated: shape \(100, 16\) of <f2 needs 3200 bytes of data, the file has 3190/);
    // per-shard CSV tables (their row order cannot be read back): refused with the alternative
    await assert.rejects(npyShards([path.join(f, 'img_emb', 'img_emb_0.npy')], { metadata: [path.join(f, 'm.csv')] }), /per-shard metadata tables must be Parquet/);
    // a missing shard number
    f = await fresh('gap');
    fs.renameSync(path.join(f, 'img_emb', 'img_emb_1.npy'), path.join(f, 'img_emb', 'img_emb_2.npy'));
    await assert.rejects(clipRetrievalFolder(f), /shard 1 \(img_emb_1\.npy\) is missing/);
    // duplicate ids across shards
    f = await fresh('dup');
    const m1 = metadataOf(pool, 100, 200);
    m1.image_path[37] = 'img/00005.jpg';
    await writeTable(path.join(f, 'metadata', 'metadata_1.parquet'), m1);
    let src = await clipRetrievalFolder(f);
    const out = path.join(f, 'out');
    await assert.rejects(scoreShards(dirs, src, { out }), /id "img\/00005\.jpg" appears more than once: at shard 0 \(img_emb_0\.npy\) row 5 and shard 1 \(img_emb_1\.npy\) row 37/);
    assert.deepEqual(fs.readdirSync(out), [], 'nothing left behind');
    // an unknown label
    f = await fresh('label');
    const m2 = metadataOf(pool, 100, 200);
    m2.label[12] = 'zebra';
    await writeTable(path.join(f, 'metadata', 'metadata_1.parquet'), m2);
    src = await clipRetrievalFolder(f);
    await assert.rejects(scoreShards(dirs, src, { out: path.join(f, 'out') }), /label "zebra" \(first at shard 1, row 12 of .*metadata_1\.parquet\) is not one of the model's class names \(4 classes: cat, dog, fox, owl\)/);
    // a non-finite embedding value, found mid-run: the parts already written are removed
    f = await fresh('nan');
    const lat = rowsOf(pool.latents, 100, 200);
    lat.data[60 * 16 + 3] = NaN;
    saveNpy(path.join(f, 'img_emb', 'img_emb_1.npy'), lat, { dtype: 'f2' });
    src = await clipRetrievalFolder(f);
    const out2 = path.join(f, 'out');
    await assert.rejects(scoreShards(dirs, src, { out: out2, partRows: 50 }), /shard 1 \(.*img_emb_1\.npy\): non-finite value NaN at row 60, column 3/);
    assert.deepEqual(fs.readdirSync(out2), [], 'no parts, no manifest, no staging folder');
    await assert.rejects(scoresDb(out2), /no scored ranges/);
  });

  it('scores float32 shards with the JavaScript kernel to the same values as the wasm kernel', async () => {
    const folder = path.join(root, 'clip32');
    await writeClipFolder(folder, pool, [300, 600], { dtype: 'f4' });
    const src = await clipRetrievalFolder(folder);
    const w = await scoreShards(dirs, src, { out: path.join(folder, 'w') });
    const j = await scoreShards(dirs, src, { out: path.join(folder, 'j'), engine: 'js' });
    assert.equal(j.engine, 'js');
    const a = await scoresDb(path.join(folder, 'w'));
    const b = await scoresDb(path.join(folder, 'j'));
    const sa = (await a.query('SELECT score FROM scores ORDER BY shard, row')).array('score') as Float64Array;
    const sb = (await b.query('SELECT score FROM scores ORDER BY shard, row')).array('score') as Float64Array;
    const want = dirs.decisionFunction({ latents: pool.latents, labels: pool.labels });
    for (let i = 0; i < 900; i++) {
      if (Number.isNaN(want[i])) {
        assert.ok(Number.isNaN(sa[i]) && Number.isNaN(sb[i]), `row ${i}`);
        continue;
      }
      assert.ok(Math.abs(sa[i] - sb[i]) < 1e-12 * (1 + Math.abs(sa[i])), `row ${i}`);
      assert.ok(Math.abs(sa[i] - want[i]) < 1e-6 * (1 + Math.abs(want[i])), `row ${i} vs decisionFunction`);
    }
    a.close();
    b.close();
    assert.deepEqual(w.hardest.array('id'), j.hardest.array('id'));
    assert.deepEqual(w.easiest.array('id'), j.easiest.array('id'));
  });
});

function heapColumns(t: { columnNames(): string[] }): string[] {
  return t.columnNames();
}
