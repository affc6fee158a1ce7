/** The committed ONNX parity fixtures (made by test/fixtures/onnx/make-fixtures.sh) as datasets and arrays. */
import * as path from 'node:path';
import type { ImageDataset } from '../../src/data';
import { readNpy } from '../../src/embed/npy';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'onnx');
export const fixture = (name: string): string => path.join(FIXTURES, name);

/** A fixture .npy as its typed array and shape. */
export function npy(name: string): { data: ArrayLike<number>; shape: number[] } {
  const a = readNpy(fixture(name));
  return { data: a.data as ArrayLike<number>, shape: a.shape };
}

/** The 64 gray Fashion-MNIST test images (with their labels), or the 8 RGB mosaics. */
export function fixtureImages(which: 'gray' | 'rgb', count?: number): ImageDataset {
  const a = npy(which === 'gray' ? 'images-gray28.npy' : 'images-rgb.npy');
  const [n0, h, w, c = 1] = a.shape;
  const n = count ?? n0;
  const labels = which === 'gray' ? Int32Array.from(npy('images-gray28-labels.npy').data).slice(0, n) : new Int32Array(n);
  return {
    images: Uint8Array.from(a.data).slice(0, n * h * w * c),
    height: h,
    width: w,
    channels: c,
    labels,
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    ids: Array.from({ length: n }, (_, i) => `${which}-${i}`),
    name: which,
  };
}

/**
 * Relative error of `a` against the reference `b`, row by row: max over rows of
 * max_j |a_ij - b_ij| / max_j |b_ij| (the error measured against the size of that image's features).
 */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>, cols: number): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let r = 0; r < b.length / cols; r++) {
    let d = 0;
    let s = 0;
    for (let j = 0; j < cols; j++) {
      d = Math.max(d, Math.abs(a[r * cols + j] - b[r * cols + j]));
      s = Math.max(s, Math.abs(b[r * cols + j]));
    }
    worst = Math.max(worst, d / (s || 1));
  }
  return worst;
}

/** Row-wise argmax. */
export function argmax(a: ArrayLike<number>, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < a.length / cols; r++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (a[r * cols + j] > a[r * cols + best]) best = j;
    out.push(best);
  }
  return out;
}
