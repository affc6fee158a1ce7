import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yazl from 'yazl';
import { float16Table, loadNpy, loadNpz, npzArrays, openNpy, parseNpyHeader, readNpy, saveNpy } from '../../src/embed';

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

  // ---- issue 13 item 6: .npy from real pipelines (inputs built by the small generators above/below) ----

  /** An .npz archive of raw .npy byte strings (stored as np.savez does, or deflated as np.savez_compressed). */
  async function makeNpz(name: string, members: Record<string, Buffer>, compress: boolean): Promise<string> {
    const f = path.join(dir, name);
    const zip = new yazl.ZipFile();
    for (const [k, v] of Object.entries(members)) zip.addBuffer(v, `${k}.npy`, { compress });
    zip.end();
    await new Promise<void>((resolve, reject) => {
      const out = fs.createWriteStream(f);
      zip.outputStream.pipe(out).on('close', () => resolve()).on('error', reject);
    });
    return f;
  }
  const npyBytes = (dict: string, payload: Buffer) => fs.readFileSync(rawNpy('tmp-member.npy', dict, payload));

  it('reads float16 exactly (normals, subnormals, signed zero, inf), little- and big-endian', () => {
    const bits = [0x3c00, 0xc000, 0x0001, 0x03ff, 0x7bff, 0x8000, 0x7c00, 0x3555];
    const want = [1, -2, 2 ** -24, 1023 * 2 ** -24, 65504, -0, Infinity, 0.333251953125];
    const le = Buffer.from(new Uint16Array(bits).buffer);
    const m = loadNpy(rawNpy('f2.npy', "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 4), }", le));
    assert.equal(m.rows, 2);
    assert.equal(m.cols, 4);
    assert.deepEqual(Array.from(m.data), want);
    assert.ok(Object.is(m.data[5], -0));
    const be = Buffer.from(le);
    be.swap16();
    assert.deepEqual(Array.from(loadNpy(rawNpy('f2be.npy', "{'descr': '>f2', 'fortran_order': False, 'shape': (8,), }", be)).data), want);
    assert.equal(readNpy(rawNpy('f2r.npy', "{'descr': '<f2', 'fortran_order': False, 'shape': (8,), }", le)).dtype, 'f2');
    assert.ok(Number.isNaN(float16Table()[0x7e00]));
  });

  it('saveNpy writes float16 (round to nearest even) and reports overflow at its row and column', () => {
    const f = path.join(dir, 'half.npy');
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1); 1 + 3 * 2^-11 ties up to 1 + 2^-9.
    saveNpy(f, { data: new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1, -65504, 1e-8, 2 ** -24]), rows: 2, cols: 3 }, { dtype: 'f2' });
    assert.equal(parseNpyHeader(fs.readFileSync(f), f).descr, '<f2');
    assert.deepEqual(Array.from(loadNpy(f).data), [1, 1 + 2 ** -9, 0.0999755859375, -65504, 0, 2 ** -24]);
    assert.throws(
      () => saveNpy(path.join(dir, 'half-over.npy'), { data: new Float32Array([0, 1, 2, 70000]), rows: 2, cols: 2 }, { dtype: 'f2' }),
      /value 70000 at row 1, column 1 overflows float16/,
    );
  });

  it('reports a float64 that overflows float32 as overflow at its row and column', () => {
    const v = new Float64Array([1, 2, 3, 4, 5, 1e39]);
    const f = rawNpy('f8over.npy', "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", Buffer.from(v.buffer));
    assert.throws(() => loadNpy(f), /f8over\.npy: float64 value 1e\+39 at row 2, column 1 overflows float32/);
    // The largest float64 that still rounds to a finite float32 is accepted.
    const edge = new Float64Array([3.4028235e38, -3.4028234663852886e38]);
    assert.deepEqual(Array.from(loadNpy(rawNpy('f8edge.npy', "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", Buffer.from(edge.buffer))).data), [3.4028234663852886e38, -3.4028234663852886e38]);
    // NaN and inf in the file are not overflow (they are reported as non-finite by the consumers).
    const nf = new Float64Array([NaN, Infinity]);
    assert.equal(loadNpy(rawNpy('f8nf.npy', "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", Buffer.from(nf.buffer))).data[1], Infinity);
  });

  it('says a structured dtype is structured, naming its fields', () => {
    const s = rawNpy('rec.npy', "{'descr': [('emb', '<f4', (2,)), ('label', '<i8')], 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(16));
    assert.throws(() => loadNpy(s), /rec\.npy: structured dtype \(a record array with fields 'emb', 'label'\) is not supported; .*arr\['emb'\]/);
  });

  it('opens .npz arrays by name, stored or deflated, and lists the names on error', async () => {
    const a = npyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }", Buffer.from(new Uint16Array([0x3c00, 0x4000, 0x4200, 0x4400]).buffer));
    const b = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", Buffer.from(new Float32Array([7, 8, 9]).buffer));
    for (const compress of [false, true]) {
      const f = await makeNpz(`arch-${compress}.npz`, { train: a, arr_1: b }, compress);
      assert.deepEqual(await npzArrays(f), ['train', 'arr_1']);
      assert.deepEqual(await loadNpz(f, { array: 'train' }), { data: new Float32Array([1, 2, 3, 4]), rows: 2, cols: 2 });
      assert.deepEqual(Array.from((await loadNpz(f, { array: 'arr_1.npy' })).data), [7, 8, 9]);
      await assert.rejects(loadNpz(f, { array: 'val' }), new RegExp(`arch-${compress}\\.npz: no array 'val' in the archive; it holds: train, arr_1`));
      await assert.rejects(loadNpz(f), /holds 2 arrays \(train, arr_1\); pass \{ array: name \}/);
      assert.throws(() => loadNpy(f), /is a \.npz archive .* loadNpz/);
    }
    const one = await makeNpz('one.npz', { arr_0: b }, true);
    assert.deepEqual(Array.from((await loadNpz(one)).data), [7, 8, 9]);
  });

  it('reads row windows of .npy and .npz arrays equal to the whole array, in any order', async () => {
    const rows = 37, cols = 5;
    const data = Float32Array.from({ length: rows * cols }, (_, k) => Math.round((Math.sin(k) * 1000)) / 64);
    const f = path.join(dir, 'win.npy');
    saveNpy(f, { data, rows, cols }, { dtype: 'f2' });
    const whole = loadNpy(f);
    const npz = await makeNpz('win.npz', { emb: fs.readFileSync(f) }, true);
    const npzStored = await makeNpz('win-stored.npz', { emb: fs.readFileSync(f) }, false);
    for (const [file, opts] of [[f, {}], [npz, { array: 'emb' }], [npzStored, { array: 'emb' }]] as const) {
      const r = await openNpy(file, opts);
      assert.equal(r.rows, rows);
      assert.equal(r.cols, cols);
      assert.equal(r.dtype, 'f2');
      for (const [s, n] of [[0, 10], [10, 27], [30, 7], [3, 4], [0, 37], [36, 1]]) {
        const w = await r.read(s, n);
        assert.deepEqual(w.data, whole.data.subarray(s * cols, (s + n) * cols), `${file} rows ${s}+${n}`);
      }
      await assert.rejects(r.read(35, 3), /rows 35\.\.37 are outside 0\.\.36/);
      r.close();
    }
  });

  it('names the file for truncated shards, Fortran order and overflow when reading windows', async () => {
    const t = rawNpy('trunc-win.npy', "{'descr': '<f2', 'fortran_order': False, 'shape': (10, 4), }", Buffer.alloc(50));
    await assert.rejects(openNpy(t), /trunc-win\.npy: truncated: shape \(10, 4\) of <f2 needs 80 bytes of data, the file has 50/);
    const fo = rawNpy('fo-win.npy', "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", Buffer.alloc(24));
    await assert.rejects(openNpy(fo), /fo-win\.npy: Fortran-order array; row windows need C order/);
    const over = rawNpy('over-win.npy', "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }", Buffer.from(new Float64Array([0, 0, 0, 0, 0, 0, 0, -1e300]).buffer));
    const r = await openNpy(over);
    assert.deepEqual(Array.from((await r.read(0, 2)).data), [0, 0, 0, 0]);
    await assert.rejects(r.read(2, 2), /over-win\.npy: float64 value -1e\+300 at row 3, column 1 overflows float32/);
    r.close();
    const trz = await makeNpz('trunc.npz', { emb: fs.readFileSync(t) }, true);
    await assert.rejects(openNpy(trz, { array: 'emb' }), /trunc\.npz:emb: truncated: shape \(10, 4\) of <f2 needs 80 bytes/);
  });

  it('reads float16 and .npz written by NumPy (when /usr/bin/python3 has numpy)', async function () {
    const py = '/usr/bin/python3';
    try {
      execFileSync(py, ['-c', 'import numpy'], { stdio: 'ignore' });
    } catch {
      this.skip();
    }
    const f = path.join(dir, 'np-half.npy');
    const z = path.join(dir, 'np-arch.npz');
    execFileSync(py, ['-c', `import numpy as np; a = (np.arange(12, dtype=np.float32).reshape(3, 4) / 3).astype(np.float16); np.save('${f}', a); np.savez_compressed('${z}', val=a, labels=np.arange(3))`]);
    const want = Array.from({ length: 12 }, (_, k) => k / 3);
    const got = Array.from(loadNpy(f).data);
    got.forEach((v, k) => assert.ok(Math.abs(v - want[k]) <= 2 ** -8 * Math.max(1, want[k]), `${k}: ${v}`));
    assert.deepEqual(Array.from((await loadNpz(z, { array: 'val' })).data), got);
    assert.deepEqual(await npzArrays(z), ['val', 'labels']);
    const h = path.join(dir, 'for-numpy-half.npy');
    saveNpy(h, { data: new Float32Array([0.1, 65504, -(2 ** -24)]), rows: 1, cols: 3 }, { dtype: 'f2' });
    const out = execFileSync(py, ['-c', `import numpy as np; a = np.load('${h}'); print(a.dtype, a.shape, np.array([0.1, 65504, -2**-24], dtype=np.float16).tobytes() == a.tobytes())`]).toString().trim();
    assert.equal(out, 'float16 (1, 3) True');
  });
});
