/**
 * Notebook runner: executes notebooks headless through the project's tslab kernel, writes the executed
 * copies (signed as trusted) and offline HTML exports to `out/notebooks/`, and fails naming the
 * notebook, the cell and the error.
 *
 * CLI:  `npm run notebooks` (all of notebooks/*.ipynb) or `npm run notebooks -- 00-tour 01-colored-mnist`.
 * Env:  FD_NOTEBOOK_TIMEOUT (seconds per cell, default 1800); FD_CACHE_DIR and everything else in the
 *       environment is passed through to the kernel.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The repository root (this file lives in `<root>/kernel/`).
 *
 * @example
 * ```ts
 * path.join(REPO_ROOT, 'notebooks');
 * ```
 */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** Options of {@link runNotebooks} and {@link runNotebook}. */
export interface RunNotebooksOptions {
  /** Notebook names (`00-tour`, `00-tour.ipynb`) or paths. Default: every `notebooks/*.ipynb`. */
  names?: string[];
  /** Default `<root>/notebooks`. */
  notebooksDir?: string;
  /** Where executed notebooks and HTML go. Default `<root>/out/notebooks`. */
  outDir?: string;
  /** Per-cell timeout in seconds. Default `$FD_NOTEBOOK_TIMEOUT` or 1800. */
  timeoutSec?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Rebuild `dist/` first when it is older than `src/` (notebooks import the built package). Default true. */
  build?: boolean;
}

/** The outcome of one executed notebook. */
export interface NotebookRun {
  name: string;
  input: string;
  /** Executed, signed copy. */
  notebook: string;
  html: string;
  seconds: number;
  notebookBytes: number;
  htmlBytes: number;
}

/**
 * A notebook cell failed. `cell` is the 0-based index of the cell in the notebook, `firstLine` the first
 * line of its source, `detail` what the kernel printed as the error. The partially executed copy is
 * still written to `executed` (and its HTML next to it).
 *
 * @example
 * ```ts
 * try { await runNotebook(file); } catch (e) { if (e instanceof NotebookError) console.log(e.cell, e.firstLine); }
 * ```
 */
export class NotebookError extends Error {
  constructor(
    readonly notebook: string,
    readonly cell: number,
    readonly firstLine: string,
    readonly detail: string,
    readonly executed: string,
  ) {
    super(
      `notebook ${notebook} failed at cell ${cell} (0-based): ${JSON.stringify(firstLine)}\n` +
        indent(trimLines(detail, 40)) +
        `\n  executed copy: ${path.relative(process.cwd(), executed) || executed}`,
    );
    this.name = 'NotebookError';
  }
}

/**
 * One or more notebooks failed; `failures` has one {@link NotebookError} each, `runs` the successes.
 *
 * @example
 * ```ts
 * try { await runNotebooks(); } catch (e) { if (e instanceof NotebookRunError) console.log(e.failures.length); }
 * ```
 */
export class NotebookRunError extends Error {
  constructor(readonly failures: Error[], readonly runs: NotebookRun[]) {
    super(`${failures.length} notebook(s) failed:\n\n` + failures.map((f) => f.message).join('\n\n'));
    this.name = 'NotebookRunError';
  }
}

function indent(s: string): string {
  return s.split('\n').map((l) => '  | ' + l).join('\n');
}

function trimLines(s: string, max: number): string {
  const lines = s.split('\n');
  return lines.length <= max ? s : [...lines.slice(0, max), `... (${lines.length - max} more lines)`].join('\n');
}

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (e.name.endsWith(ext)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Rebuilds `dist/` with tsc when any `src/**.ts` is newer than `dist/index.js`.
 *
 * @example
 * ```ts
 * ensureBuilt(); // no-op when dist/ is current
 * ```
 */
export function ensureBuilt(root = REPO_ROOT, log: (l: string) => void = (l) => process.stderr.write(l + '\n')): void {
  const out = path.join(root, 'dist', 'index.js');
  const built = fs.existsSync(out) ? fs.statSync(out).mtimeMs : 0;
  const src = newestMtime(path.join(root, 'src'), '.ts');
  if (built >= src) return;
  log('building dist/ (notebooks import the built package) ...');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed (tsc -p tsconfig.json):\n${r.stdout}${r.stderr}`);
  // tsc leaves unchanged outputs untouched; mark the build as current.
  const now = new Date();
  fs.utimesSync(out, now, now);
}

/**
 * The kernel prefix's share dir, for `JUPYTER_PATH`.
 *
 * @example
 * ```ts
 * spawn('jupyter', ['kernelspec', 'list'], { env: { ...process.env, JUPYTER_PATH: jupyterPath() } });
 * ```
 */
export function jupyterPath(root = REPO_ROOT): string {
  return path.join(root, 'kernel', 'jupyter', 'share', 'jupyter');
}

/**
 * Runs `kernel/setup.sh` when the kernel is not registered or the self-link is missing.
 *
 * @example
 * ```ts
 * ensureKernel(); // registers tslab in kernel/jupyter once
 * ```
 */
export function ensureKernel(root = REPO_ROOT, log: (l: string) => void = (l) => process.stderr.write(l + '\n')): void {
  const check = spawnSync('bash', [path.join(root, 'kernel', 'setup.sh'), '--check'], { cwd: root, encoding: 'utf8' });
  if (check.status === 0) return;
  log('setting up the notebook kernel (kernel/setup.sh) ...');
  const r = spawnSync('bash', [path.join(root, 'kernel', 'setup.sh')], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kernel/setup.sh failed:\n${r.stdout}${r.stderr}`);
}

