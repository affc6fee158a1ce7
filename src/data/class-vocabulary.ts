/**
 * One class vocabulary for every loader: how a written label (a folder name, a manifest cell, a
 * predictions-CSV cell, a value of a `.npy` label array) becomes a class id. `imageFolder`,
 * `fromManifest`, `readPredictionsCsv`, `encodeLabels` and `splitInput` all go through this file, so
 * the same written label always means the same class.
 *
 * The rule (also in docs/inputs.md):
 * - Labels are compared by their canonical form: surrounding whitespace removed, Unicode NFC (a
 *   folder name from macOS, stored decomposed, equals the same name typed elsewhere), and a label
 *   that looks like a decimal number (`0`, `00`, `+1`, `1.0`, `1e0`, `.5`, ` 2 `) written as that
 *   number's shortest exact decimal (`0`, `0`, `1`, `1`, `1`, `0.5`, `2`). Exact: digits are never
 *   rounded through a float, so 20-digit ids stay distinct. `NaN`, `Infinity`, hex (`0x1F`), digit
 *   groups (`1,000`, `1_000`) and decimal commas (`1,5`) are names, not numbers.
 * - An inferred vocabulary lists the distinct canonical labels: numeric ones first, in numeric
 *   order, then the others in code-point order (what `Array.prototype.sort` does). Its class names
 *   are the canonical forms (folder `07` is class `7`).
 * - A given vocabulary (`classNames`) keeps its spelling; two of its names with one canonical form
 *   (`1` and `1.0`) are an error.
 * - Values are matched to a vocabulary by name. A column of integers that are not all names but are
 *   all inside `0..k-1` is read as class ids (e.g. predictions written as `argmax` indices next to
 *   named classes); when some of them are also names (a vocabulary of numbers), that is ambiguous
 *   and an error asks for `labelsAs: 'names'` or `'ids'`.
 */

/** How written labels map to classes: by name, or as integer class ids (indices into the vocabulary). */
export type LabelsAs = 'names' | 'ids';

/** A decimal number parsed exactly: value = (neg ? -1 : 1) * digits * 10^exp, digits without leading/trailing zeros ('' for 0). */
interface Decimal {
  neg: boolean;
  digits: string;
  exp: number;
}

const DECIMAL = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d{1,9}))?$/;

function parseDecimal(s: string): Decimal | undefined {
  const m = DECIMAL.exec(s);
  if (!m) return undefined;
  const int = m[2] ?? '';
  const frac = m[3] ?? m[4] ?? '';
  let digits = (int + frac).replace(/^0+/, '');
  let exp = Number(m[5] ?? 0) - frac.length;
  if (digits === '') return { neg: false, digits: '', exp: 0 };
  const trimmed = digits.replace(/0+$/, '');
  exp += digits.length - trimmed.length;
  digits = trimmed;
  return { neg: m[1] === '-', digits, exp };
}

/** Shortest exact decimal spelling; scientific notation only for very large or very small magnitudes. */
function formatDecimal(d: Decimal): string {
  if (d.digits === '') return '0';
  const sign = d.neg ? '-' : '';
  const n = d.digits.length;
  const point = n + d.exp; // digits before the decimal point
  let body: string;
  if (d.exp >= 0 && point <= 40) body = d.digits + '0'.repeat(d.exp);
  else if (d.exp < 0 && point > 0) body = `${d.digits.slice(0, point)}.${d.digits.slice(point)}`;
  else if (d.exp < 0 && point > -20) body = `0.${'0'.repeat(-point)}${d.digits}`;
  else body = `${d.digits[0]}${n > 1 ? '.' + d.digits.slice(1) : ''}e${point - 1}`;
  return sign + body;
}

function compareDecimal(a: Decimal, b: Decimal): number {
  const sa = a.digits === '' ? 0 : a.neg ? -1 : 1;
  const sb = b.digits === '' ? 0 : b.neg ? -1 : 1;
  if (sa !== sb) return sa - sb;
  if (sa === 0) return 0;
  // Same sign: compare magnitudes (position of the leading digit, then the digits).
  const ma = a.digits.length + a.exp;
  const mb = b.digits.length + b.exp;
  let mag = ma !== mb ? ma - mb : 0;
  if (mag === 0) {
    const w = Math.max(a.digits.length, b.digits.length);
    const da = a.digits.padEnd(w, '0');
    const db = b.digits.padEnd(w, '0');
    mag = da < db ? -1 : da > db ? 1 : 0;
  }
  return sa * Math.sign(mag);
}

