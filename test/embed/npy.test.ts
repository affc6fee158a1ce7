import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNpy, readNpy, saveNpy } from '../../src/embed';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-npy-'));

/** Builds an .npy file by hand: header dict text + raw payload. */
function rawNpy(name: string, dict: string, payload: Buffer, major = 1): string {
  const pre = major === 1 ? 10 : 12;
  let text = dict;
  const total = Math.ceil((pre + text.length + 1) / 64) * 64;
  text = text + ' '.repeat(total - pre - text.length - 1) + '\n';
  const head = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]).copy(head);
  head[6] = major;
  if (major === 1) head.writeUInt16LE(text.length, 8);
  else head.writeUInt32LE(text.length, 8);
  const f = path.join(dir, name);
  fs.writeFileSync(f, Buffer.concat([head, Buffer.from(text, 'latin1'), payload]));
  return f;
}

describe('embed: npy', () => {
  it('round-trips a float32 matrix and int/uint arrays', () => {
    const f = path.join(dir, 'm.npy');
    saveNpy(f, { data: new Float32Array([1, 2, 3, 4, 5, 6]), rows: 2, cols: 3 });
    assert.deepEqual(loadNpy(f), { data: new Float32Array([1, 2, 3, 4, 5, 6]), rows: 2, cols: 3 });
    const g = path.join(dir, 'i.npy');
    saveNpy(g, { data: new Int32Array([7, -8, 9]), shape: [3], dtype: 'i4' });
    const back = readNpy(g);
    assert.deepEqual(back.shape, [3]);
    assert.equal(back.dtype, 'i4');
    assert.deepEqual(Array.from(back.data as Int32Array), [7, -8, 9]);
    assert.equal((fs.readFileSync(g).indexOf(0x0a) + 1) % 64, 0, 'header padded to 64 bytes');
  });
  it('reads float64, Fortran order, big-endian, int64, bool and version 2 headers', () => {
    const f64 = Buffer.from(new Float64Array([1.5, -2, 3, 4]).buffer);
    assert.deepEqual(loadNpy(rawNpy('f8.npy', "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f64)).data, new Float32Array([1.5, -2, 3, 4]));
    // Fortran order: column-major [[1, 2, 3], [4, 5, 6]] is stored 1 4 2 5 3 6.
    const fort = Buffer.from(new Float32Array([1, 4, 2, 5, 3, 6]).buffer);
    const m = loadNpy(rawNpy('fo.npy', "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", fort));
    assert.deepEqual(Array.from(m.data), [1, 2, 3, 4, 5, 6]);
    const be = Buffer.alloc(8);
    be.writeInt32BE(258, 0);
    be.writeInt32BE(-1, 4);
    assert.deepEqual(Array.from(readNpy(rawNpy('be.npy', "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", be)).data as Int32Array), [258, -1]);
    const i8 = Buffer.from(new BigInt64Array([5n, -6n]).buffer);
    assert.deepEqual(Array.from(loadNpy(rawNpy('i8.npy', "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", i8)).data), [5, -6]);
    assert.deepEqual(Array.from(readNpy(rawNpy('b.npy', "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", Buffer.from([1, 0, 1]))).data as Uint8Array), [1, 0, 1]);
    const v2 = loadNpy(rawNpy('v2.npy', "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", Buffer.from(new Float32Array([9, 8]).buffer), 2));
    assert.deepEqual(v2, { data: new Float32Array([9, 8]), rows: 1, cols: 2 });
  });
  it('names the file and the problem for bad input', () => {
    const bad = path.join(dir, 'bad.npy');
    fs.writeFileSync(bad, 'not numpy at all');
    assert.throws(() => loadNpy(bad), /bad\.npy is not a \.npy file \(bad magic\)/);
    assert.throws(() => loadNpy(path.join(dir, 'missing.npy')), /cannot read .*missing\.npy: no such file/);
    const c8 = rawNpy('c8.npy', "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(8));
    assert.throws(() => loadNpy(c8), /c8\.npy: unsupported dtype '<c8'/);
    const u = rawNpy('u.npy', "{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(12));
    assert.throws(() => loadNpy(u), /unsupported dtype '<U3'/);
    const t = rawNpy('t.npy', "{'descr': '<f4', 'fortran_order': False, 'shape': (10, 10), }", Buffer.alloc(40));
    assert.throws(() => loadNpy(t), /t\.npy: truncated: shape \(10, 10\) of <f4 needs 400 bytes of data, the file has 40/);
    const r3 = rawNpy('r3.npy', "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1), }", Buffer.alloc(4));
    assert.throws(() => loadNpy(r3), /expected a 2-D array .* got shape \(1, 1, 1\)/);
  });
  it('writes files NumPy reads (when /usr/bin/python3 has numpy)', function () {
    const py = '/usr/bin/python3';
    try {
      execFileSync(py, ['-c', 'import numpy'], { stdio: 'ignore' });
    } catch {
      this.skip();
    }
    const f = path.join(dir, 'for-numpy.npy');
    saveNpy(f, { data: new Float32Array([1, 2, 3, 4, 5, 6]), rows: 3, cols: 2 });
    const out = execFileSync(py, ['-c', `import numpy as np; a = np.load('${f}'); print(a.dtype, a.shape, a[2, 1])`]).toString().trim();
    assert.equal(out, 'float32 (3, 2) 6.0');
    const g = path.join(dir, 'from-numpy.npy');
    execFileSync(py, ['-c', `import numpy as np; np.save('${g}', np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)))`]);
    assert.deepEqual(Array.from(loadNpy(g).data), [0, 1, 2, 3, 4, 5]);
  });
});
