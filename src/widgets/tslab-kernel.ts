/**
 * failure-directions' Jupyter kernel: tslab with comms, so widgets work.
 *
 * tslab (the TypeScript kernel) answers no comm messages. This module starts tslab's own kernel in
 * this process after teaching its ZMQ server the comm part of the messaging spec: `comm_open`,
 * `comm_msg`, `comm_close` and `comm_info_request` are decoded here and handed to a
 * {@link CommManager}; everything else goes to tslab unchanged (under the parent-header context that
 * widgets publish with). A {@link KernelHost} on `globalThis` lets widget code in notebooks reach the
 * comms.
 *
 * Why a wrapper that starts tslab in-process, rather than a `patch-package` patch of tslab or a
 * proxy process:
 * - nothing in `node_modules` is modified, so it works wherever the package is installed (the
 *   `failure-directions-kernel` bin), not only in this repository after its `postinstall`;
 * - it touches three names of tslab's compiled code (`ZmqServer.prototype.handleShellMessage` and
 *   the server's `connInfo` / socket fields, plus `startKernel`), checked at start-up: when a tslab
 *   release changes them the kernel still starts, as plain tslab, and says that widgets are off,
 *   where a patch of `dist/jupyter.js` would fail to apply at install time (or apply wrongly);
 * - a proxy kernel relaying ZMQ between Jupyter and an unmodified tslab process would avoid even
 *   those names, but widget callbacks must run in the process that holds the notebook's objects, so
 *   the proxy would still need a side channel into tslab's process, and every message would take
 *   two extra hops.
 * It also fixes two tslab protocol slips for messages it handles: `comm_info_request` is answered
 * with a `comm_info_reply` (tslab answers `complete_reply`), and message signatures cover only the
 * four JSON frames (tslab also hashes binary buffers, rejecting messages that carry them).
 *
 * Interrupts: Jupyter sends SIGINT; tslab interrupts the running cell, the comm manager interrupts
 * running comm handlers (a synchronous loop via `breakOnSigint`, an awaited promise by abandoning
 * it). `interrupt_request` on the control channel (kernels with `interrupt_mode: message`) does the
 * same. Errors in handlers never reach tslab: they go to the comm's error handler.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommManager } from './comm';
import { installKernelHost, KernelHost } from './kernel-host';
import { decodeMessage, encodeMessage, JupyterMessage, MessageHeader, newHeader, SigningKey } from './wire';

/** The semver range of the ipywidgets-6 front end (`jupyter-js-widgets`) this kernel's widgets speak. */
export const PROTOCOL_1_FRONTEND_RANGE = '~2.1.4';

/** A ZeroMQ socket as tslab's server holds it (zeromq 6 API). */
interface ZmqSocketLike {
  send(frames: Array<Buffer | string>): Promise<void>;
}

/** The fields of tslab's `ZmqServer` this kernel uses. */
interface TslabServer {
  connInfo: SigningKey;
  iopub: ZmqSocketLike;
  shell: ZmqSocketLike;
  control: ZmqSocketLike;
  handleShellMessage(sock: ZmqSocketLike, ...frames: Buffer[]): Promise<void>;
}

/** tslab's modules, as resolved for this kernel. */
export interface TslabModules {
  /** The package directory. */
  dir: string;
  version: string;
  ZmqServer: { prototype: TslabServer };
  /** Why comms cannot be added to this tslab (its internals changed), if so: it then runs as plain tslab. */
  unsupported?: string;
  startKernel(opts: { configPath: string; enableFindLocal?: boolean; jsKernel?: boolean; globalVersion?: string }): void;
}

/**
 * Finds tslab the way tslab itself does (the copy installed nearest the kernel's working directory,
 * i.e. the notebook's project), else this package's dependency, and loads its server modules.
 * Returns the reason as a string when the internals this kernel needs are missing.
 *
 * @example
 * ```ts
 * const t = resolveTslab();
 * if (typeof t === 'string') console.error(t); else console.log(t.version);
 * ```
 */
