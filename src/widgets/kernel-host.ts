/**
 * The handshake between the comm-enabled kernel (`tslab-kernel.ts`, running in the kernel process)
 * and the widget library (loaded by notebook code in the same process, possibly from another copy of
 * this package): the kernel installs a {@link KernelHost} on `globalThis` under a registered symbol;
 * widgets look it up. A plain tslab kernel has none, and widgets then fall back to static output.
 */
import type { CommManager } from './comm';
import type { MessageHeader } from './wire';

/** Which widget front end announced itself to the kernel. */
export interface WidgetFrontend {
  /**
   * Widget messaging protocol major version: 1 for ipywidgets 6 front ends (Debian's classic
   * notebook extension `jupyter-js-widgets` 2.1, which opens a `jupyter.widget.version` comm on
   * connect), 2 for ipywidgets 7.7+/8 front ends (which open `jupyter.widget.control`).
   */
  protocol: 1 | 2;
  /** The front end's package version when it said (protocol 1: `frontend_version`). */
  version?: string;
  /** Protocol 1: whether the front end accepted the kernel's semver range. */
  validated?: boolean;
}

/** What the kernel offers to libraries running inside it. */
export interface KernelHost {
  /** Bumped on incompatible changes; libraries ignore a host with another version. */
  readonly apiVersion: 1;
  /** Human-readable kernel name and version. */
  readonly name: string;
  /** The kernel's comms. */
  readonly comms: CommManager;
  /**
   * Publishes an IOPub message (`display_data`, `update_display_data`, `stream`, `error`,
   * `clear_output`, ...) whose parent is the request being handled now, or `opts.parent`.
   */
  publish(msgType: string, content: Record<string, unknown>, opts?: { metadata?: Record<string, unknown>; buffers?: Uint8Array[]; parent?: MessageHeader | null }): void;
  /** The widget front end that announced itself, if any (updated when one connects). */
  widgetFrontend: WidgetFrontend | null;
}

const HOST_KEY = Symbol.for('failure-directions.kernel-host');

/**
 * The comm-enabled kernel this code runs in, or undefined (plain tslab, plain Node, another kernel).
 *
 * @example
 * ```ts
 * const host = kernelHost();
 * if (!host) console.log('no live widgets here: register the kernel with kernel/setup.sh');
 * ```
 */
export function kernelHost(): KernelHost | undefined {
  const h = (globalThis as Record<symbol, unknown>)[HOST_KEY] as KernelHost | undefined;
  return h && h.apiVersion === 1 && h.comms ? h : undefined;
}

/**
 * Installs (or, with undefined, removes) the host; called by the kernel at start, and by tests.
 *
 * @example
 * ```ts
 * const comms = new CommManager();
 * installKernelHost({ apiVersion: 1, name: 'test', comms, publish: (type, content) => comms.publishFor(type, content, {}), widgetFrontend: null });
 * ```
 */
export function installKernelHost(host: KernelHost | undefined): void {
  if (host) (globalThis as Record<symbol, unknown>)[HOST_KEY] = host;
  else delete (globalThis as Record<symbol, unknown>)[HOST_KEY];
}
