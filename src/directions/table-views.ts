/**
 * Views of a scores (or predictions) table that notebooks need all the time: one class's rows, and
 * the hardest / easiest rows per class. Each returns a view of the same table (Arquero filter +
 * order over the same columns), so the result still knows its input: it can go straight into
 * `imageStrip`, `projectionPlot` or `scoreHistogram`.
 */
import * as aq from 'arquero';
import { attachedClassNames } from '../data/table-vocabulary';
import type { ScoresTable } from './scores-table';

/** A class, by id or by name. */
export type ClassRef = number | string;

/** Options of {@link hardest} and {@link easiest}. */
export interface ExtremesOptions {
  /** Only this class (id or name); default every class, `k` rows each. */
  classId?: ClassRef;
  /** Rows per class (default 10). */
  k?: number;
  /** The column to rank by (default `'score'`; e.g. `'confidence'` for the baseline). */
  by?: string;
}

/**
 * The rows of one class (by id or name) of a scores or predictions table, in the table's order.
 *
 * @example
 * ```ts
 * fd.ofClass(scores, 'digit 0-4').orderby('score');
 * ```
 */
export function ofClass(table: ScoresTable, classId: ClassRef): ScoresTable {
  const caller = 'ofClass';
  const c = resolveClass(table, classId, caller);
  const label = dataColumn(table, 'label', caller);
  return takeRows(table, Array.from(table.indices()).filter((r) => label(r) === c));
}

/**
 * The `k` lowest-scored rows (the failure side) of each class, or of one class with `classId`:
 * sorted by class, then from the hardest up. Rows with a NaN score (a class without a direction) are
 * left out. Ties keep the table's order.
 *
 * @example
 * ```ts
 * fd.hardest(scores, { classId: 0, k: 8 });   // class 0's 8 hardest test images
 * fd.hardest(scores, { k: 5 });               // 5 per class
 * ```
 */
export function hardest(table: ScoresTable, options: ExtremesOptions = {}): ScoresTable {
  return extremes(table, options, 1, 'hardest');
}

/**
 * The `k` highest-scored rows (the easy side) of each class, or of one class with `classId`: sorted
 * by class, then from the easiest down. See {@link hardest}.
 *
 * @example
 * ```ts
 * fd.easiest(scores, { classId: 0, k: 8 });
 * ```
 */
export function easiest(table: ScoresTable, options: ExtremesOptions = {}): ScoresTable {
  return extremes(table, options, -1, 'easiest');
}

function extremes(table: ScoresTable, options: ExtremesOptions, sign: 1 | -1, caller: string): ScoresTable {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${caller}: k must be a positive integer, got ${k}`);
  const by = options.by ?? 'score';
  const value = dataColumn(table, by, caller);
  const label = dataColumn(table, 'label', caller);
  const only = options.classId === undefined ? undefined : resolveClass(table, options.classId, caller);
  const perClass = new Map<number, Array<{ row: number; v: number; at: number }>>();
  Array.from(table.indices()).forEach((row, at) => {
    const c = label(row) as number;
    if (only !== undefined && c !== only) return;
    const v = value(row);
    if (typeof v !== 'number' || Number.isNaN(v)) return;
    let list = perClass.get(c);
    if (!list) perClass.set(c, (list = []));
    list.push({ row, v, at });
  });
  if (only !== undefined && !perClass.has(only)) {
    const present = Array.from(table.indices()).some((r) => label(r) === only);
    const name = classLabel(table, only);
    if (present) throw new Error(`${caller}: class ${name} has no ${by === 'score' ? 'direction (every score is NaN; dirs.classSummary_ says why, e.g. no errors)' : `'${by}' values`}`);
    throw new RangeError(`${caller}: the table has no rows of class ${name}`);
  }
  const rows: number[] = [];
  for (const c of [...perClass.keys()].sort((a, b) => a - b)) {
    const list = perClass.get(c)!;
    list.sort((a, b) => sign * (a.v - b.v) || a.at - b.at);
    for (const e of list.slice(0, k)) rows.push(e.row);
  }
  return takeRows(table, rows);
}

/** `3 ('Sneaker')`, or `3` when the table does not name its classes. */
function classLabel(table: ScoresTable, c: number): string {
  const names = attachedClassNames(table);
  return names && names[c] !== undefined ? `${c} ('${names[c]}')` : String(c);
}

/** A view of `table` showing exactly `rows` (underlying row indices), in that order. */
function takeRows(table: ScoresTable, rows: number[]): ScoresTable {
  const mask = new aq.BitSet(table.totalRows());
  const position = new Int32Array(table.totalRows());
  rows.forEach((r, i) => {
    mask.set(r);
    position[r] = i;
  });
  return table.create({ filter: mask, order: (a: number, b: number) => position[a] - position[b], groups: null as never });
}

/**
 * @internal A column's value by **underlying** row index (what `table.indices()` returns), unlike
 * Arquero's `getter`, which takes a position in the view.
 */
export function dataColumn(table: ScoresTable, name: string, caller: string): (row: number) => unknown {
  if (table == null || typeof (table as { columnNames?: unknown }).columnNames !== 'function') throw new TypeError(`${caller}: expected an Arquero table, got ${table}`);
  if (!table.columnNames().includes(name)) throw new Error(`${caller}: the table has no '${name}' column (columns: ${table.columnNames().join(', ')})`);
  const column = table.column(name) as { at(row: number): unknown };
  return (row) => column.at(row);
}

/** A class id from an id or a name, checked against the table's vocabulary or its rows. */
export function resolveClass(table: ScoresTable, classId: ClassRef, caller: string): number {
  const names = attachedClassNames(table);
  if (typeof classId === 'number') {
    if (!Number.isInteger(classId) || classId < 0 || (names && classId >= names.length)) {
      throw new RangeError(`${caller}: class ${classId} is not a class of this table${names ? ` (0..${names.length - 1}: ${names.join(', ')})` : ''}`);
    }
    return classId;
  }
  if (names) {
    const c = names.indexOf(classId);
    if (c < 0) throw new RangeError(`${caller}: no class named '${classId}' (classes: ${names.join(', ')})`);
    return c;
  }
  const label = dataColumn(table, 'label', caller);
  const name = dataColumn(table, 'className', caller);
  for (const r of table.indices()) if (name(r) === classId) return label(r) as number;
  throw new RangeError(`${caller}: no rows of a class named '${classId}' in this table`);
}
