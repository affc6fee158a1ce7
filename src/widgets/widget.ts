/**
 * Kernel-side Jupyter widget models: state kept in the kernel and mirrored in the front end over one
 * comm per model, speaking the `jupyter.widget` protocol (ipywidgets' `packages/schema/messages.md`).
 *
 * Two protocol versions are spoken, chosen per widget when it is created:
 * - **1** (ipywidgets 6; the `jupyter-js-widgets` 2.1 front end of Debian's classic notebook, model
 *   module `jupyter-js-widgets` `~2.1.4`): `comm_open` carries the flat state, the front end syncs
 *   with `backbone` messages, a widget is shown by a `display` comm message;
 * - **2** (2.1: ipywidgets 8, `@jupyter-widgets/controls` 2.0.0, `@jupyter-widgets/base` 2.0.0,
 *   `@jupyter-widgets/output` 1.0.0): `comm_open` carries `{state, buffer_paths}` and the protocol
 *   version in its metadata, both sides sync with `update`, a widget is shown by a `display_data`
 *   output with the `application/vnd.jupyter.widget-view+json` MIME type.
 * The kernel picks 1 when a front end opened the `jupyter.widget.version` comm (ipywidgets 6 does on
 * connect), else 2; `FD_WIDGET_PROTOCOL=1|2` overrides.
 *
 * Observers follow traitlets' `observe`: `handler({ name, old, new, owner })` after a change, from the
 * kernel or the front end. A handler's error (or rejection) never reaches the kernel loop: it is shown
 * in the widget's `errorOutput` (an `Output` widget), else as an error output of the cell that
 * displayed the widget.
 */
import * as crypto from 'node:crypto';
import * as util from 'node:util';
import { isInterrupt, type Comm, type CommMessage } from './comm';
import { kernelHost, KernelHost } from './kernel-host';
import type { MessageHeader } from './wire';
import { inspectDisplayable, MimeBundle } from '../viz/display';

/** Widget messaging protocol major version (see the module comment). */
export type WidgetProtocol = 1 | 2;

/** The front-end package a model or view lives in. */
export type WidgetModule = 'controls' | 'base' | 'output';

/** Module name and semver range per protocol. */
export const WIDGET_MODULES: Record<WidgetProtocol, Record<WidgetModule, { name: string; version: string }>> = {
  1: {
    controls: { name: 'jupyter-js-widgets', version: '~2.1.4' },
    base: { name: 'jupyter-js-widgets', version: '~2.1.4' },
    output: { name: 'jupyter-js-widgets', version: '~2.1.4' },
  },
  2: {
    controls: { name: '@jupyter-widgets/controls', version: '2.0.0' },
    base: { name: '@jupyter-widgets/base', version: '2.0.0' },
    output: { name: '@jupyter-widgets/output', version: '1.0.0' },
  },
};

/** The `jupyter.widget` protocol version sent in `comm_open` metadata under protocol 2. */
export const WIDGET_PROTOCOL_2_VERSION = '2.1.0';

/** Thrown when widgets are created outside the comm-enabled kernel. */
export class NoWidgetKernelError extends Error {
  constructor(what: string) {
    super(
      `${what}: live widgets need the failure-directions kernel (tslab with comms). In this repository run ` +
        '`bash kernel/setup.sh` (it registers that kernel as `tslab` in kernel/jupyter); elsewhere run ' +
        '`npx failure-directions-kernel install --user`, then restart the kernel.',
    );
    this.name = 'NoWidgetKernelError';
  }
}

/**
 * The protocol new widgets speak in this kernel: `FD_WIDGET_PROTOCOL` if set, else 1 when an
 * ipywidgets-6 front end announced itself, else 2.
 *
 * @example
 * ```ts
 * if (widgetProtocol() === 1) console.log('classic notebook with ipywidgets 6');
 * ```
 */
export function widgetProtocol(host: KernelHost | undefined = kernelHost()): WidgetProtocol {
  const env = process.env.FD_WIDGET_PROTOCOL;
  if (env === '1' || env === '2') return Number(env) as WidgetProtocol;
  return host?.widgetFrontend?.protocol === 1 ? 1 : 2;
}

