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
 * - it touches a few names of tslab's compiled code (`ZmqServer.prototype.handleShellMessage` and
 *   `bindSocket`, the server's `connInfo` / socket fields, `startKernel`), checked at start-up: when a tslab
 *   release changes them the kernel still starts, as plain tslab, and says that widgets are off,
 *   where a patch of `dist/jupyter.js` would fail to apply at install time (or apply wrongly);
 * - a proxy kernel relaying ZMQ between Jupyter and an unmodified tslab process would avoid even
 *   those names, but widget callbacks must run in the process that holds the notebook's objects, so
 *   the proxy would still need a side channel into tslab's process, and every message would take
 *   two extra hops.
 * It also fixes tslab protocol slips: `comm_info_request` is answered with a `comm_info_reply`
 * (tslab answers `complete_reply`); message signatures cover only the four JSON frames (tslab also
 * hashes binary buffers, rejecting messages that carry them); and IOPub no longer loses messages in a
 * burst (see {@link queueZmqSends}; the IOPub high-water mark is lifted), which silently cut a cell's
 * output, its error text and its final `idle` after ~500 messages.
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

type Frames = Array<Buffer | string>;

interface SendState {
  queue: Array<{ frames: Frames; resolve: () => void; reject: (e: unknown) => void }>;
  /** The promise of the last send handed to zeromq (the pending write, when there is one). */
  last: Promise<void> | null;
  waiting: boolean;
}

const isBusy = (e: unknown) => /busy/i.test(String((e as Error)?.message));

/**
 * Makes zeromq 6 sockets queue instead of dropping. zeromq's `send` throws "Socket is busy writing"
 * while an earlier send is still pending, and tslab sends without awaiting: in a burst of more than
 * ~500 IOPub messages (a loop printing lines, a fast series of displays) the rest were lost, including
 * a failing cell's error text and the final `idle` status (measured: 3000 `console.log` lines in one
 * cell arrived as 502, then nothing). Redefines `send` on zeromq's `Socket.prototype` (non-writable but
 * configurable) for this kernel process: a send starts at once when the socket is free, else waits in
 * order behind the pending one. Idempotent.
 */
export function queueZmqSends(socketProto: { send: (frames: Frames) => Promise<void> }): void {
  const marker = Symbol.for('failure-directions.zmq-send-queue');
  if ((socketProto.send as unknown as Record<symbol, boolean>)[marker]) return;
  const original = socketProto.send;
  const states = new WeakMap<object, SendState>();
  const stateOf = (sock: object) => {
    let st = states.get(sock);
    if (!st) states.set(sock, (st = { queue: [], last: null, waiting: false }));
    return st;
  };
  const settled = new WeakSet<Promise<void>>();
  const track = (st: SendState, p: Promise<void>) => {
    st.last = p;
    const done = () => settled.add(p);
    p.then(done, done);
  };
  /** Resumes draining when the pending write completes (or, if none is known to be pending, shortly). */
  const waitThenDrain = (sock: object, st: SendState) => {
    if (st.waiting) return;
    st.waiting = true;
    const resume = () => {
      st.waiting = false;
      drain(sock, st);
    };
    const last = st.last;
    if (last && !settled.has(last)) last.then(resume, resume);
    else setTimeout(resume, 1);
  };
  const drain = (sock: object, st: SendState) => {
    while (st.queue.length > 0) {
      const item = st.queue[0];
      let p: Promise<void>;
      try {
        p = original.call(sock, item.frames);
      } catch (e) {
        if (isBusy(e)) return waitThenDrain(sock, st);
        st.queue.shift();
        item.reject(e);
        continue;
      }
      st.queue.shift();
      track(st, p);
      p.then(item.resolve, item.reject);
    }
  };
  const queued = function (this: object, frames: Frames): Promise<void> {
    const st = stateOf(this);
    if (st.queue.length === 0) {
      try {
        const p = original.call(this, frames);
        track(st, p);
        return p;
      } catch (e) {
        if (!isBusy(e)) throw e;
      }
    }
    return new Promise<void>((resolve, reject) => {
      st.queue.push({ frames, resolve, reject });
      waitThenDrain(this, st);
    });
  };
  (queued as unknown as Record<symbol, boolean>)[marker] = true;
  Object.defineProperty(socketProto, 'send', { value: queued, writable: false, configurable: true, enumerable: false });
}

/** The prototype that defines `send` for this socket (zeromq's `Socket.prototype`). */
function sendOwner(sock: object): { send: (frames: Frames) => Promise<void> } | null {
  for (let p = Object.getPrototypeOf(sock); p; p = Object.getPrototypeOf(p)) {
    if (Object.prototype.hasOwnProperty.call(p, 'send')) return p;
  }
  return null;
}

/** Sends without throwing (errors go to the kernel's stderr); the socket's `send` queues when busy. */
function send(sock: ZmqSocketLike, frames: Frames): void {
  const report = (e: unknown) => {
    process.stderr.write(`[failure-directions kernel] send failed: ${(e as Error)?.message ?? e}\n`);
  };
  try {
    sock.send(frames).catch(report);
  } catch (e) {
    report(e);
  }
}

interface BoundServer {
  server: TslabServer;
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
    try {
      const owner = sendOwner(server.iopub);
      if (owner) queueZmqSends(owner);
    } catch (e) {
      process.stderr.write(`[failure-directions kernel] cannot queue zeromq sends (${(e as Error).message}): bursts of output may be lost\n`);
    }
    const bound: BoundServer = { server };
    this.comms.setTransport({
      publish: (msgType, content, { parent, metadata, buffers }) => {
        send(server.iopub, encodeMessage({ header: newHeader(msgType, this.session), parent_header: parent ?? {}, metadata: metadata ?? {}, content, buffers }, server.connInfo));
      },
    });
    this.bound = bound;
    return bound;
  }

  private status(server: TslabServer, state: 'busy' | 'idle', parent: MessageHeader): void {
    this.bind(server);
    send(server.iopub, encodeMessage({ header: newHeader('status', this.session), parent_header: parent, metadata: {}, content: { execution_state: state } }, server.connInfo));
  }

  private reply(server: TslabServer, sock: ZmqSocketLike, request: JupyterMessage, msgType: string, content: Record<string, unknown>): void {
    this.bind(server);
    send(sock, encodeMessage({ identities: request.identities, header: newHeader(msgType, this.session), parent_header: request.header, metadata: {}, content }, server.connInfo));
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
  const bindSocket = (proto as unknown as { bindSocket?: (sock: ZmqSocketLike, port: number) => Promise<void> }).bindSocket;
  if (typeof bindSocket === 'function') {
    (proto as unknown as { bindSocket: typeof bindSocket }).bindSocket = function (this: TslabServer, sock: ZmqSocketLike, port: number) {
      if (sock === this.iopub) {
        // IOPub queues for slow subscribers instead of dropping at 1000 messages (ZeroMQ's PUB default):
        // tslab sends one message per write, so a cell printing a few thousand lines crossed it. Set
        // before binding: a high-water mark applies to connections made after it is set.
        try {
          (sock as unknown as { sendHighWaterMark: number }).sendHighWaterMark = 0;
        } catch (e) {
          process.stderr.write(`[failure-directions kernel] cannot lift the IOPub high-water mark: ${(e as Error).message}\n`);
        }
      }
      return bindSocket.call(this, sock, port);
    };
  }
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