export function resolveTslab(searchFrom: string[] = [process.cwd(), __dirname]): TslabModules | string {
  let pkg: string;
  try {
    pkg = require.resolve('tslab/package.json', { paths: searchFrom });
  } catch {
    return `tslab is not installed (searched from ${searchFrom.join(', ')})`;
  }
  const dir = path.dirname(pkg);
  const version = String((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version?: string }).version ?? '?');
  let jupyter: { ZmqServer?: { prototype?: Partial<TslabServer> } };
  let main: { startKernel?: unknown };
  try {
    // Loaded from tslab's own directory: the copy the notebook's project resolves, not necessarily ours.
    const load = createRequire(pkg);
    jupyter = load('./dist/jupyter.js');
    main = load('./dist/main.js');
  } catch (e) {
    return `tslab ${version} at ${dir}: cannot load dist/jupyter.js or dist/main.js (${(e as Error).message})`;
  }
  if (typeof main.startKernel !== 'function') return `tslab ${version} at ${dir}: startKernel is gone`;
  const modules: TslabModules = { dir, version, ZmqServer: jupyter.ZmqServer as { prototype: TslabServer }, startKernel: main.startKernel as TslabModules['startKernel'] };
  if (typeof jupyter.ZmqServer?.prototype?.handleShellMessage !== 'function') modules.unsupported = `tslab ${version} at ${dir}: ZmqServer.prototype.handleShellMessage is gone`;
  return modules;
}

/**
 * A sender for this kernel's own messages on a zeromq 6 socket, whose `send` throws "busy" while an
 * earlier send is still pending (the socket objects are sealed, so tslab's own sends cannot be routed
 * through it). Sends start synchronously when the socket accepts them (so order with tslab's messages
 * is kept, and a reply is queued before tslab closes the sockets); otherwise they wait, in order.
 */
function sender(sock: ZmqSocketLike, name: string): (frames: Array<Buffer | string>) => void {
  const queue: Array<Array<Buffer | string>> = [];
  let timer: NodeJS.Timeout | null = null;
  const report = (e: unknown): void => {
    process.stderr.write(`[failure-directions kernel] ${name} send failed: ${(e as Error)?.message ?? e}\n`);
  };
  const busy = (e: unknown) => /busy/i.test(String((e as Error)?.message));
  const trySend = (frames: Array<Buffer | string>): boolean => {
    try {
      sock.send(frames).catch(report);
      return true;
    } catch (e) {
      if (busy(e)) return false;
      report(e);
      return true; // dropped: retrying a closed socket cannot help
    }
  };
  const drain = () => {
    timer = null;
    while (queue.length > 0) {
      if (!trySend(queue[0])) {
        timer = setTimeout(drain, 1);
        return;
      }
      queue.shift();
    }
  };
  return (frames) => {
    if (queue.length === 0 && trySend(frames)) return;
    queue.push(frames);
    if (!timer) timer = setTimeout(drain, 1);
  };
}

interface BoundServer {
  server: TslabServer;
  iopub: (frames: Array<Buffer | string>) => void;
  shell: (frames: Array<Buffer | string>) => void;
  control: (frames: Array<Buffer | string>) => void;
}

/**
 * The comm-enabled kernel's state: its comm manager and host. {@link patchTslabServer} wires it into
 * tslab's server; tests may drive it directly.
 */
export class CommKernel {
  readonly comms = new CommManager();
  readonly host: KernelHost;
  private bound: BoundServer | null = null;
  /** The kernel's session id (the `session` of every message it sends). */
  readonly session = newHeader('', '').msg_id;