/** What an observer receives. */
export interface WidgetChange<T = unknown> {
  /** The trait that changed (`value`, `index`, ...). */
  name: string;
  old: T;
  new: T;
  owner: Widget;
}

/** An `observe` handler; may return a promise (awaited, and abandoned on a kernel interrupt). */
export type WidgetObserver<T = unknown> = (change: WidgetChange<T>) => unknown;

/** Where a widget's callback errors are shown (an `Output` widget implements it). */
export interface ErrorSink {
  showError(error: unknown, context?: string): void;
}

/** Which front-end classes a model uses. */
export interface ModelSpec {
  module: WidgetModule;
  model: string;
  /** Null for models without a view (layouts use their own view names). */
  view: string | null;
  viewModule?: WidgetModule;
}

/** Options shared by every widget constructor. */
export interface WidgetOptions {
  /** Override the protocol (default {@link widgetProtocol}). */
  protocol?: WidgetProtocol;
}

/** Jupyter's `error` message content for an exception. */
export function errorContent(error: unknown, context?: string): { ename: string; evalue: string; traceback: string[] } {
  const e = error instanceof Error ? error : new Error(String(error));
  const stack = (e.stack ?? `${e.name}: ${e.message}`).split('\n');
  return {
    ename: e.name,
    evalue: context ? `${context}: ${e.message}` : e.message,
    traceback: context ? [`${context}:`, ...stack] : stack,
  };
}

const WIDGET_REF = 'IPY_MODEL_';

let modelCounter = 0;
let liveEpoch: string | null = null;

/**
 * A new model id. Headless runs (no widget front end announced, e.g. nbclient) get ids from a
 * per-process counter, so re-running a notebook saves the same outputs. With a live front end the ids
 * also carry a per-kernel random part: after a restart, views left on the page from the previous kernel
 * must not reach the new kernel's widgets.
 */
export function nextModelId(host: KernelHost | undefined = kernelHost()): string {
  const n = (++modelCounter).toString().padStart(4, '0');
  if (!host?.widgetFrontend) return `fd-model-${n}`;
  liveEpoch ??= crypto.randomBytes(6).toString('hex');
  return `fd-model-${liveEpoch}-${n}`;
}

/**
 * Base class of every widget model. Subclasses declare their model (per protocol) and traits; the
 * base keeps the state, opens the comm, syncs changes both ways and runs observers.
 */
export abstract class Widget {
  /** The comm id, which is the front end's model id. */
  readonly modelId: string;
  /** The protocol this widget speaks (fixed at creation). */
  readonly protocol: WidgetProtocol;
  /** Where errors of this widget's observers go (default: the cell that displayed it). */
  errorOutput: ErrorSink | null = null;
  protected readonly host: KernelHost;
  protected readonly comm: Comm;
  /** Kernel-side trait values (what observers see). */
  protected readonly traits: Record<string, unknown>;
  private observers: Array<{ handler: WidgetObserver; names: Set<string> | null }> = [];
  private held: Set<string> | null = null;
  private displayParent: MessageHeader | null = null;
  private isClosed = false;

  protected constructor(traits: Record<string, unknown>, opts: WidgetOptions = {}) {
    const host = kernelHost();
    if (!host) throw new NoWidgetKernelError(new.target.name);
    this.host = host;
    this.protocol = opts.protocol ?? widgetProtocol(host);
    this.traits = { ...traits };
    const state = this.fullWireState();
    const commId = nextModelId(host);
    this.comm =
      this.protocol === 1
        ? host.comms.openComm('jupyter.widget', state, { commId })
        : host.comms.openComm('jupyter.widget', { state, buffer_paths: [] }, { commId, metadata: { version: WIDGET_PROTOCOL_2_VERSION } });
    this.modelId = this.comm.id;
    this.comm.onMsg((m) => this.onFrontendMessage(m));
    this.comm.onError((e) => this.reportError(e));
    this.comm.onClose(() => {
      this.isClosed = true;
    });
  }

  /** The front-end model (and view) classes, per protocol. */
  protected abstract modelSpec(protocol: WidgetProtocol): ModelSpec;

  /** Kernel value of a trait -> wire value (default: widgets become `IPY_MODEL_<id>` references). */
  protected toWire(name: string, value: unknown): [string, unknown] | null {
    return [name, refs(value)];
  }

