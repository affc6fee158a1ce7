/**
 * The classic Jupyter notebook server (Debian's notebook 6.4) on localhost with the project's kernel
 * (JUPYTER_PATH=kernel/jupyter/share/jupyter), for real-browser tests.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface NotebookServer {
  url: string;
  token: string;
  /** URL of a notebook under the served directory. */
  notebookUrl(relative: string): string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts `python3 -m notebook` on `dir`; resolves once it answers `/api`. `env` is added to the
 * server's (and so the kernels') environment.
 */
export async function startNotebookServer(dir: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60000): Promise<NotebookServer> {
  const port = await freePort();
  const token = crypto.randomBytes(12).toString('hex');
  const jupyterPath = path.join(REPO_ROOT, 'kernel', 'jupyter', 'share', 'jupyter');
  const args = ['-m', 'notebook', '--no-browser', `--port=${port}`, '--ip=127.0.0.1', `--NotebookApp.token=${token}`, `--notebook-dir=${dir}`, '--NotebookApp.open_browser=False'];
  if (process.getuid?.() === 0) args.push('--allow-root');
  let log = '';
  const child: ChildProcess = spawn('/usr/bin/python3', args, {
    cwd: dir,
    env: { ...process.env, ...env, JUPYTER_PATH: [jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`notebook server exited with ${child.exitCode}:\n${log}`);
    try {
      const r = await fetch(`${url}/api?token=${token}`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`notebook server did not start within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    token,
    notebookUrl: (relative) => `${url}/notebooks/${relative.split('/').map(encodeURIComponent).join('/')}?token=${token}`,
    log: () => log,
    stop: async () => {
      if (child.exitCode !== null) return;
      // Shut the kernels down through the API first: a server that has to be killed leaves none behind.
      try {
        const r = await fetch(`${url}/api/kernels?token=${token}`);
        const kernels = (await r.json()) as Array<{ id: string }>;
        await Promise.all(kernels.map((k) => fetch(`${url}/api/kernels/${k.id}?token=${token}`, { method: 'DELETE' })));
      } catch {
        // the server may already be going
      }
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM'); // the server shuts its kernels down
      const t = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(t);
    },
  };
}
