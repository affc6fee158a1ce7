/**
 * An output area as a widget (ipywidgets' `Output`): text, rich displays and errors shown inside a
 * panel, e.g. what a callback printed or why it failed.
 *
 * Protocol 2 syncs the outputs as state (`outputs`, nbformat output dicts). The ipywidgets-6 front end
 * has no such state: its Output model captures IOPub outputs whose parent message id equals its
 * `msg_id`. So under protocol 1 this widget sets `msg_id` to an id of its own and publishes each output
 * with a parent header carrying that id.
 */
import { setDisplayWriter, MimeBundle } from '../viz/display';
import type { MessageHeader } from './wire';
import { DOMWidget, DOMWidgetOptions, errorContent, ErrorSink, ModelSpec } from './widget';

/** One output, as nbformat stores it. */
export type OutputRecord =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { output_type: 'display_data'; data: MimeBundle; metadata: Record<string, unknown>; display_id?: string }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

/**
 * An output area widget. Callback errors of widgets whose `errorOutput` is this widget appear here.
 *
 * @example
 * ```ts
 * const slider = new fd.IntSlider({ value: 3, max: 10 });
 * const out = new fd.Output();
 * slider.errorOutput = out;
 * slider.observe(({ new: v }) => out.capture(() => console.log('value', v)), 'value');
 * new fd.VBox([slider, out]).display();
 * ```
 */
export class Output extends DOMWidget implements ErrorSink {
  private records: OutputRecord[] = [];
  private captureParent: MessageHeader | null = null;

  constructor(opts: DOMWidgetOptions = {}) {
    super({ msg_id: '', outputs: [] }, opts);
    if (this.protocol === 1) {
      const id = `fd-output-${this.modelId}`;
      this.captureParent = { msg_id: id, msg_type: 'execute_request', session: id, username: 'kernel', date: new Date().toISOString(), version: '5.3' };
      this.set({ msg_id: id });
    }
  }

  protected modelSpec(): ModelSpec {
    return { module: 'output', model: 'OutputModel', view: 'OutputView' };
  }

  protected override toWire(name: string, value: unknown): [string, unknown] | null {
    if (name === 'outputs') return this.protocol === 2 ? [name, value] : null;
    return super.toWire(name, value);
  }

  protected override fromWire(key: string, value: unknown): [string, unknown] | null {
    // Protocol-2 front ends sync `outputs` back (e.g. after their own clear); keep our copy in step.
    if (key === 'outputs' && Array.isArray(value)) {
      this.records = value as OutputRecord[];
      return ['outputs', value];
    }
    return key === 'msg_id' ? null : super.fromWire(key, value);
  }

  protected override requestedState(): Record<string, unknown> {
    const state = super.requestedState();
    // A reloaded ipywidgets-6 page creates the model from this state, which fires no `msg_id`
    // change; set it in a second update so the page starts capturing again.
    if (this.protocol === 1) state.msg_id = '';
    return state;
  }

  protected override afterRequestedState(): void {
    if (this.protocol === 1) this.sync(['msg_id']);
  }

  /** The outputs shown, oldest first. */
  get outputs(): readonly OutputRecord[] {
    return this.records;
  }

  private append(record: OutputRecord, msgType: string, content: Record<string, unknown>): void {
    if (this.protocol === 1) {
      this.records.push(record);
      this.host.publish(msgType, content, { parent: this.captureParent });
      return;
    }
    let next: OutputRecord[];
    const last = this.records[this.records.length - 1];
    if (record.output_type === 'stream' && last?.output_type === 'stream' && last.name === record.name) {
      next = [...this.records.slice(0, -1), { ...last, text: last.text + record.text }];
    } else next = [...this.records, record];
    this.records = next;
    this.set({ outputs: next.map(stripDisplayId) });
  }

  /** Appends text to the stdout stream. */
  appendStdout(text: string): void {
    this.append({ output_type: 'stream', name: 'stdout', text }, 'stream', { name: 'stdout', text });
  }

  /** Appends text to the stderr stream. */
  appendStderr(text: string): void {
    this.append({ output_type: 'stream', name: 'stderr', text }, 'stream', { name: 'stderr', text });
  }

  /**
   * Appends a rich output (a MIME bundle), or with `update` replaces the output that has the same
   * `displayId`.
   */
  appendDisplayData(data: MimeBundle, opts: { metadata?: Record<string, unknown>; displayId?: string; update?: boolean } = {}): void {
    const metadata = opts.metadata ?? {};
    if (opts.update && opts.displayId) {
      const at = this.records.findIndex((r) => r.output_type === 'display_data' && r.display_id === opts.displayId);
      if (at >= 0) {
        const rec: OutputRecord = { output_type: 'display_data', data, metadata, display_id: opts.displayId };
        this.records = [...this.records.slice(0, at), rec, ...this.records.slice(at + 1)];
        if (this.protocol === 1) this.host.publish('update_display_data', { data, metadata, transient: { display_id: opts.displayId } }, { parent: this.captureParent });
        else this.set({ outputs: this.records.map(stripDisplayId) });
        return;
      }
    }
    this.append({ output_type: 'display_data', data, metadata, ...(opts.displayId ? { display_id: opts.displayId } : {}) }, 'display_data', {
      data,
      metadata,
      transient: opts.displayId ? { display_id: opts.displayId } : {},
    });
  }

  /** Shows an error (name, message, stack) as an `error` output. */
  showError(error: unknown, context?: string): void {
    const c = errorContent(error, context);
    this.append({ output_type: 'error', ...c }, 'error', c);
  }

  /** Removes every output. */
  clear(): void {
    if (this.protocol === 1) {
      if (this.records.length === 0) return;
      this.records = [];
      this.host.publish('clear_output', { wait: false }, { parent: this.captureParent });
      return;
    }
    this.records = [];
    this.set({ outputs: [] });
  }

  /**
   * Runs `fn` with its console output, `fd.show` displays and any error sent here (Python's
   * `with out:`). An error is shown and swallowed (returns undefined). For an async `fn` the
   * redirection lasts until its promise settles, so other output made meanwhile lands here too.
   */
  capture<T>(fn: () => T): T | undefined {
    const out = process.stdout;
    const err = process.stderr;
    const ow = out.write;
    const ew = err.write;
    const redirect = (stream: 'stdout' | 'stderr') =>
      ((chunk: unknown) => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
        if (stream === 'stdout') this.appendStdout(text);
        else this.appendStderr(text);
        return true;
      }) as typeof out.write;
    out.write = redirect('stdout');
    err.write = redirect('stderr');
    const previous = setDisplayWriter((m, update) => this.appendDisplayData(m.data, { metadata: m.metadata, displayId: m.transient?.display_id, update }));
    const restore = () => {
      out.write = ow;
      err.write = ew;
      setDisplayWriter(previous);
    };
    try {
      const result = fn();
      if (result && typeof (result as unknown as PromiseLike<unknown>).then === 'function') {
        return Promise.resolve(result).then(
          (v) => {
            restore();
            return v;
          },
          (e) => {
            restore();
            this.showError(e);
            return undefined;
          },
        ) as T;
      }
      restore();
      return result;
    } catch (e) {
      restore();
      this.showError(e);
      return undefined;
    }
  }
}

function stripDisplayId(r: OutputRecord): OutputRecord {
  if (r.output_type !== 'display_data' || r.display_id === undefined) return r;
  const { display_id: _, ...rest } = r;
  return rest;
}
