/**
 * The class vocabulary of a predictions or scores table. An Arquero table holds class ids (`label`,
 * `pred`) and names (`className`, `predName`) per row, but not the full list of classes (a split may
 * lack some). Tables this package builds remember it here, keyed by the table's `label` column, which
 * Arquero shares between a table and every filtered, ordered, selected or derived view of it — so
 * `preds.filter(...)` still knows its classes. Tables built elsewhere fall back to the names found in
 * their rows.
 */

interface TableWithColumns {
  columnNames(): string[];
  column(name: string): unknown;
}

const vocabularies = new WeakMap<object, readonly string[]>();

/**
 * Records `classNames` as the vocabulary of `table` (and of every view sharing its `label` column).
 *
 * @example
 * ```ts
 * import * as aq from 'arquero';
 * const table = attachClassNames(aq.table({ id: ['a'], label: [1] }), ['cat', 'dog']);
 * ```
 */
export function attachClassNames<T extends TableWithColumns>(table: T, classNames: readonly string[]): T {
  const key = table.column('label');
  if (key && typeof key === 'object') vocabularies.set(key, Object.freeze([...classNames]));
  return table;
}

/**
 * The vocabulary recorded for `table` by {@link attachClassNames}, or undefined.
 *
 * @example
 * ```ts
 * attachedClassNames(a.predictions.test); // the split's class names
 * ```
 */
export function attachedClassNames(table: TableWithColumns): string[] | undefined {
  if (!table.columnNames().includes('label')) return undefined;
  const key = table.column('label');
  const names = key && typeof key === 'object' ? vocabularies.get(key) : undefined;
  return names ? [...names] : undefined;
}
