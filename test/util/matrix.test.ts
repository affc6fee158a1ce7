import { strict as assert } from 'node:assert';
import { assertFinite, assertMatrix, takeRows } from '../../src/util/matrix';
import { Random } from '../../src/util/random';

describe('matrix', () => {
  it('names the row and column of a non-finite value', () => {
    const m = { data: new Float32Array([0, 1, 2, Infinity]), rows: 2, cols: 2 };
    assert.throws(() => assertFinite(m, 'latents'), /latents: non-finite value Infinity at row 1, column 1/);
  });
  it('rejects a length mismatch', () => {
    assert.throws(() => assertMatrix({ data: new Float32Array(5), rows: 2, cols: 3 }, 'x'), /x: data has 5 values/);
    // What was passed instead of a Matrix is named, with the shape expected.
    assert.throws(() => assertMatrix({ data: new Float64Array(6), rows: 2, cols: 3 } as never, 'probs'), /probs: expected a Matrix \{data: Float32Array \(row-major\), rows, cols\}, got data of type Float64Array/);
    assert.throws(() => assertMatrix([[0.5, 0.5]] as never, 'probs'), /got an array of arrays/);
    assert.throws(() => assertMatrix({ rows: 1, cols: 2 } as never, 'probs'), /got an object without data \(keys: rows, cols\)/);
  });
  it('takes rows in order', () => {
    const m = { data: new Float32Array([1, 2, 3, 4, 5, 6]), rows: 3, cols: 2 };
    assert.deepEqual(Array.from(takeRows(m, [2, 0]).data), [5, 6, 1, 2]);
  });
});

describe('Random', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = new Random(1), b = new Random(1), c = new Random(2);
    const xa = [a.next(), a.next()], xb = [b.next(), b.next()], xc = [c.next(), c.next()];
    assert.deepEqual(xa, xb);
    assert.notDeepEqual(xa, xc);
  });
  it('shuffles to a permutation', () => {
    const p = new Random(3).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(Array.from(p).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  });
});
