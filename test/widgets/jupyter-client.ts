/**
 * A minimal Jupyter client for protocol-level tests: starts a kernel from its kernel.json argv with a
 * fresh connection file, speaks the wire protocol over ZeroMQ (shell, control, IOPub), and
 * interrupts (SIGINT, as jupyter_client does for `interrupt_mode: signal`) and restarts
 * (`shutdown_request` with `restart: true`, then a new process on the same ports) like a notebook
 * server does.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zmq from 'zeromq';
import { decodeMessage, encodeMessage, JupyterMessage, newHeader } from '../../src/widgets/wire';

export type Msg = JupyterMessage<Record<string, any>>;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface KernelOptions {
  /** kernel.json argv; `{connection_file}` is replaced. */
  argv: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export class KernelClient {
  /** Every IOPub message received, in order. */
  readonly iopub: Msg[] = [];
  /** What the kernel printed on its own stdout/stderr (not IOPub). */
  log = '';
  private child: ChildProcess | null = null;
  private shell!: zmq.Dealer;
  private control!: zmq.Dealer;
  private sub!: zmq.Subscriber;
  private readonly replies = new Map<string, (m: Msg) => void>();
  private readonly waiters: Array<{ pred: (m: Msg) => boolean; resolve: (m: Msg) => void }> = [];
  private readonly session = crypto.randomUUID();
  private closed = false;

  private constructor(
    private readonly opts: KernelOptions,
    private readonly connection: { key: string; signature_scheme: string; ip: string; transport: string; shell_port: number; iopub_port: number; control_port: number; stdin_port: number; hb_port: number },
    private readonly connectionFile: string,
  ) {}

  static async start(opts: KernelOptions): Promise<KernelClient> {
    const ports = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    const connection = {
      key: crypto.randomBytes(16).toString('hex'),
      signature_scheme: 'hmac-sha256',
      ip: '127.0.0.1',
      transport: 'tcp',
      shell_port: ports[0],
      iopub_port: ports[1],
      control_port: ports[2],
      stdin_port: ports[3],
      hb_port: ports[4],
      kernel_name: 'test',
    };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fd-kernel-')), 'connection.json');
    fs.writeFileSync(file, JSON.stringify(connection));
    const client = new KernelClient(opts, connection, file);
    await client.connect();
    client.launch();
    await client.waitReady();
    return client;
  }

  private url(port: number): string {
    return `tcp://127.0.0.1:${port}`;
  }

  private async connect(): Promise<void> {
    this.shell = new zmq.Dealer({ routingId: `shell-${this.session}` });
    this.control = new zmq.Dealer({ routingId: `control-${this.session}` });
    this.sub = new zmq.Subscriber();
    this.shell.connect(this.url(this.connection.shell_port));
    this.control.connect(this.url(this.connection.control_port));
    this.sub.connect(this.url(this.connection.iopub_port));
    this.sub.subscribe();
    void this.pump(this.shell, false);
    void this.pump(this.control, false);
    void this.pump(this.sub, true);
  }

  private async pump(sock: zmq.Dealer | zmq.Subscriber, isIopub: boolean): Promise<void> {
    try {
      for await (const frames of sock) {
        const msg = decodeMessage(frames as Buffer[], this.connection) as Msg;
        if (isIopub) {
          this.iopub.push(msg);
          for (let i = this.waiters.length - 1; i >= 0; i--) {
            if (this.waiters[i].pred(msg)) {
              this.waiters[i].resolve(msg);
              this.waiters.splice(i, 1);
            }
          }
        } else {
          const id = (msg.parent_header as { msg_id?: string }).msg_id ?? '';
          this.replies.get(id)?.(msg);
          this.replies.delete(id);
        }
      }
    } catch (e) {
      if (!this.closed) this.log += `\n[client] socket error: ${(e as Error).message}`;
    }
  }

  private launch(): void {
    const argv = this.opts.argv.map((a) => a.replace('{connection_file}', this.connectionFile));
    const child = spawn(argv[0], argv.slice(1), { cwd: this.opts.cwd, env: this.opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    this.child = child;
  }

  /** Whether the kernel process is running. */
  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async waitReady(timeoutMs = 30000): Promise<void> {
    const until = Date.now() + timeoutMs;
    // IOPub subscriptions connect asynchronously (and again after a restart): ask for kernel_info
    // until both its reply and its IOPub status arrive, so no later IOPub message is missed.
    while (Date.now() < until) {
      if (!this.alive && this.child && this.child.exitCode !== null) throw new Error(`kernel exited with ${this.child.exitCode}:\n${this.log}`);
      try {
        const reply = await this.request('kernel_info_request', {}, { timeoutMs: 1000 });
        await this.idle((reply.parent_header as { msg_id: string }).msg_id, 1000);
        return;
      } catch {
        // not up yet
      }
    }
    throw new Error(`kernel did not answer kernel_info_request within ${timeoutMs} ms:\n${this.log}`);
  }

  /** Sends a request; resolves with its reply. */
  async request(msgType: string, content: Record<string, unknown>, opts: { channel?: 'shell' | 'control'; timeoutMs?: number; buffers?: Buffer[] } = {}): Promise<Msg> {
    const header = newHeader(msgType, this.session, 'test');
    const frames = encodeMessage({ header, parent_header: {}, metadata: {}, content, buffers: opts.buffers }, this.connection);
    const reply = new Promise<Msg>((resolve, reject) => {
      const t = setTimeout(() => {
        this.replies.delete(header.msg_id);
        reject(new Error(`no reply to ${msgType} within ${opts.timeoutMs ?? 30000} ms`));
      }, opts.timeoutMs ?? 30000);
      this.replies.set(header.msg_id, (m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
    await (opts.channel === 'control' ? this.control : this.shell).send(frames);
    return reply;
  }

  /** Sends a message that has no reply (comm_open, comm_msg, comm_close); returns its header id. */
  async send(msgType: string, content: Record<string, unknown>, buffers?: Buffer[]): Promise<string> {
    const header = newHeader(msgType, this.session, 'test');
    await this.shell.send(encodeMessage({ header, parent_header: {}, metadata: {}, content, buffers }, this.connection));
    return header.msg_id;
  }

  /** Resolves with the first IOPub message (already received or future) matching `pred`. */
  waitFor(pred: (m: Msg) => boolean, timeoutMs = 30000, from = 0): Promise<Msg> {
    const seen = this.iopub.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.resolve === done);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no matching IOPub message within ${timeoutMs} ms; last messages: ${this.iopub.slice(-6).map((m) => m.header.msg_type + ' ' + JSON.stringify(m.content).slice(0, 160)).join(' | ')}\nkernel log:\n${this.log}`));
      }, timeoutMs);
      const done = (m: Msg) => {
        clearTimeout(t);
        resolve(m);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  /** The IOPub status `idle` for request `msgId`. */
  idle(msgId: string, timeoutMs = 30000): Promise<Msg> {
    return this.waitFor((m) => m.header.msg_type === 'status' && m.content.execution_state === 'idle' && (m.parent_header as { msg_id?: string }).msg_id === msgId, timeoutMs);
  }

  /** IOPub messages whose parent is `msgId`. */
  childrenOf(msgId: string): Msg[] {
    return this.iopub.filter((m) => (m.parent_header as { msg_id?: string }).msg_id === msgId);
  }

  /**
   * Executes code; resolves with the reply and the IOPub outputs of that request (after its idle).
   * Throws with the cell's stderr when it fails, unless `allowError`.
   */
  async execute(code: string, opts: { timeoutMs?: number; allowError?: boolean } = {}): Promise<{ reply: Msg; outputs: Msg[]; stdout: string; stderr: string }> {
    const reply = await this.request('execute_request', { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }, { timeoutMs: opts.timeoutMs });
    const id = (reply.parent_header as { msg_id: string }).msg_id;
    await this.idle(id, opts.timeoutMs);
    const outputs = this.childrenOf(id).filter((m) => m.header.msg_type !== 'status' && m.header.msg_type !== 'execute_input');
    const stream = (name: string) => outputs.filter((m) => m.header.msg_type === 'stream' && m.content.name === name).map((m) => m.content.text).join('');
    const result = { reply, outputs, stdout: stream('stdout'), stderr: stream('stderr') };
    if (reply.content.status !== 'ok' && !opts.allowError) throw new Error(`cell failed (${reply.content.status}):\n${code}\n--- stderr:\n${result.stderr}\n--- kernel log:\n${this.log}`);
    return result;
  }

  /** SIGINT to the kernel, as jupyter_client sends for `interrupt_mode: signal`. */
  interrupt(): void {
    this.child?.kill('SIGINT');
  }

  /** `shutdown_request` (restart: true) on control, wait for the exit, start a new process on the same ports. */
  async restart(timeoutMs = 30000): Promise<void> {
    const child = this.child!;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    await this.request('shutdown_request', { restart: true }, { channel: 'control', timeoutMs });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.launch();
    await this.waitReady(timeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.alive) {
      try {
        await this.request('shutdown_request', { restart: false }, { channel: 'control', timeoutMs: 3000 });
      } catch {
        // fall through to kill
      }
      const child = this.child!;
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.shell.close();
    this.control.close();
    this.sub.close();
    fs.rmSync(path.dirname(this.connectionFile), { recursive: true, force: true });
  }
}
