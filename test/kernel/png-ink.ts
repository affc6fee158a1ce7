/**
 * Reading a rendered figure PNG against plotly's own layout: where the trace colours ("ink": pixels
 * whose channels differ by more than `minChroma`, i.e. coloured, not the grey/black of text, axes,
 * grid lines and the white background) fall relative to the subplots' plot areas.
 */
import sharp from 'sharp';

export interface Area {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface InkReport {
  /** Per plot area: how many of its pixel columns hold ink within its rows. */
  inside: Array<{ id: string; columns: number; width: number }>;
  /**
   * Columns with ink that lie between the leftmost and rightmost plot area but inside none of them,
   * counted over the rows the areas span. A figure with side-by-side panels drawn as one merged chart
   * has its bars there.
   */
  between: number;
}

/** Where the coloured pixels of `png` are, relative to the plot `areas` (CSS px; `scale` px per CSS px). */
export async function inkByArea(png: Buffer, areas: Area[], opts: { scale?: number; minChroma?: number } = {}): Promise<InkReport> {
  const scale = opts.scale ?? 1;
  const minChroma = opts.minChroma ?? 50;
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const inkAt = (x: number, y: number) => {
    const o = (y * info.width + x) * info.channels;
    const r = data[o], g = data[o + 1], b = data[o + 2];
    return Math.max(r, g, b) - Math.min(r, g, b) > minChroma;
  };
  const px = (v: number) => Math.round(v * scale);
  const columnHasInk = (x: number, y0: number, y1: number) => {
    for (let y = Math.max(0, y0); y < Math.min(info.height, y1); y++) if (inkAt(x, y)) return true;
    return false;
  };
  const inside = areas.map((a) => {
    let columns = 0;
    // One pixel in from each edge: the axis lines sit on the border.
    for (let x = px(a.x) + 1; x < px(a.x + a.width) - 1; x++) if (columnHasInk(x, px(a.y) + 1, px(a.y + a.height) - 1)) columns++;
    return { id: a.id, columns, width: px(a.width) };
  });
  const y0 = px(Math.min(...areas.map((a) => a.y)));
  const y1 = px(Math.max(...areas.map((a) => a.y + a.height)));
  const left = px(Math.min(...areas.map((a) => a.x)));
  const right = px(Math.max(...areas.map((a) => a.x + a.width)));
  let between = 0;
  for (let x = left; x < right; x++) {
    if (areas.some((a) => x >= px(a.x) - 1 && x <= px(a.x + a.width) + 1)) continue;
    if (columnHasInk(x, y0, y1)) between++;
  }
  return { inside, between };
}
