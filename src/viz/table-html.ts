/**
 * Arquero tables as HTML and text: a row limit, readable numbers and an "N rows x M columns" footer.
 * Works on any object with Arquero's read API (`numRows`, `columnNames`, `get`), so tables built with
 * another copy of Arquero render too.
 */
import { escapeXml, oneLine } from '../util/escape';
import { formatCount, formatNumber } from '../util/format';

/** The part of Arquero's table API the renderers use. */
export interface TableLike {
  numRows(): number;
  numCols(): number;
  columnNames(): string[];
  get(column: string, row?: number): unknown;
}

/** Options of {@link tableHtml} and {@link tableText}. */
export interface TableViewOptions {
  /** Rows to show (the first ones). Default 10. */
  limit?: number;
  /** Columns to show, in order. Default: all. */
  columns?: string[];
  /** Significant digits of non-integer numbers. Default 4. */
  digits?: number;
}

/**
 * Whether `x` looks like an Arquero table.
 *
 * @example
 * ```ts
 * import * as aq from 'arquero';
 * isTable(aq.table({ a: [1] })); // true
 * ```
 */
export function isTable(x: unknown): x is TableLike {
  const t = x as TableLike;
  return !!t && typeof t === 'object' && typeof t.numRows === 'function' && typeof t.numCols === 'function' &&
    typeof t.columnNames === 'function' && typeof t.get === 'function';
}

/**
 * One table cell as text: numbers via {@link formatNumber}, booleans, dates as ISO, arrays abbreviated,
 * missing values empty.
 *
 * @example
 * ```ts
 * formatCell(new Float32Array([0.5, 0.25, 1])); // '[0.5, 0.25, 1]'
 * ```
 */
export function formatCell(v: unknown, digits = 4): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return formatNumber(v, digits);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  // User text: one safe line (control characters visible, bidi overrides isolated), 80 characters.
  if (typeof v === 'string') return oneLine(v, 80);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString().replace('T00:00:00.000Z', '');
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const arr = Array.from(v as ArrayLike<unknown>);
    const head = arr.slice(0, 4).map((x) => formatCell(x, digits)).join(', ');
    return arr.length > 4 ? `[${head}, … ${arr.length} values]` : `[${head}]`;
  }
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return oneLine(s, 80);
}

interface View {
  names: string[];
  rows: number;
  shown: number;
  cells: string[][];
  numeric: boolean[];
}

function view(table: TableLike, opts: TableViewOptions): View {
  if (!isTable(table)) throw new Error('tableHtml: expected an Arquero table (numRows/columnNames/get)');
  const limit = opts.limit ?? 10;
  if (!(Number.isInteger(limit) && limit >= 0)) throw new Error(`tableHtml: limit must be a non-negative integer, got ${limit}`);
  const all = table.columnNames();
  const names = opts.columns ?? all;
  for (const c of names) if (!all.includes(c)) throw new Error(`tableHtml: no column '${c}' (columns: ${all.join(', ')})`);
  const rows = table.numRows();
  const shown = Math.min(rows, limit);
  const numeric = names.map(() => true);
  const cells: string[][] = [];
  for (let r = 0; r < shown; r++) {
    const row: string[] = [];
    names.forEach((c, j) => {
      const v = table.get(c, r);
      if (v !== null && v !== undefined && typeof v !== 'number' && typeof v !== 'bigint') numeric[j] = false;
      row.push(formatCell(v, opts.digits));
    });
    cells.push(row);
  }
  return { names, rows, shown, cells, numeric };
}

function footer(v: View, cols: number): string {
  const dims = `${formatCount(v.rows)} ${v.rows === 1 ? 'row' : 'rows'} x ${formatCount(cols)} ${cols === 1 ? 'column' : 'columns'}`;
  return v.shown < v.rows ? `${dims} (first ${formatCount(v.shown)} shown)` : dims;
}

const TABLE_CSS =
  '.fd-table{border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums;margin:0}' +
  '.fd-table th,.fd-table td{padding:2px 8px;border:none;border-bottom:1px solid #e3e3e3;white-space:nowrap}' +
  '.fd-table th{border-bottom:1px solid #999;font-weight:600}' +
  '.fd-table tbody tr:nth-child(odd){background:#f7f7f7}' +
  '.fd-table-footer{font-size:11px;color:#666;margin:3px 0 0 2px}';

/**
 * An Arquero table as an HTML `<table>` (first `limit` rows, numbers right-aligned with
 * {@link formatNumber}) followed by a footer such as `10,000 rows x 11 columns (first 10 shown)`.
 *
 * @example
 * ```ts
 * import * as aq from 'arquero';
 * tableHtml(aq.table({ id: [1, 2], score: [-0.51234, 1.5] }), { limit: 5 });
 * ```
 */
export function tableHtml(table: TableLike, opts: TableViewOptions = {}): string {
  const v = view(table, opts);
  const align = (j: number) => (v.numeric[j] ? 'right' : 'left');
  const head = v.names.map((n, j) => `<th style="text-align:${align(j)}">${escapeXml(oneLine(n, 80))}</th>`).join('');
  const body = v.cells
    .map((row) => `<tr>${row.map((c, j) => `<td style="text-align:${align(j)}">${escapeXml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return (
    `<div class="fd-table-wrap"><style>${TABLE_CSS}</style>` +
    `<table class="fd-table"><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>` +
    `<div class="fd-table-footer">${escapeXml(footer(v, table.numCols()))}</div></div>`
  );
}

/**
 * An Arquero table as aligned plain text with the same footer as {@link tableHtml}.
 *
 * @example
 * ```ts
 * console.log(tableText(scores, { limit: 5 }));
 * ```
 */
export function tableText(table: TableLike, opts: TableViewOptions = {}): string {
  const v = view(table, opts);
  const names = v.names.map((n) => oneLine(n, 80));
  const widths = names.map((n, j) => Math.max(n.length, ...v.cells.map((r) => r[j].length)));
  const pad = (s: string, j: number) => (v.numeric[j] ? s.padStart(widths[j]) : s.padEnd(widths[j]));
  const lines = [names.map(pad).join('  '), widths.map((w) => '-'.repeat(w)).join('  '), ...v.cells.map((r) => r.map(pad).join('  '))];
  return lines.map((l) => l.trimEnd()).join('\n') + '\n' + footer(v, table.numCols());
}

/**
 * The MIME bundle of a table: `text/html` and `text/plain`.
 *
 * @example
 * ```ts
 * tableBundle(scores, { limit: 20 })['text/html'];
 * ```
 */
export function tableBundle(table: TableLike, opts: TableViewOptions = {}): { 'text/html': string; 'text/plain': string } {
  return { 'text/html': tableHtml(table, opts), 'text/plain': tableText(table, opts) };
}
