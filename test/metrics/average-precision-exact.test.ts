import { strict as assert } from 'node:assert';
import { averagePrecision } from '../../src/metrics';

describe('averagePrecision rounding', () => {
  it('is exactly 1 for a perfect ranking, however many positives', () => {
    for (const nPos of [3, 7, 49, 333, 1000]) {
      const n = nPos * 3;
      const scores = Float64Array.from({ length: n }, (_, i) => i);
      const target = Uint8Array.from({ length: n }, (_, i) => (i < nPos ? 1 : 0));
      assert.equal(averagePrecision(scores, target), 1, `nPos=${nPos}`);
    }
  });
});
