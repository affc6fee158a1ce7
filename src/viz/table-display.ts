/**
 * Arquero tables as notebook outputs: an HTML view with a size footer when a table is a cell's last
 * value.
 */
import * as util from 'node:util';
import * as aq from 'arquero';
import { Displayable, inspectDisplayable, MimeBundle } from './kernel-bridge';
import { isTable, tableBundle, tableText, type TableLike } from './table-html';


let patched = false;

/**
 * Makes Arquero tables render as HTML when they are a cell's last value: adds `[util.inspect.custom]`
 * and `[Symbol.for('Jupyter.display')]` to the prototype of this package's Arquero `ColumnTable`
 * (tables from another Arquero copy still render through `show`). Only `init()` calls it, so merely
 * importing the package changes nothing.
 */
/** A table as a self-rendering value. */
function tableView(table: TableLike): Displayable & { toString(): string } {
  return { toMimeBundle: () => tableBundle(table), toString: () => tableText(table) };
}

export function patchArquero(): void {
  if (patched) return;
  patched = true;
  const proto = aq.ColumnTable.prototype as unknown as Record<symbol, unknown>;
  const custom = util.inspect.custom;
  if (!Object.prototype.hasOwnProperty.call(proto, custom)) {
    Object.defineProperty(proto, custom, {
      configurable: true,
      writable: true,
      value: function (this: unknown, depth: number, options: util.InspectOptionsStylized): string {
        if (!isTable(this)) return '[table]';
        const view = tableView(this);
        return inspectDisplayable(view, depth, options);
      },
    });
  }
  const jd = Symbol.for('Jupyter.display');
  if (!Object.prototype.hasOwnProperty.call(proto, jd)) {
    Object.defineProperty(proto, jd, {
      configurable: true,
      writable: true,
      value: function (this: unknown): MimeBundle {
        return isTable(this) ? tableBundle(this) : { 'text/plain': String(this) };
      },
    });
  }
}