  /** Wire value from the front end -> `[trait, kernel value]`, or null to ignore the key. */
  protected fromWire(key: string, value: unknown): [string, unknown] | null {
    return key.startsWith('_') || key === 'layout' || key === 'style' || key === 'children' ? null : [key, value];
  }

  /**
   * Adds changes that follow from `changes` (e.g. a dropdown's `value` from its `index`) after the
   * front end changed traits; the derived traits must already be updated in `traits`.
   */
  protected derive(_changes: WidgetChange[]): WidgetChange[] {
    return [];
  }

  /** The full state in this widget's protocol. */
  protected fullWireState(): Record<string, unknown> {
    const spec = this.modelSpec(this.protocol);
    const mods = WIDGET_MODULES[this.protocol];
    const view = mods[spec.viewModule ?? spec.module];
    const state: Record<string, unknown> = {
      _model_module: mods[spec.module].name,
      _model_module_version: mods[spec.module].version,
      _model_name: spec.model,
      _view_module: view.name,
      _view_module_version: view.version,
      _view_name: spec.view,
    };
    if (this.protocol === 1) state.msg_throttle = 1;
    for (const [k, v] of Object.entries(this.traits)) {
      const w = this.toWire(k, v);
      if (w) state[w[0]] = w[1];
    }
    return state;
  }

  /** The state sent when the front end asks for it (`request_state`, e.g. after a page reload). */
  protected requestedState(): Record<string, unknown> {
    return this.fullWireState();
  }

  /** Runs after answering `request_state`. */
  protected afterRequestedState(): void {}

  /** Whether the comm was closed (by {@link close} or the front end). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** A trait's current value. */
  get<T = unknown>(name: string): T {
    return this.traits[name] as T;
  }

  /**
   * Sets traits and syncs the changed ones to the front end (one `update` message), then runs the
   * observers. Synchronous observer errors propagate to the caller, as in traitlets.
   */
  set(values: Record<string, unknown>): this {
    const changes: WidgetChange[] = [];
    for (const [name, value] of Object.entries(values)) {
      const old = this.traits[name];
      if (sameValue(old, value)) continue;
      this.traits[name] = value;
      changes.push({ name, old, new: value, owner: this });
    }
    if (changes.length === 0) return this;
    if (this.held) for (const c of changes) this.held.add(c.name);
    else this.sync(changes.map((c) => c.name));
    this.notify(changes, true);
    return this;
  }

  /**
   * Runs `fn` and sends every trait it changed in one `update` message at the end (e.g. options and
   * value of a dropdown together).
   */
  holdSync<T>(fn: () => T): T {
    if (this.held) return fn();
    this.held = new Set();
    try {
      return fn();
    } finally {
      const names = [...this.held];
      this.held = null;
      if (names.length) this.sync(names);
    }
  }

  /** Sends these traits' current values to the front end. */
  protected sync(names: string[]): void {
    const state: Record<string, unknown> = {};
    for (const n of names) {
      const w = this.toWire(n, this.traits[n]);
      if (w) state[w[0]] = w[1];
    }
    if (Object.keys(state).length) this.sendState(state);
  }

  private sendState(state: Record<string, unknown>): void {
    if (this.isClosed) return;
    this.comm.send(this.protocol === 1 ? { method: 'update', state, buffers: [] } : { method: 'update', state, buffer_paths: [] });
  }

  /**
   * Calls `handler` after every change of the named traits (all traits when `names` is omitted), with
   * `{ name, old, new, owner }`. Returns the widget.
   *
   * @example
   * ```ts
   * const slider = new fd.IntSlider({ value: 3, max: 10 });
   * slider.observe(({ new: v }) => console.log('now', v), 'value');
   * ```
   */
  observe<T = unknown>(handler: WidgetObserver<T>, names?: string | string[]): this {
    const set = names === undefined ? null : new Set(typeof names === 'string' ? [names] : names);
    this.observers.push({ handler: handler as WidgetObserver, names: set });
    return this;
  }

  /** Removes a handler added with {@link observe} (from all names). */
  unobserve(handler: WidgetObserver): this {
    this.observers = this.observers.filter((o) => o.handler !== handler);
    return this;
  }

