/**
 * Number formatting for people (tables, labels, progress lines): one set of rules, so a score reads
 * the same in a table, an image-strip label and a figure.
 */

/**
 * A number as a person reads it: integers in full, others with `digits` significant digits and no
 * trailing zeros, very large or small magnitudes in exponent form.
 *
 * @example
 * ```ts
 * formatNumber(0.123456);   // '0.1235'
 * formatNumber(-3);         // '-3'
 * formatNumber(0.0000123);  // '1.23e-5'
 * ```
 */
export function formatNumber(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '-∞';
  if (v === 0) return '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) {
    const [m, e] = v.toExponential(Math.max(0, digits - 2)).split('e');
    return `${trimZeros(m)}e${e.replace('+', '')}`;
  }
  return trimZeros(v.toPrecision(digits));
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/**
 * An integer with thousands separators: `12,345`.
 *
 * @example
 * ```ts
 * formatCount(12345); // '12,345'
 * ```
 */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * A regularisation constant, compactly: 0.001 -> '1e-3', 0.0316 -> '0.0316', 1 -> '1'.
 *
 * @example
 * ```ts
 * formatC(1e-6); // '1e-6'
 * ```
 */
export function formatC(c: number): string {
  if (!Number.isFinite(c)) return String(c);
  if (c >= 0.01 && c < 1000) return String(Number(c.toPrecision(3)));
  const [m, e] = c.toExponential(2).split('e');
  const mant = String(Number(m));
  return `${mant}e${Number(e)}`;
}
