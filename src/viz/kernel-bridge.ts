/**
 * The bridge to the notebook kernel: the only code that talks to tslab. Everything that displays
 * goes through `publish`.
 *
 * In a tslab kernel, outputs go through tslab's internal per-cell writer so that one output can carry
 * several MIME types (Plotly JSON + HTML + text); if that internal hook ever disappears, the public
 * `display.raw` (one MIME type per output) is the fallback. Outside a kernel, displays print a text
 * summary to stdout. Objects that render themselves (figures, tables, image strips) do so from
 * `util.inspect`, which tslab applies to a cell's last value, and through `Symbol.for('Jupyter.display')`
 * for Deno's kernel.
 */
import * as path from 'node:path';
import * as util from 'node:util';


/** MIME type -> content (text, or base64 for binary types such as `image/png`). */
export type MimeBundle = Record<string, string | object>;

/** One display message as the Jupyter protocol carries it. */
export interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

/** Receives display messages; `update` replaces the output with the same `transient.display_id`. */
export type DisplayWriter = (message: DisplayMessage, update: boolean) => void;

/**
 * Anything that can render itself as a MIME bundle (figures, image strips, table views).
 *
 * @example
 * ```ts
 * const hello: Displayable = { toMimeBundle: () => ({ 'text/html': '<b>hi</b>', 'text/plain': 'hi' }) };
 * fd.show(hello);
 * ```
 */
export interface Displayable {
  toMimeBundle(): MimeBundle;
}

/**
 * Whether `x` renders itself (has `toMimeBundle`).
 *
 * @example
 * ```ts
 * isDisplayable(new fd.Figure({ data: [], layout: {} })); // true
 * ```
 */
export function isDisplayable(x: unknown): x is Displayable {
  return !!x && typeof (x as Displayable).toMimeBundle === 'function';
}

interface TslabPublic {
  display: { raw(contentType: string, b: string | Uint8Array): void };
  newDisplay(): { raw(contentType: string, b: string | Uint8Array): void };
}

let customWriter: DisplayWriter | null | undefined;
export let jupyterModule: { exports: { lastWriteDisplayData?: unknown } } | undefined;