/**
 * Resolves names like `00-tour` to notebook paths (all notebooks when `names` is empty).
 *
 * @example
 * ```ts
 * listNotebooks(['00-tour']); // ['<root>/notebooks/00-tour.ipynb']
 * ```
 */
export function listNotebooks(names: string[] | undefined, dir = path.join(REPO_ROOT, 'notebooks')): string[] {
  if (!names || names.length === 0) {
    if (!fs.existsSync(dir)) throw new Error(`no notebooks directory at ${dir}`);
    return fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join(dir, f));
  }
  return names.map((n) => {
    const candidates = [n, `${n}.ipynb`, path.join(dir, n), path.join(dir, `${n}.ipynb`)];
    const hit = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    if (!hit) {
      const known = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).map((f) => f.replace(/\.ipynb$/, '')) : [];
      throw new Error(`no notebook named '${n}' (known: ${known.join(', ') || 'none'})`);
    }
    return path.resolve(hit);
  });
}

/**
 * Executes one notebook (setup and build must be current; {@link runNotebooks} ensures both).
 * Resolves with the output paths and sizes; rejects with a {@link NotebookError} naming the cell.
 *
 * @example
 * ```ts
 * const run = await runNotebook('notebooks/00-tour.ipynb', { outDir: 'out/notebooks' });
 * console.log(run.html, run.seconds);
 * ```
 */
export async function runNotebook(input: string, opts: Omit<RunNotebooksOptions, 'names'> = {}): Promise<NotebookRun> {
  const outDir = path.resolve(opts.outDir ?? path.join(REPO_ROOT, 'out', 'notebooks'));
  const name = path.basename(input).replace(/\.ipynb$/, '');
  const notebook = path.join(outDir, `${name}.ipynb`);
  const html = path.join(outDir, `${name}.html`);
  const timeout = opts.timeoutSec ?? (Number(process.env.FD_NOTEBOOK_TIMEOUT) || 1800);
  fs.mkdirSync(outDir, { recursive: true });
  const env = { ...process.env, JUPYTER_PATH: [jupyterPath(), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) };
  const args = [path.join(REPO_ROOT, 'kernel', 'execute.py'), input, notebook, html, '--kernel', 'tslab', '--timeout', String(timeout), '--cwd', path.dirname(input)];
  const started = Date.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('/usr/bin/python3', args, { cwd: path.dirname(input), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  const seconds = (Date.now() - started) / 1000;
  const last = stdout.trim().split('\n').pop() ?? '';
  let result: { ok: boolean; cell?: number; source?: string; error?: string } | undefined;
  try {
    result = JSON.parse(last);
  } catch {
    result = undefined;
  }
  if (!result) {
    throw new Error(`notebook ${path.relative(process.cwd(), input)}: the executor failed (exit ${code}):\n${trimLines((stderr + stdout).trim(), 60)}`);
  }
  if (!result.ok) {
    const firstLine = (result.source ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
    throw new NotebookError(path.relative(process.cwd(), input) || input, result.cell ?? -1, firstLine, result.error || '(no error text)', notebook);
  }
  return { name, input, notebook, html, seconds, notebookBytes: fs.statSync(notebook).size, htmlBytes: fs.statSync(html).size };
}

/**
 * Executes notebooks one after another (all of `notebooks/*.ipynb` by default), after making sure the
 * kernel is set up and `dist/` is current. Every notebook runs even when an earlier one fails; then a
 * {@link NotebookRunError} lists the failures.
 *
 * @example
 * ```ts
 * const runs = await runNotebooks({ names: ['00-tour'] });
 * ```
 */
export async function runNotebooks(opts: RunNotebooksOptions = {}): Promise<NotebookRun[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const files = listNotebooks(opts.names, opts.notebooksDir);
  ensureKernel(REPO_ROOT, log);
  if (opts.build !== false) ensureBuilt(REPO_ROOT, log);
  const runs: NotebookRun[] = [];
  const failures: Error[] = [];
  for (const file of files) {
    log(`running ${path.relative(process.cwd(), file)} ...`);
    try {
      const r = await runNotebook(file, opts);
      runs.push(r);
      log(`  ok in ${r.seconds.toFixed(1)} s: ${path.relative(process.cwd(), r.html)} (${mb(r.htmlBytes)}), ${path.relative(process.cwd(), r.notebook)} (${mb(r.notebookBytes)})`);
    } catch (e) {
      failures.push(e as Error);
      log(`  FAILED: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (failures.length) throw new NotebookRunError(failures, runs);
  return runs;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

if (require.main === module) {
  runNotebooks({ names: process.argv.slice(2) }).then(
    (runs) => {
      process.stderr.write(`${runs.length} notebook(s) executed; HTML in ${path.relative(process.cwd(), path.join(REPO_ROOT, 'out', 'notebooks')) || '.'}/\n`);
    },
    (e: Error) => {
      process.stderr.write(`\n${e.message}\n`);
      process.exit(1);
    },
  );
}