  /**
   * Runs observers for `changes`. Async results are awaited together; rejections are reported to the
   * error sink. `fromKernel`: synchronous errors propagate (the caller set the value).
   */
  private notify(changes: WidgetChange[], fromKernel: boolean): Promise<unknown> | undefined {
    const pending: Promise<unknown>[] = [];
    for (const change of changes) {
      for (const o of [...this.observers]) {
        if (o.names && !o.names.has(change.name)) continue;
        let result: unknown;
        try {
          result = o.handler(change);
        } catch (e) {
          // An interrupt ends the whole handling (the comm layer reports it), not just this observer.
          if (fromKernel || isInterrupt(e)) throw e;
          this.reportError(e);
          continue;
        }
        if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
          pending.push(Promise.resolve(result).catch((e) => this.reportError(e)));
        }
      }
    }
    return pending.length ? Promise.all(pending) : undefined;
  }

  private onFrontendMessage(m: CommMessage): unknown {
    const method = m.data.method;
    if (method === 'request_state') {
      this.sendState(this.requestedState());
      this.afterRequestedState();
      return undefined;
    }
    if (method === 'custom') return this.handleCustom(m.data.content, m.buffers);
    let state: Record<string, unknown> | undefined;
    if (this.protocol === 1 && method === 'backbone') {
      state = { ...((m.data.sync_data as Record<string, unknown>) ?? {}) };
      const keys = (m.data.buffer_keys as string[]) ?? [];
      keys.forEach((k, i) => (state![k] = m.buffers[i]));
    } else if (method === 'update') {
      state = { ...((m.data.state as Record<string, unknown>) ?? {}) };
      const paths = (m.data.buffer_paths as Array<Array<string | number>>) ?? [];
      paths.forEach((p, i) => setPath(state!, p, m.buffers[i]));
    }
    if (!state) return undefined;
    const changes: WidgetChange[] = [];
    for (const [key, raw] of Object.entries(state)) {
      const converted = this.fromWire(key, raw);
      if (!converted) continue;
      const [name, value] = converted;
      const old = this.traits[name];
      if (sameValue(old, value)) continue;
      this.traits[name] = value;
      changes.push({ name, old, new: value, owner: this });
    }
    return this.applyFrontendChanges(changes);
  }

  /**
   * Runs the observers for changes the front end made (traits already updated): errors go to the
   * error sink, async observers are awaited together (the comm layer abandons them on an interrupt).
   */
  protected applyFrontendChanges(changes: WidgetChange[]): unknown {
    if (changes.length === 0) return undefined;
    return this.notify([...changes, ...this.derive(changes)], false);
  }

  /** Handles a `custom` message from the front end (buttons' clicks, ...). Default: ignored. */
  protected handleCustom(_content: unknown, _buffers: Buffer[]): unknown {
    return undefined;
  }

  /** Sends a `custom` message to the front-end model. */
  sendCustom(content: unknown, buffers?: Uint8Array[]): void {
    if (!this.isClosed) this.comm.send({ method: 'custom', content }, { buffers });
  }

  /**
   * Shows an observer's error: in {@link errorOutput} when set, else as an `error` output of the cell
   * that displayed the widget (or of the current request). Never throws.
   */
  reportError(error: unknown): void {
    try {
      if (this.errorOutput) {
        this.errorOutput.showError(error, `in a callback of ${this.toString()}`);
        return;
      }
      this.host.publish('error', errorContent(error, `in a callback of ${this.toString()}`), this.displayParent ? { parent: this.displayParent } : {});
    } catch (e) {
      process.stderr.write(`widget ${this.modelId}: could not report an error: ${String((e as Error)?.stack ?? e)}\n`);
    }
  }

  /** The view bundle of this widget (a `display_data` output shows it). */
  viewBundle(): MimeBundle {
    if (this.protocol === 1) {
      // ipywidgets 6 omits text/plain: the classic notebook would show it below the widget.
      return { 'application/vnd.jupyter.widget-view+json': { model_id: this.modelId } };
    }
    return {
      'application/vnd.jupyter.widget-view+json': { version_major: 2, version_minor: 0, model_id: this.modelId },
      'text/plain': this.toString(),
    };
  }

  /**
   * The display bundle. Under protocol 1 a widget is shown by a `display` comm message, so asking for
   * the bundle (what `fd.show(widget)` does) also sends it; the bundle then records the view in the
   * notebook so that a reopened notebook finds it again.
   */
  toMimeBundle(): MimeBundle {
    this.displayParent = this.host.comms.currentParent();
    if (this.protocol === 1) this.comm.send({ method: 'display' });
    return this.viewBundle();
  }

  /**
   * Shows the widget in the current cell.
   *
   * @example
   * ```ts
   * new fd.IntSlider({ value: 3, max: 10 }).display();
   * ```
   */
  display(): undefined {
    const data = this.toMimeBundle();
    this.host.publish('display_data', { data, metadata: {}, transient: {} });
    return undefined;
  }

  /** Closes the comm (the front end removes its views). Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.comm.close();
  }

  toString(): string {
    return `${this.constructor.name}(${this.modelId})`;
  }

  [util.inspect.custom](depth: number, options: util.InspectOptionsStylized): string {
    return inspectDisplayable(this, depth, options);
  }
}

function refs(value: unknown): unknown {
  if (value instanceof Widget) return WIDGET_REF + value.modelId;
  if (Array.isArray(value)) return value.map(refs);
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return false;
}

function setPath(obj: Record<string, unknown>, path: Array<string | number>, value: unknown): void {
  let cur: Record<string | number, unknown> = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const next = cur[path[i]];
    if (!next || typeof next !== 'object') return;
    cur = next as Record<string | number, unknown>;
  }
  if (path.length) cur[path[path.length - 1]] = value;
}

/** CSS properties of a widget's layout (snake_case as in ipywidgets: `width`, `margin`, `flex_flow`...). */
export type LayoutProps = Partial<Record<
  | 'align_content' | 'align_items' | 'align_self' | 'border' | 'bottom' | 'display' | 'flex' | 'flex_flow' | 'height'
  | 'justify_content' | 'left' | 'margin' | 'max_height' | 'max_width' | 'min_height' | 'min_width' | 'order'
  | 'overflow' | 'padding' | 'right' | 'top' | 'visibility' | 'width',
  string | null
