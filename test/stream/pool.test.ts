import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { escape as aqEscape } from 'arquero';
import { selectFromPool } from '../../src/directions/select-from-pool';
import { setProgressSink } from '../../src/util/progress';
import { clipRetrievalFolder, retrieveByCaptionStream, selectFromPoolStream } from '../../src/stream';
import { asFloat16, fittedModel, writeClipFolder } from './fixtures';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-pool-'));

describe('stream: selectFromPoolStream and retrieveByCaptionStream', function () {
  this.timeout(120000);
  const { dirs, pool } = fittedModel(1, 700);
  let prev: ReturnType<typeof setProgressSink>;
  let folder: string;
  before(async () => {
    prev = setProgressSink(null);
    folder = path.join(root, 'pool');
    await writeClipFolder(folder, pool, [300, 400]);
  });
  after(() => {
    setProgressSink(prev);
    fs.rmSync(root, { recursive: true, force: true });
  });
  const idOf = (i: number) => `img/${String(i).padStart(5, '0')}.jpg`;

  it('selects the same rows as selectFromPool in memory, by svm and by confidence', async () => {
    const src = await clipRetrievalFolder(folder);
    const lat = asFloat16(pool.latents, root);
    for (const by of ['svm', 'confidence'] as const) {
      const mem = selectFromPool(dirs, { labels: pool.labels, latents: lat, confidences: pool.confidences, ids: Array.from({ length: 700 }, (_, i) => idOf(i)) }, { perClass: 12, by });
      const st = await selectFromPoolStream(dirs, src, { perClass: 12, by });
      assert.deepEqual(st.unscored, mem.unscored, by);
      // Classes without a direction are filled at random (a different, documented draw); the rest match.
      const keep = (t: typeof st.table) => t.filter(aqEscape((d: any) => !unscored.includes(d.label)));
      const unscored = st.unscored;
      assert.deepEqual(keep(st.table).array('id'), keep(mem.table).array('id'), by);
      assert.deepEqual(Array.from(keep(st.table).array('rankInClass') as number[]), Array.from(keep(mem.table).array('rankInClass') as Int32Array), by);
      for (const c of unscored) {
        const ids = st.table.filter(aqEscape((d: any) => d.label === c)).array('id') as string[];
        assert.equal(ids.length, 12);
        ids.forEach((id) => assert.equal(pool.labels[Number(id.slice(4, 9))], c));
      }
      assert.deepEqual(st.table.columnNames(), ['shard', 'row', 'id', 'label', 'className', 'rankInClass', 'by', by === 'svm' ? 'score' : 'confidence']);
      if (by === 'svm') {
        const s = st.table.array('score') as number[];
        const m = mem.table.array('score') as Float64Array;
        s.forEach((v, i) => assert.ok(Number.isNaN(m[i]) ? Number.isNaN(v) : Math.abs(v - m[i]) < 1e-6, `score ${i}`));
        assert.ok(st.unscored.length > 0, 'the fixture has a class without a direction, filled at random');
      }
    }
  });

  it('draws random picks deterministically per seed, K per class, reporting shortfalls', async () => {
    const src = await clipRetrievalFolder(folder);
    const a = await selectFromPoolStream(dirs, src, { perClass: 500, by: 'random', seed: 3 });
    const b = await selectFromPoolStream(dirs, src, { perClass: 500, by: 'random', seed: 3 });
    const c = await selectFromPoolStream(dirs, src, { perClass: 20, by: 'random', seed: 4 });
    assert.deepEqual(a.table.objects(), b.table.objects());
    const counts = [0, 1, 2, 3].map((k) => Array.from(pool.labels).filter((l) => l === k).length);
    assert.deepEqual(a.shortfall, counts.map((n, label) => ({ label, available: n })).filter((x) => x.available < 500));
    assert.equal(c.table.numRows(), 80);
    const ids = new Set(c.table.array('id') as string[]);
    assert.equal(ids.size, 80);
    (c.table.array('label') as number[]).forEach((l, i) => assert.equal(pool.labels[Number((c.table.array('id') as string[])[i].slice(4, 9))], l));
  });

  it('retrieves the rows nearest a caption embedding with accuracies, as a brute-force search', async () => {
    const src = await clipRetrievalFolder(folder);
    const lat = asFloat16(pool.latents, root);
    const d = lat.cols;
    const text = Float32Array.from({ length: d }, (_, j) => Math.sin(j + 1));
    const r = await retrieveByCaptionStream({ caption: 'a test caption', embedding: text }, null, src, 15, { fit: dirs, classId: 1 });
    const tn = Math.hypot(...text);
    const sim = (i: number) => {
      let s = 0, nn = 0;
      for (let j = 0; j < d; j++) {
        s += lat.data[i * d + j] * text[j];
        nn += lat.data[i * d + j] ** 2;
      }
      return s / Math.sqrt(nn) / tn;
    };
    const members = Array.from({ length: 700 }, (_, i) => i).filter((i) => pool.labels[i] === 1);
    const want = members.slice().sort((a, b) => sim(b) - sim(a) || a - b).slice(0, 15);
    assert.deepEqual(r.table.array('id'), want.map(idOf));
    (r.table.array('similarity') as Float64Array).forEach((v, k) => assert.ok(Math.abs(v - sim(want[k])) < 1e-9));
    assert.equal(r.accuracy, want.filter((i) => pool.preds[i] === 1).length / 15);
    assert.equal(r.splitAccuracy, members.filter((i) => pool.preds[i] === 1).length / members.length);
    assert.deepEqual(r.table.columnNames(), ['rank', 'shard', 'row', 'id', 'label', 'className', 'similarity', 'pred', 'correct']);
    await assert.rejects(retrieveByCaptionStream({ caption: 'x', embedding: new Float32Array(3) }, null, src, 5, { fit: dirs }), /caption embedding has 3 values but the pool's embeddings have 16/);
  });
});
