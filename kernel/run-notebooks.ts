/**
 * Notebook runner: executes notebooks headless through the project's tslab kernel, adds a static PNG
 * of every Plotly figure drawn by plotly.js in headless Chromium (kernel/figure-png.ts, as Python
 * plotly does with Kaleido), writes the executed copies (signed as trusted) and offline HTML exports to
 * `out/notebooks/`, and fails naming the notebook, the cell and the error.
 *
 * CLI:  `npm run notebooks` (all of notebooks/*.ipynb) or `npm run notebooks -- 00-tour 01-colored-mnist`.
 * Env:  FD_NOTEBOOK_TIMEOUT (seconds per cell, default 1800); FD_NOTEBOOK_PNGS=0 skips the figure PNGs
 *       (no Chromium needed; figures then show only where JavaScript runs); CHROMIUM (default
 *       /usr/bin/chromium); FD_CACHE_DIR and everything else in the environment is passed through to the
 *       kernel.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addFigurePngs, type FigurePngOptions, type FigurePngReport, LazyFigurePngRenderer, type NotebookJson } from './figure-png';

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
  /**
   * Add an `image/png` drawn by plotly.js in headless Chromium to every Plotly output. Default true
   * unless `$FD_NOTEBOOK_PNGS` is `0`.
   */
  pngs?: boolean;
  /** Size, scale and encoding of the figure PNGs (default: the figure's own size, scale 1, palette). */
  png?: FigurePngOptions;
  /**
   * The renderer to use (and leave open). {@link runNotebooks} starts one for the whole run;
   * {@link runNotebook} called alone starts and closes its own.
   */
  renderer?: LazyFigurePngRenderer;
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
  /** The figure PNGs added (absent with `pngs: false`). */
  pngs?: FigurePngReport;
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
 * Executes one notebook (setup and build must be current; {@link runNotebooks} ensures both), adds the
 * figure PNGs (unless `pngs: false`), then signs and exports it. Resolves with the output paths, sizes
 * and the PNG report; rejects with a {@link NotebookError} naming the cell (the partially executed
 * copy is written unsigned, without PNGs), or an error naming the figure whose PNG failed.
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
  const executed = path.join(outDir, `.${name}.${process.pid}.executed.ipynb`);
  const timeout = opts.timeoutSec ?? (Number(process.env.FD_NOTEBOOK_TIMEOUT) || 1800);
  const pngs = opts.pngs ?? process.env.FD_NOTEBOOK_PNGS !== '0';
  fs.mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const own = pngs && !opts.renderer ? new LazyFigurePngRenderer() : undefined;
  const renderer = opts.renderer ?? own;
  try {
    // 1. Execute (unsigned copy), 2. add the figure PNGs, 3. sign, write and export HTML.
    const result = await runExecutor(['execute', input, executed, '--kernel', 'tslab', '--timeout', String(timeout), '--cwd', path.dirname(input)], input, path.dirname(input));
    let report: FigurePngReport | undefined;
    let pngError: Error | undefined;
    if (result.ok && pngs && renderer) {
      const nb = JSON.parse(fs.readFileSync(executed, 'utf8')) as NotebookJson;
      try {
        report = await addFigurePngs(nb, () => renderer.get(), name, opts.png);
        fs.writeFileSync(executed, JSON.stringify(nb));
      } catch (e) {
        pngError = e as Error;
      }
    }
    const ok = result.ok && !pngError;
    await runExecutor(['export', executed, notebook, html, '--name', name, ...(ok ? ['--sign'] : [])], input, outDir);
    if (!result.ok) {
      const firstLine = (result.source ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
      // An error reply with no error output in the cell (nbclient then says only '<Error>: ') happened
      // outside the cell's code: show what the kernel printed on its own stderr.
      const bare = !result.error || /^<Error>:?\s*$/m.test(result.error.split('\n')[0]);
      const log = bare && result.log?.trim() ? `\n  kernel stderr (last lines):\n${trimLines(result.log.trim(), 40)}` : '';
      throw new NotebookError(path.relative(process.cwd(), input) || input, result.cell ?? -1, firstLine, (result.error || '(no error text)') + log, notebook);
    }
    if (pngError) {
      throw new Error(`notebook ${path.relative(process.cwd(), input) || input}: drawing the figure PNGs failed (FD_NOTEBOOK_PNGS=0 skips them): ${pngError.message}\n  executed copy (unsigned, without PNGs): ${path.relative(process.cwd(), notebook) || notebook}`);
    }
    const seconds = (Date.now() - started) / 1000;
    return { name, input, notebook, html, seconds, notebookBytes: fs.statSync(notebook).size, htmlBytes: fs.statSync(html).size, ...(report ? { pngs: report } : {}) };
  } finally {
    fs.rmSync(executed, { force: true });
    if (own) await own.close();
  }
}

/** Runs `kernel/execute.py` with `args`; resolves with its JSON result line. */
async function runExecutor(args: string[], input: string, cwd: string): Promise<{ ok: boolean; cell?: number; source?: string; error?: string; log?: string }> {
  const env = { ...process.env, JUPYTER_PATH: [jupyterPath(), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) };
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [path.join(REPO_ROOT, 'kernel', 'execute.py'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    // The kernel's own stderr (tslab prints unexpected errors there, not into the cell) comes along.
    return { ...JSON.parse(last), log: stderr };
  } catch {
    throw new Error(`notebook ${path.relative(process.cwd(), input)}: the executor failed at '${args[0]}' (exit ${code}):\n${trimLines((stderr + stdout).trim(), 60)}`);
  }
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
  // One browser for the whole run, started by the first figure.
  const own = opts.renderer ? undefined : new LazyFigurePngRenderer();
  const renderer = opts.renderer ?? own;
  try {
    for (const file of files) {
      log(`running ${path.relative(process.cwd(), file)} ...`);
      try {
        const r = await runNotebook(file, { ...opts, renderer });
        runs.push(r);
        const p = r.pngs;
        const pngNote = p ? `; ${p.figures} figure PNG(s), ${(p.bytes / 1e3).toFixed(0)} KB, drawn in ${(p.ms / 1000).toFixed(1)} s` : '';
        log(`  ok in ${r.seconds.toFixed(1)} s${pngNote}: ${path.relative(process.cwd(), r.html)} (${mb(r.htmlBytes)}), ${path.relative(process.cwd(), r.notebook)} (${mb(r.notebookBytes)})`);
      } catch (e) {
        failures.push(e as Error);
        log(`  FAILED: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    if (own?.started) log(`figure PNGs: Chromium started and plotly.js loaded once, in ${(own.startMs / 1000).toFixed(1)} s`);
  } finally {
    if (own) await own.close();
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