  constructor(readonly tslabVersion: string) {
    const comms = this.comms;
    this.host = {
      apiVersion: 1,
      name: `failure-directions kernel (tslab ${tslabVersion} + comms)`,
      comms,
      publish: (msgType, content, opts = {}) => comms.publishFor(msgType, content, opts),
      widgetFrontend: null,
    };
    // Widget front ends announce themselves on connect, before any notebook code has loaded the
    // widget library: answer here and remember which protocol they speak.
    comms.registerTarget('jupyter.widget.version', (comm) => {
      this.host.widgetFrontend = { protocol: 1 };
      comm.onMsg((m) => {
        this.host.widgetFrontend = {
          protocol: 1,
          version: typeof m.data.frontend_version === 'string' ? m.data.frontend_version : undefined,
          validated: typeof m.data.validated === 'boolean' ? m.data.validated : undefined,
        };
      });
      comm.send({ version: PROTOCOL_1_FRONTEND_RANGE });
    });
    comms.registerTarget('jupyter.widget.control', (comm) => {
      // ipywidgets 7.7+ / 8 front end. Closing the control comm makes it fall back to comm_info and
      // per-widget `request_state`, which the widgets answer.
      this.host.widgetFrontend = { protocol: 2 };
      comm.close();
    });
  }

  /** Binds to tslab's server on its first message: IOPub publishing, serialised sends. */
  bind(server: TslabServer): BoundServer {
    if (this.bound && this.bound.server === server) return this.bound;
    const bound: BoundServer = { server, iopub: sender(server.iopub, 'iopub'), shell: sender(server.shell, 'shell'), control: sender(server.control, 'control') };
    this.comms.setTransport({
      publish: (msgType, content, { parent, metadata, buffers }) => {
        bound.iopub(encodeMessage({ header: newHeader(msgType, this.session), parent_header: parent ?? {}, metadata: metadata ?? {}, content, buffers }, server.connInfo));
      },
    });
    this.bound = bound;
    return bound;
  }

  private status(server: TslabServer, state: 'busy' | 'idle', parent: MessageHeader): void {
    this.bind(server).iopub(encodeMessage({ header: newHeader('status', this.session), parent_header: parent, metadata: {}, content: { execution_state: state } }, server.connInfo));
  }

  private reply(server: TslabServer, sock: ZmqSocketLike, request: JupyterMessage, msgType: string, content: Record<string, unknown>): void {
    const bound = this.bind(server);
    (sock === server.control ? bound.control : bound.shell)(encodeMessage({ identities: request.identities, header: newHeader(msgType, this.session), parent_header: request.header, metadata: {}, content }, server.connInfo));
  }

  /**
   * Handles one shell/control message if it is ours (comms, interrupts); returns false to let tslab
   * handle it. Never throws.
   */
  async handle(server: TslabServer, sock: ZmqSocketLike, msg: JupyterMessage): Promise<boolean> {
    const type = msg.header.msg_type;
    if (CommManager.handles(type)) {
      this.status(server, 'busy', msg.header);
      try {
        const reply = await this.comms.handleMessage(msg);
        if (type === 'comm_info_request') this.reply(server, sock, msg, 'comm_info_reply', reply ?? { status: 'ok', comms: {} });
      } catch (e) {
        process.stderr.write(`[failure-directions kernel] ${type} failed: ${(e as Error)?.stack ?? e}\n`);
      } finally {
        this.status(server, 'idle', msg.header);
      }
      return true;
    }
    if (type === 'interrupt_request') {
      this.status(server, 'busy', msg.header);
      process.emit('SIGINT' as never);
      this.reply(server, sock, msg, 'interrupt_reply', { status: 'ok' });
      this.status(server, 'idle', msg.header);
      return true;
    }
    if (type === 'shutdown_request') {
      this.comms.shutdown();
      // tslab replies and closes its sockets but leaves the process to exit by itself, which it never
      // does once a notebook has loaded libraries holding handles (thread pools, timers): exit shortly
      // after the reply, as ipykernel does.
      setTimeout(() => process.exit(0), 250).unref();
    }
    return false;
  }
}

/**
 * Adds comm handling to tslab's `ZmqServer` (all instances). Returns the kernel state.
 *
 * @example
 * ```ts
 * const configPath = process.argv[2];
 * const t = resolveTslab();
 * if (typeof t !== 'string') { patchTslabServer(t); t.startKernel({ configPath, enableFindLocal: false }); }
 * ```
 */