function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return '';
  return String(v);
}

/**
 * The canonical form of a written label, by which labels are compared everywhere (see the rule in
 * this file's header): trimmed, NFC, and numbers as their shortest exact decimal. Numbers (e.g. from
 * a `.npy` label array) are accepted too.
 *
 * @example
 * ```ts
 * ['0', '00', '+0', '-0.0'].map(canonicalLabel);  // ['0', '0', '0', '0']
 * ['1.0', '+1', ' 1 ', '1e0', '10e-1'].map(canonicalLabel); // all '1'
 * canonicalLabel('cafe\u0301');                    // 'café' (NFC)
 * canonicalLabel('0x10');                          // '0x10' (a name, not a number)
 * ```
 */
export function canonicalLabel(written: string | number | bigint): string {
  const t = asText(written).trim();
  const d = parseDecimal(t);
  return d ? formatDecimal(d) : t.normalize('NFC');
}

/** Whether a written label looks like a decimal number (so it sorts and matches as one). */
export function isNumericLabel(written: string | number | bigint): boolean {
  return parseDecimal(asText(written).trim()) !== undefined;
}

/** Orders canonical labels: numbers first by value, then names in code-point order. */
function compareLabels(a: string, b: string): number {
  const da = parseDecimal(a);
  const db = parseDecimal(b);
  if (da && db) return compareDecimal(da, db) || (a < b ? -1 : a > b ? 1 : 0);
  if (da) return -1;
  if (db) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The class vocabulary inferred from written labels: the distinct canonical labels (empty ones
 * skipped), numeric-looking ones first in numeric order, then the others in code-point order. This
 * is what `imageFolder` (folder names), `fromManifest` and `readPredictionsCsv` use when no
 * `classNames` are given, so `0, 2, 5` are classes 0, 1, 2 in all of them.
 *
 * @example
 * ```ts
 * fd.classVocabulary(['5', '0', '2', '00', '2.0']); // ['0', '2', '5']
 * fd.classVocabulary(['10', '9', 'cat', 'Cat']);     // ['9', '10', 'Cat', 'cat']
 * ```
 */
export function classVocabulary(written: Iterable<string | number | bigint>): string[] {
  const keys = new Set<string>();
  for (const w of written) {
    const k = canonicalLabel(w);
    if (k !== '') keys.add(k);
  }
  return [...keys].sort(compareLabels);
}

/**
 * Canonical label -> class id for a vocabulary; two names with one canonical form are an error.
 *
 * @example
 * ```ts
 * classIndex(['0', '2', '5']).get(canonicalLabel('5.0')); // 2
 * ```
 */
export function classIndex(classNames: readonly string[], what = 'classNames'): Map<string, number> {
  if (!Array.isArray(classNames)) throw new TypeError(`${what} must be an array of class names, got ${classNames}`);
  const index = new Map<string, number>();
  classNames.forEach((name, i) => {
    const k = canonicalLabel(name);
    const prev = index.get(k);
    if (prev !== undefined) {
      throw new Error(`${what}: '${classNames[prev]}' (class ${prev}) and '${name}' (class ${i}) are the same class (both read as '${k}'); list each class once`);
    }
    index.set(k, i);
  });
  return index;
}

/**
 * Whether two vocabularies name the same classes in the same order, comparing canonical labels
 * (`['0', '1']` and `['00', '1.0']` are the same).
 *
 * @example
 * ```ts
 * sameVocabulary(['0', '1'], ['00', '1.0']); // true
 * ```
 */
export function sameVocabulary(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => canonicalLabel(x) === canonicalLabel(b[i]));
}

/**
 * For each class of `from`, its id in `to` (matched by canonical name), or -1 where `to` lacks it.
 *
 * @example
 * ```ts
 * vocabularyMap(['0', '5'], ['0', '2', '5']); // Int32Array [0, 2]
 * ```
 */
export function vocabularyMap(from: readonly string[], to: readonly string[]): Int32Array {
  const index = classIndex(to);
  return Int32Array.from(from, (name) => index.get(canonicalLabel(name)) ?? -1);
}

