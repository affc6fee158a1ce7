/** Reading executed .ipynb files in the notebook tests. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';

export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[] | object>;
}

export interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
}

/** Jupyter stores multi-line strings as arrays of lines; JSON outputs stay objects. */
export const join = (v: string | string[] | object | undefined): string =>
  v === undefined ? '' : Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : JSON.stringify(v);

export const cellsOf = (file: string): Cell[] => JSON.parse(fs.readFileSync(file, 'utf8')).cells as Cell[];

export const codeCells = (file: string): Cell[] => cellsOf(file).filter((c) => c.cell_type === 'code');

export const src = (c: Cell): string => join(c.source);

/** Every output of the code cells, in order. */
export const outputsOf = (file: string): Output[] => codeCells(file).flatMap((c) => c.outputs ?? []);

/** The MIME bundles of the display outputs (figures, tables, strips, progress lines). */
export const richOf = (file: string): Array<Record<string, string | string[] | object>> =>
  outputsOf(file).filter((o) => o.output_type === 'display_data').map((o) => o.data!);

/**
 * Asserts that every code cell of an executed notebook ran, in order, and that nothing reached stderr
 * and no cell raised; `what` names the notebook in the messages.
 */
export function assertRanCleanly(file: string, what: string): void {
  const cells = codeCells(file);
  assert.ok(cells.every((c, i) => c.execution_count === i + 1), `${what}: every code cell ran, in order`);
  const bad = outputsOf(file).filter((o) => (o.output_type === 'stream' && o.name === 'stderr') || o.output_type === 'error');
  assert.deepEqual(bad.map((o) => join(o.text) || JSON.stringify(o)), [], `${what}: nothing on stderr`);
}