export function patchTslabServer(tslab: TslabModules): CommKernel {
  if (tslab.unsupported) throw new Error(tslab.unsupported);
  const kernel = new CommKernel(tslab.version);
  const proto = tslab.ZmqServer.prototype;
  const original = proto.handleShellMessage;
  proto.handleShellMessage = async function (this: TslabServer, sock: ZmqSocketLike, ...frames: Buffer[]): Promise<void> {
    kernel.bind(this);
    let msg: JupyterMessage;
    try {
      msg = decodeMessage(frames, this.connInfo);
    } catch {
      return original.call(this, sock, ...frames); // tslab reports its own error
    }
    if (await kernel.handle(this, sock, msg)) return;
    return kernel.comms.runWithParent(msg.header, () => original.call(this, sock, ...frames));
  };
  installKernelHost(kernel.host);
  process.on('SIGINT', () => kernel.comms.interrupt());
  return kernel;
}

/** Where `install` writes the kernel spec. */
export interface InstallOptions {
  /** Kernel name (the notebooks' `kernelspec.name`). Default `tslab`. */
  name?: string;
  /** Install under `<prefix>/share/jupyter/kernels/<name>`. */
  prefix?: string;
  /** Install in the user's Jupyter data dir (default when no prefix is given). */
  user?: boolean;
  displayName?: string;
}

/**
 * Writes `kernel.json` for this kernel (argv: this Node binary, this script, `kernel --config-path
 * {connection_file}`). Returns the spec directory.
 *
 * @example
 * ```ts
 * installKernelSpec({ prefix: 'kernel/jupyter', name: 'tslab' });
 * ```
 */
export function installKernelSpec(opts: InstallOptions = {}): string {
  const name = opts.name ?? 'tslab';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`install: kernel name '${name}' may only use letters, digits, '.', '_' and '-'`);
  let base: string;
  if (opts.prefix) base = path.join(path.resolve(opts.prefix), 'share', 'jupyter', 'kernels');
  else if (process.platform === 'darwin') base = path.join(os.homedir(), 'Library', 'Jupyter', 'kernels');
  else base = path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'jupyter', 'kernels');
  const dir = path.join(base, name);
  fs.mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [process.execPath, path.join(__dirname, 'kernel-main.js'), 'kernel', '--config-path', '{connection_file}'],
    display_name: opts.displayName ?? 'TypeScript (tslab + widgets)',
    language: 'typescript',
    interrupt_mode: 'signal',
  };
  const file = path.join(dir, 'kernel.json');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(spec, null, 1) + '\n');
  fs.renameSync(tmp, file);
  return dir;
}

const USAGE = `usage: failure-directions-kernel kernel --config-path FILE [--js]
       failure-directions-kernel install [--prefix DIR | --user] [--name NAME] [--display-name TEXT]`;

/**
 * Command line: `kernel --config-path FILE` starts the kernel (what `kernel.json` runs); `install`
 * registers it.
 *
 * @example
 * ```ts
 * main(['install', '--prefix', 'kernel/jupyter']);
 * ```
 */
export function main(argv: string[]): void {
  const [command, ...rest] = argv;
  const opt = (flag: string) => {
    const i = rest.indexOf(flag);
    if (i < 0) return undefined;
    const v = rest[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  if (command === 'install') {
    const dir = installKernelSpec({ prefix: opt('--prefix'), user: rest.includes('--user'), name: opt('--name'), displayName: opt('--display-name') });
    process.stdout.write(`installed kernel spec in ${dir}\n`);
    return;
  }
  if (command !== 'kernel') {
    process.stderr.write(USAGE + '\n');
    process.exitCode = 2;
    return;
  }
  const configPath = opt('--config-path');
  if (!configPath) throw new Error(`--config-path is required\n${USAGE}`);
  const tslab = resolveTslab();
  if (typeof tslab === 'string') {
    process.stderr.write(`[failure-directions kernel] cannot start: ${tslab}\n`);
    process.exitCode = 1;
    return;
  }
  try {
    patchTslabServer(tslab);
  } catch (e) {
    process.stderr.write(`[failure-directions kernel] comms disabled, starting plain tslab: ${(e as Error).message}\n`);
  }
  tslab.startKernel({ configPath, enableFindLocal: false, jsKernel: rest.includes('--js'), globalVersion: tslab.version });
}
