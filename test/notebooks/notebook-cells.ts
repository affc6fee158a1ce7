/** Reading executed .ipynb files in the notebook tests. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import sharp from 'sharp';

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

/** One figure PNG of an exported notebook, as {@link assertFigurePngs} found it. */
export interface FigurePngInfo {
  title: string;
  bytes: number;
  width: number;
  height: number;
  png: Buffer;
  spec: { data: unknown[]; layout: Record<string, unknown> };
}

/**
 * Asserts that every Plotly output of an exported notebook carries an `image/png` (drawn at export)
 * that decodes as a PNG of the figure's own size (or 700 x 500), and that the PNG is stored once: not
 * inside the output's HTML, nor anywhere in the HTML export (which shows the interactive figure).
 */
export async function assertFigurePngs(notebookFile: string, htmlFile: string, what: string): Promise<FigurePngInfo[]> {
  const html = fs.readFileSync(htmlFile, 'utf8');
  const figures = richOf(notebookFile).filter((d) => 'application/vnd.plotly.v1+json' in d);
  const out: FigurePngInfo[] = [];
  for (const [k, d] of figures.entries()) {
    const spec = d['application/vnd.plotly.v1+json'] as FigurePngInfo['spec'];
    const t = spec.layout.title as { text?: string } | string | undefined;
    const title = (typeof t === 'string' ? t : t?.text ?? '').replace(/<[^>]+>/g, ' ').trim();
    const label = `${what}: figure ${k} "${title.slice(0, 60)}"`;
    assert.ok('image/png' in d, `${label}: has an image/png`);
    const b64 = join(d['image/png']).trim();
    const png = Buffer.from(b64, 'base64');
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png', `${label}: a PNG`);
    const size = (v: unknown, dflt: number) => (typeof v === 'number' && v > 0 ? v : dflt);
    assert.deepEqual([meta.width, meta.height], [size(spec.layout.width, 700), size(spec.layout.height, 500)], `${label}: the figure's own size`);
    assert.ok(!/data:image|<img/.test(join(d['text/html'])), `${label}: no image inside the output's HTML`);
    assert.ok(!html.includes(b64.slice(0, 400)), `${label}: the PNG is not repeated in the HTML export`);
    out.push({ title, bytes: png.length, width: meta.width!, height: meta.height!, png, spec });
  }
  return out;
}