/** Options of {@link encodeLabels}. */
export interface EncodeLabelsOptions {
  /**
   * Force how values map to classes: `'names'` (matched to `classNames`) or `'ids'` (integers
   * `0..k-1`, indices into `classNames`). Default: names when every value is a class name, ids when
   * none is a name and all are integers in range; otherwise an error naming the offending value.
   */
  labelsAs?: LabelsAs;
  /** Noun for the values in errors (default `'label'`). */
  what?: string;
  /** Where value `i` is, for errors (default `position i`), e.g. `(i) => \`labels.csv line ${i + 2}\``. */
  where?: (i: number) => string;
  /** Empty values become -1 (`UNLABELED`) instead of an error. Default false. */
  allowEmpty?: boolean;
}

/** A vocabulary in an error message: its size and first names. */
export function describeClasses(names: readonly string[]): string {
  const shown = names.slice(0, 8).map((s) => `'${s}'`).join(', ');
  return `${names.length} ${names.length === 1 ? 'class' : 'classes'}: ${shown}${names.length > 8 ? ', ...' : ''}`;
}

/**
 * Written labels (strings, or numbers such as a `.npy` label array from `readNpy`) as class ids of
 * `classNames`, by the one rule of this package (see {@link canonicalLabel}): values are matched by
 * canonical name (`'5.0'` is class `'5'`); a column of integers that are not all names but all lie in
 * `0..k-1` is read as class ids. Errors name the value, where it is, and the vocabulary.
 *
 * @example
 * ```ts
 * const names = ['0', '2', '5'];                    // e.g. train.classNames from a manifest
 * fd.encodeLabels(['5', '0', '2.0'], names);         // Int32Array [2, 0, 1]
 * fd.encodeLabels(Int32Array.from([1, 0, 1]), ['cat', 'dog']); // a .npy of argmax ids: Int32Array [1, 0, 1]
 * ```
 */
export function encodeLabels(values: ArrayLike<string | number | bigint | null | undefined>, classNames: readonly string[], opts: EncodeLabelsOptions = {}): Int32Array {
  const what = opts.what ?? 'label';
  const where = opts.where ?? ((i: number) => `position ${i}`);
  const index = classIndex(classNames);
  const k = classNames.length;
  const n = values.length;
  const keys: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    keys[i] = v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? '' : canonicalLabel(v);
    if (keys[i] === '' && !opts.allowEmpty) throw new Error(`${where(i)}: empty ${what}`);
  }
  const isId = (key: string) => /^\d+$/.test(key) && Number(key) < k;
  let mode = opts.labelsAs;
  if (mode !== undefined && mode !== 'names' && mode !== 'ids') throw new RangeError(`labelsAs must be 'names' or 'ids', got ${JSON.stringify(mode)}`);
  if (mode === undefined) {
    let allNames = true;
    let allIds = true;
    let someName = false;
    let firstNotName = -1;
    for (let i = 0; i < n; i++) {
      if (keys[i] === '') continue;
      const named = index.has(keys[i]);
      if (named) someName = true;
      else if (firstNotName < 0) firstNotName = i;
      allNames &&= named;
      allIds &&= isId(keys[i]);
    }
    if (allNames) mode = 'names';
    else if (allIds && !someName) mode = 'ids';
    else if (allIds) {
      const v = keys[firstNotName];
      throw new Error(
        `${where(firstNotName)}: ${what} '${v}' is not a class name but a valid class id, while other ${what}s are class names (${describeClasses(classNames)}); ` +
          `it is ambiguous whether these ${what}s are names or ids: pass labelsAs: 'names' or labelsAs: 'ids'`,
      );
    } else mode = 'names';
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    if (key === '') {
      out[i] = -1;
      continue;
    }
    if (mode === 'names') {
      const c = index.get(key);
      if (c === undefined) throw new Error(`${where(i)}: ${what} '${asText(values[i]).trim()}' is not a known class (${describeClasses(classNames)})`);
      out[i] = c;
    } else {
      if (!isId(key)) throw new Error(`${where(i)}: ${what} '${asText(values[i]).trim()}' is not a class id 0..${k - 1} (labelsAs: 'ids'; ${describeClasses(classNames)})`);
      out[i] = Number(key);
    }
  }
  return out;
}
