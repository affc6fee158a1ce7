import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Writes a tiny converted-style GraphModel (model.json + one weights shard): input [-1, 4, 4, 1] ->
 * Reshape to 16 ('flat') -> MatMul with a 16x2 weight ('logits'). Returns its directory.
 */
export function writeGraphModelFixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-graph-'));
  const w = new Float32Array(16 * 2).map((_, i) => (i % 2 ? 0.01 : -0.01) * (i % 7));
  const shape = new Int32Array([-1, 16]);
  const dim = (ds: number[]) => ({ dim: ds.map((d) => ({ size: String(d) })) });
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'test',
    convertedBy: 'hand',
    modelTopology: {
      versions: { producer: 1 },
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dim([-1, 4, 4, 1]) } } },
        { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim([16, 2]) } } } },
        { name: 'shape', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: dim([2]) } } } },
        { name: 'flat', op: 'Reshape', input: ['x', 'shape'], attr: { T: { type: 'DT_FLOAT' }, Tshape: { type: 'DT_INT32' } } },
        { name: 'logits', op: 'MatMul', input: ['flat', 'w'], attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } } },
      ],
    },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'w', shape: [16, 2], dtype: 'float32' }, { name: 'shape', shape: [2], dtype: 'int32' }] }],
  };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Buffer.concat([Buffer.from(w.buffer), Buffer.from(shape.buffer)]));
  return dir;
}
