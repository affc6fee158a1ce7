/** Reading executed .ipynb files in the notebook tests. */
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
