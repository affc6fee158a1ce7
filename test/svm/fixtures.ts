/** Loads the committed scikit-learn fixtures written by bench/svm/make_fixtures.py. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Matrix } from '../../src/util/matrix';
import { EncodedArray, decodeArray } from '../../src/svm/codec';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'svm');

export function loadFixture(name: string): any {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

export function f32(e: EncodedArray): Float32Array {
  return decodeArray(e) as Float32Array;
}
export function f64(e: EncodedArray): Float64Array {
  return decodeArray(e) as Float64Array;
}
export function u8(e: EncodedArray): Uint8Array {
  return decodeArray(e) as Uint8Array;
}
export function i32(e: EncodedArray): Int32Array {
  return decodeArray(e) as Int32Array;
}
export function matrix(e: EncodedArray, rows: number, cols: number): Matrix {
  return { data: f32(e), rows, cols };
}

/** Spearman rank correlation (average ranks for ties). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a), rb = ranks(b);
  const n = ra.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += ra[i] / n; mb += rb[i] / n; }
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) ** 2;
    sbb += (rb[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function ranks(a: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: a.length }, (_, i) => i).sort((i, j) => a[i] - a[j]);
  const r = new Float64Array(a.length);
  for (let s = 0; s < idx.length; ) {
    let e = s;
    while (e + 1 < idx.length && a[idx[e + 1]] === a[idx[s]]) e++;
    for (let k = s; k <= e; k++) r[idx[k]] = (s + e) / 2;
    s = e + 1;
  }
  return r;
}

/** max |a - b| / max |b|. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}