/** The kernel's own copy of tslab (a library's own `require('tslab')` would get an unready copy). */
function kernelTslab(): TslabPublic | undefined {
  const t = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__;
  if (!t || typeof t.require !== 'function') return undefined;
  try {
    const m = t.require('tslab') as TslabPublic;
    return m && m.display && typeof m.display.raw === 'function' ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * tslab's internal per-cell writer, `lastWriteDisplayData(message, update)` exported by the kernel's
 * `tslab/dist/jupyter.js`. Not public API: everything that depends on it is in this function, and
 * callers fall back to `display.raw` when it is missing.
 */
export function tslabInternalWriter(): DisplayWriter | undefined {
  if (!jupyterModule) {
    const suffix = ['tslab', 'dist', 'jupyter.js'].join(path.sep);
    for (const m of Object.values(require.cache)) {
      if (m && m.filename.endsWith(suffix) && m.exports && 'lastWriteDisplayData' in m.exports) {
        jupyterModule = m as unknown as { exports: { lastWriteDisplayData?: unknown } };
        break;
      }
    }
  }
  const write = jupyterModule?.exports.lastWriteDisplayData;
  if (typeof write !== 'function') return undefined;
  return (message, update) => (write as DisplayWriter)(message, update);
}

/** The richest type a one-MIME-per-output display can show, in frontend preference order. */
const FALLBACK_ORDER = ['text/html', 'image/png', 'image/svg+xml', 'text/markdown', 'text/plain'];

function publicApiWriter(tslab: TslabPublic): DisplayWriter {
  const handles = new Map<string, { raw(contentType: string, b: string | Uint8Array): void }>();
  return (message, update) => {
    const type = FALLBACK_ORDER.find((t) => typeof message.data[t] === 'string');
    if (!type) return;
    const value = message.data[type] as string;
    const payload = type === 'image/png' ? Buffer.from(value, 'base64') : value;
    const id = message.transient?.display_id;
    if (!id) return tslab.display.raw(type, payload);
    let h = handles.get(id);
    if (!h || !update) {
      h = tslab.newDisplay();
      handles.set(id, h);
    }
    h.raw(type, payload);
  };
}

/**
 * The writer displays go to: one set with {@link setDisplayWriter}, else the tslab kernel's, else none
 * (outside a kernel).
 */
export function currentWriter(): DisplayWriter | undefined {
  if (customWriter !== undefined) return customWriter ?? undefined;
  const tslab = kernelTslab();
  if (!tslab) return undefined;
  return tslabInternalWriter() ?? publicApiWriter(tslab);
}

/**
 * Routes displays to `writer` instead of the kernel (e.g. to collect them in tests or to bridge another
 * kernel); `null` forces the text fallback, `undefined` restores automatic detection. Returns the
 * previous setting.
 *
 * @example
 * ```ts
 * const seen: DisplayMessage[] = [];
 * setDisplayWriter((m) => seen.push(m));
 * fd.show(fd.scoreHistogram(scores));
 * setDisplayWriter(undefined);
 * ```
 */
export function setDisplayWriter(writer: DisplayWriter | null | undefined): DisplayWriter | null | undefined {
  const prev = customWriter;
  customWriter = writer;
  return prev;
}

/**
 * Whether displays reach a notebook (a tslab kernel or a writer set with {@link setDisplayWriter}).
 *
 * @example
 * ```ts
 * if (!inNotebook()) console.log('running in plain Node');
 * ```
 */
export function inNotebook(): boolean {
  return currentWriter() !== undefined;
}

/**
 * Sends one output carrying every MIME type of `bundle` (text summary on stdout outside a kernel).
 * With `displayId`, a later call with `update: true` replaces that output in place.
 *
 * @example
 * ```ts
 * publish({ 'text/html': '<b>done</b>', 'text/plain': 'done' });
 * ```
 */
export function publish(bundle: MimeBundle, opts: { displayId?: string; update?: boolean; metadata?: Record<string, unknown> } = {}): undefined {
  const writer = currentWriter();
  if (!writer) {
    const text = bundle['text/plain'];
    if (typeof text === 'string' && !opts.update) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    return undefined;
  }
  const message: DisplayMessage = { data: bundle, metadata: opts.metadata ?? {}, transient: opts.displayId ? { display_id: opts.displayId } : {} };
  writer(message, !!opts.update);
  return undefined;
}

/**
 * tslab prints a cell's last value with `console.log(util.inspect(value))`. A self-rendering object
 * publishes its bundle from `inspect` and returns a summary; this swallows that one echoed line so the
 * cell shows only the rich output. The guard restores stdout after one write or on the next turn.
 */
function swallowEcho(line: string): void {
  const out = process.stdout;
  const original = out.write;
  let done = false;
  const restore = () => {
    if (!done && out.write === filter) out.write = original;
    done = true;
  };
  const filter = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
    restore();
    if (typeof chunk === 'string' && chunk === line + '\n') return true;
    return (original as (...a: unknown[]) => boolean).call(out, chunk, ...rest);
  } as typeof out.write;
  out.write = filter;
  setImmediate(restore);
}

/**
 * The `[util.inspect.custom]` behaviour shared by self-rendering objects: as the top-level value in a
 * notebook (a cell's last expression, or `console.log(x)`), publish the bundle and print nothing else;
 * nested, or outside a notebook, inspect as the one-line text summary.
 *
 * @example
 * ```ts
 * import * as util from 'node:util';
 * class Card implements Displayable {
 *   toMimeBundle() { return { 'text/html': '<i>card</i>', 'text/plain': 'card' }; }
 *   [util.inspect.custom](depth: number, o: util.InspectOptionsStylized) { return inspectDisplayable(this, depth, o); }
 * }
 * ```
 */
export function inspectDisplayable(obj: Displayable, depth: number, options: util.InspectOptionsStylized): string {
  const topLevel = depth === options.depth;
  if (topLevel && inNotebook()) {
    const bundle = obj.toMimeBundle();
    publish(bundle);
    const summary = summaryOf(bundle);
    swallowEcho(summary);
    return summary;
  }
  // Text only: never build the bundle just to print a summary.
  return String(obj);
}

function summaryOf(bundle: MimeBundle): string {
  const text = bundle['text/plain'];
  return typeof text === 'string' ? text.split('\n')[0] : '[display]';
}

