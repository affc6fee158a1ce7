import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packWeights, readManifestJson, readWeightFiles, writeWeightFiles, type WeightsManifestBase } from '../../src/util/weight-files';

describe('util: weight files (manifest + Float32 weights)', () => {
  const shapes: Array<[string, number[]]> = [['a', [2, 3]], ['b', [4]]];
  const weights = new Map([['a', Float32Array.from([1, 2, 3, 4, 5, 6])], ['b', Float32Array.from([-1, 0.5, 1e-7, 7])]]);
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-weights-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const save = () => {
    const { bytes, layout } = packWeights(shapes, weights);
    return writeWeightFiles(dir, 'm.json', 'm.bin', bytes, (sha): WeightsManifestBase & { format: string } => ({ format: 'test', weightsFile: 'm.bin', weightsSha256: sha, weights: layout }));
  };

  it('round-trips named weights through the two files, with the layout and hash in the manifest', () => {
    const m = save();
    assert.deepEqual(m.weights, [{ name: 'a', shape: [2, 3], offset: 0 }, { name: 'b', shape: [4], offset: 6 }]);
    const back = readManifestJson<typeof m>(path.join(dir, 'm.json'), 'test model', 'npm run train:x');
    assert.deepEqual(back, m);
    const w = readWeightFiles(dir, path.join(dir, 'm.json'), back, shapes, 'test model');
    assert.deepEqual([...w.get('a')!], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...w.get('b')!], [...weights.get('b')!]);
    assert.equal(fs.readdirSync(dir).sort().join(','), 'm.bin,m.json', 'no temp files left');
  });

  it('names the file and the problem: missing, not JSON, corrupt, wrong shape, unlisted, short', () => {
    const mfile = path.join(dir, 'm.json');
    assert.throws(() => readManifestJson(mfile, 'test model', 'npm run train:x'), /test model: .*m\.json not found \(train one with `npm run train:x`/);
    fs.writeFileSync(mfile, '{oops');
    assert.throws(() => readManifestJson(mfile, 'test model', 'npm run train:x'), /test model: .*m\.json is not valid JSON/);
    const m = save();
    fs.rmSync(path.join(dir, 'm.bin'));
    assert.throws(() => readWeightFiles(dir, mfile, m, shapes, 'test model'), /test model: weights file .*m\.bin named by .*m\.json is missing/);
    save();
    const bin = path.join(dir, 'm.bin');
    const bytes = fs.readFileSync(bin);
    bytes[0] ^= 1;
    fs.writeFileSync(bin, bytes);
    assert.throws(() => readWeightFiles(dir, mfile, m, shapes, 'test model'), /m\.bin is corrupt or stale: SHA-256 .* but m\.json expects/);
    save();
    assert.throws(() => readWeightFiles(dir, mfile, m, [['a', [3, 2]], ['b', [4]]], 'test model'), /weight "a" in .*m\.json has shape 2x3, expected 3x2/);
    assert.throws(() => readWeightFiles(dir, mfile, m, [...shapes, ['c', [1]]], 'test model'), /m\.json lists no weight "c"/);
    assert.throws(() => readWeightFiles(dir, mfile, { ...m, weights: [...m.weights, { name: 'c', shape: [8], offset: 6 }] }, [...shapes, ['c', [8]]], 'test model'), /weight "c" runs past the end of .*m\.bin/);
  });
});