>>;

/** A widget's layout (CSS box properties), a model of its own as in ipywidgets. */
export class Layout extends Widget {
  constructor(props: LayoutProps = {}, opts: WidgetOptions = {}) {
    super(props, opts);
  }

  protected modelSpec(): ModelSpec {
    return { module: 'base', model: 'LayoutModel', view: 'LayoutView' };
  }
}

/** A style model (slider handle colour, description width...). */
export class Style extends Widget {
  constructor(styleModel: string, props: Record<string, unknown> = {}, opts: WidgetOptions = {}) {
    super({ ...props, __model: styleModel }, opts);
  }

  protected modelSpec(): ModelSpec {
    return { module: 'controls', model: this.traits.__model as string, view: 'StyleView', viewModule: 'base' };
  }

  protected override toWire(name: string, value: unknown): [string, unknown] | null {
    return name === '__model' ? null : [name, value];
  }
}

/** Options of widgets that have a DOM view. */
export interface DOMWidgetOptions extends WidgetOptions {
  /** CSS box properties of the view. */
  layout?: LayoutProps;
  /** Extra CSS classes on the view's element. */
  classes?: string[];
}

/** A widget with a view: it gets a {@link Layout} (and a style model where its protocol has one). */
export abstract class DOMWidget extends Widget {
  protected constructor(traits: Record<string, unknown>, opts: DOMWidgetOptions = {}, style?: { v1?: string; v2?: string; props?: Record<string, unknown> }) {
    const protocol = opts.protocol ?? widgetProtocol();
    const layout = new Layout(opts.layout ?? {}, { protocol });
    const styleModel = protocol === 1 ? style?.v1 : style?.v2;
    const extra: Record<string, unknown> = { _dom_classes: opts.classes ?? [], layout };
    if (styleModel) extra.style = new Style(styleModel, style?.props ?? {}, { protocol });
    super({ ...extra, ...traits }, { ...opts, protocol });
  }

  /** The layout model. */
  get layout(): Layout {
    return this.traits.layout as Layout;
  }

  override close(): void {
    super.close();
    (this.traits.layout as Widget | undefined)?.close();
    (this.traits.style as Widget | undefined)?.close();
  }
}
